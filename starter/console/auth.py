"""Who may use the console: a login with the API token or a configured user's password
(scrypt hashes), the session cookie's flags (HttpOnly, SameSite=Lax, Secure behind TLS),
CSRF tokens tied to the session, and the API's bearer token for scripts. The sessions
themselves are stored in the app database (`starter/console/sessions.py`)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

from fastapi import Request, Response

from starter.api.config import ApiConfig

COOKIE = "lead_router_console"
TOKEN_USER = "api-token"  # who acted, when someone logged in with the API token
_SCRYPT = {"n": 2**14, "r": 8, "p": 1}


class ConsoleOff(Exception):
    """No way to log in is configured: the page says which variable to set."""


class UsersError(ValueError):
    """LEAD_ROUTER_CONSOLE_USERS cannot be read: the message says which entry and why."""


def hash_password(password: str, salt: bytes | None = None) -> str:
    """`scrypt$<salt>$<hash>` (base64), what LEAD_ROUTER_CONSOLE_USERS holds per user."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(password.encode(), salt=salt, **_SCRYPT)
    return "scrypt$" + base64.b64encode(salt).decode() + "$" + base64.b64encode(digest).decode()


def password_matches(password: str, stored: str) -> bool:
    kind, _, rest = stored.partition("$")
    salt, _, expected = rest.partition("$")
    if kind != "scrypt" or not salt or not expected:
        return False
    again = hash_password(password, base64.b64decode(salt))
    return hmac.compare_digest(again, stored)


def parse_users(text: str | None) -> dict[str, str]:
    """`alice=scrypt$..;bob=scrypt$..` as {name: hash}; a bad entry says where it is."""
    users: dict[str, str] = {}
    for number, entry in enumerate((text or "").split(";"), start=1):
        if not entry.strip():
            continue
        name, sep, stored = entry.strip().partition("=")
        if not sep or not name or not stored.startswith("scrypt$") or stored.count("$") != 2:
            raise UsersError(
                f"LEAD_ROUTER_CONSOLE_USERS entry {number} ({name or entry[:12]!r}): expected "
                "name=scrypt$salt$hash (make one with `lead-router console hash-password`)"
            )
        users[name] = stored
    return users


@dataclass(frozen=True)
class Keys:
    """What the console signs with and checks logins against."""

    secret: bytes
    users: dict[str, str]
    api_token: str | None
    open_access: bool  # --insecure-dev without a token: like the API, nothing asked
    session_seconds: float

    @classmethod
    def of(cls, config: ApiConfig) -> Keys:
        users = parse_users(config.console.users)
        seed = config.console.secret or config.api_token or secrets.token_hex(32)
        secret = hashlib.sha256(b"lead-router console\0" + seed.encode()).digest()
        return cls(
            secret=secret,
            users=users,
            api_token=config.api_token,
            open_access=config.insecure and not config.api_token and not users,
            session_seconds=config.console.session_hours * 3600,
        )

    def check_configured(self) -> None:
        if not self.api_token and not self.users and not self.open_access:
            raise ConsoleOff(
                "the console needs a way to log in: set LEAD_ROUTER_API_TOKEN, or "
                "LEAD_ROUTER_CONSOLE_USERS (hashes from `lead-router console hash-password`)"
            )

    def login(self, user: str, password: str) -> tuple[str, str] | None:
        """Who to record as acting and the fingerprint of the credential they used (see
        `credential_holds`), or None when the login is wrong."""
        if self.api_token and hmac.compare_digest(password.encode(), self.api_token.encode()):
            return user.strip() or TOKEN_USER, self._credential("token", self.api_token)
        stored = self.users.get(user.strip())
        if stored is not None and password_matches(password, stored):
            return user.strip(), self._credential("user", stored)
        return None

    def credential_holds(self, user: str, credential: str) -> bool:
        """Whether the password (or API token) a session was opened with is still the
        configured one: a changed password, a rotated token or console secret ends it."""
        held = [self._credential("user", self.users[user])] if user in self.users else []
        if self.api_token:
            held.append(self._credential("token", self.api_token))
        return any(hmac.compare_digest(credential, one) for one in held)

    def _credential(self, kind: str, value: str) -> str:
        return self._sign(f"credential|{kind}|{value}")

    def _sign(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def csrf_for(self, request: Request) -> str:
        """A form's token: tied to the session cookie (or, on the login page, to a nonce
        cookie), so another site cannot make one."""
        seed = request.cookies.get(COOKIE) or request.cookies.get(COOKIE + "_nonce") or ""
        return self._sign("csrf|" + seed)

    def csrf_ok(self, request: Request, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given or "", self.csrf_for(request))


def behind_tls(request: Request) -> bool:
    forwarded = request.headers.get("x-forwarded-proto", "")
    return request.url.scheme == "https" or forwarded.split(",")[0].strip() == "https"


def set_cookie(response: Response, request: Request, name: str, value: str, age: float) -> None:
    response.set_cookie(
        name,
        value,
        max_age=int(age),
        path="/console",
        httponly=True,
        samesite="lax",
        secure=behind_tls(request),
    )
