"""Who may use the console: a login with the API token or a configured user's password
(scrypt hashes), a signed session cookie (HttpOnly, SameSite=Lax, Secure behind TLS),
CSRF tokens tied to the session, and the API's bearer token for scripts."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from dataclasses import dataclass

from fastapi import Request, Response

from starter.api.config import ApiConfig
from starter.api.errors import bearer_matches

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

    def login(self, user: str, password: str) -> str | None:
        """The name to record as who acts, or None when the login is wrong."""
        if self.api_token and hmac.compare_digest(password.encode(), self.api_token.encode()):
            return user.strip() or TOKEN_USER
        stored = self.users.get(user.strip())
        if stored is not None and password_matches(password, stored):
            return user.strip()
        return None

    def _sign(self, text: str) -> str:
        return hmac.new(self.secret, text.encode(), hashlib.sha256).hexdigest()

    def session_value(self, user: str, now: float | None = None) -> str:
        expires = int((now or time.time()) + self.session_seconds)
        body = base64.urlsafe_b64encode(f"{user}|{expires}".encode()).decode()
        return f"{body}.{self._sign(body)}"

    def user_of(self, value: str | None, now: float | None = None) -> str | None:
        body, _, signature = (value or "").partition(".")
        if not body or not hmac.compare_digest(signature, self._sign(body)):
            return None
        try:
            user, _, expires = base64.urlsafe_b64decode(body).decode().rpartition("|")
            alive = int(expires) > (now or time.time())
        except ValueError:
            return None
        return user if alive else None

    def csrf_for(self, request: Request) -> str:
        """A form's token: tied to the session cookie (or, on the login page, to a nonce
        cookie), so another site cannot make one."""
        seed = request.cookies.get(COOKIE) or request.cookies.get(COOKIE + "_nonce") or ""
        return self._sign("csrf|" + seed)

    def csrf_ok(self, request: Request, given: str | None) -> bool:
        return bool(given) and hmac.compare_digest(given or "", self.csrf_for(request))


def who(request: Request, keys: Keys) -> tuple[str | None, bool]:
    """The signed-in person, and whether they came with the bearer token (a script: no
    CSRF token asked)."""
    if bearer_matches(request.headers.get("authorization"), keys.api_token or ""):
        return TOKEN_USER, True
    if keys.open_access:
        return "developer", False
    return keys.user_of(request.cookies.get(COOKIE)), False


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
