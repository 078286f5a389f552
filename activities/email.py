"""Email over SMTP (aiosmtplib): `smtp://user:password@host:587` upgrades with STARTTLS
when the server offers it (`?starttls=require` insists, `?starttls=off` never tries),
`smtps://host:465` speaks TLS from the first byte."""

from __future__ import annotations

from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import parse_qs, unquote, urlsplit

_STARTTLS = {"auto": None, "require": True, "off": False}


def check_smtp_url(url: str) -> str:
    """The URL if it can be used; otherwise a ValueError that says what to write."""
    parts = urlsplit(url)
    if parts.scheme not in ("smtp", "smtps") or not parts.hostname:
        raise ValueError(
            f"{url!r} is not an SMTP URL: write smtp://user:password@host:587 (STARTTLS) "
            "or smtps://user:password@host:465 (TLS)"
        )
    starttls = parse_qs(parts.query).get("starttls", ["auto"])[-1]
    if starttls not in _STARTTLS:
        raise ValueError(
            f"starttls={starttls!r} in {parts.hostname}'s URL: use auto, require or off"
        )
    return url


class EmailFailed(Exception):
    """The SMTP server could not be reached, refused the login or the message."""


@dataclass(frozen=True)
class SmtpMailer:
    url: str
    sender: str
    timeout: float = 10.0

    async def send(self, to: str, subject: str, body: str) -> None:
        """One plain-text message; raises EmailFailed saying why not."""
        import aiosmtplib  # here: the settings check URLs on every command's start

        parts = urlsplit(check_smtp_url(self.url))
        tls = parts.scheme == "smtps"
        starttls = None if tls else _STARTTLS[parse_qs(parts.query).get("starttls", ["auto"])[-1]]
        message = EmailMessage()
        message["From"], message["To"], message["Subject"] = self.sender, to, subject
        message.set_content(body)
        try:
            await aiosmtplib.send(
                message,
                hostname=parts.hostname,
                port=parts.port or (465 if tls else 587),
                username=unquote(parts.username) if parts.username else None,
                password=unquote(parts.password) if parts.password else None,
                use_tls=tls,
                start_tls=starttls,
                timeout=self.timeout,
            )
        except (aiosmtplib.SMTPException, OSError) as exc:
            raise EmailFailed(f"{parts.hostname}:{parts.port}: {exc}") from None
