"""Sessions and CSRF for the portal.

- The session is a cookie signed with ``itsdangerous`` (Starlette's ``SessionMiddleware``): it holds
  the user name, the CSRF token and the login time, nothing secret. Its key is
  ``TEACHFLOW_PORTAL_SECRET``, else a local development file ``<data>/portal_secret`` made on first
  use (never in the repository; production sets the variable). ``HttpOnly``, ``SameSite=Lax``, and
  ``Secure`` when ``TEACHFLOW_PORTAL_HTTPS_ONLY=true`` (behind TLS).
- Every form carries the session's CSRF token in a hidden field; every POST compares it in
  constant time (the login form too: its token comes with the first visit).
"""

from __future__ import annotations

import hmac
import os
import secrets
from pathlib import Path

from teachflow.settings import Settings

SESSION_COOKIE = "teachflow_portal"
SESSION_MAX_AGE = 8 * 3600  # a working day


def portal_secret(settings: Settings) -> str:
    """The session-signing key: the environment's, else the local development file (made if missing)."""
    value = os.environ.get("TEACHFLOW_PORTAL_SECRET")
    if value:
        return value
    path: Path = settings.data_dir / "portal_secret"
    if path.exists() and path.read_text(encoding="utf-8").strip():
        return path.read_text(encoding="utf-8").strip()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(secrets.token_hex(32) + "\n", encoding="utf-8")
    path.chmod(0o600)
    return path.read_text(encoding="utf-8").strip()


def https_only() -> bool:
    return os.environ.get("TEACHFLOW_PORTAL_HTTPS_ONLY", "").lower() in ("1", "true", "yes")


def csrf_token(session: dict) -> str:
    """The session's CSRF token (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = secrets.token_urlsafe(32)
        session["csrf"] = token
    return token


def csrf_ok(session: dict, submitted: str | None) -> bool:
    expected = session.get("csrf")
    return bool(expected and submitted) and hmac.compare_digest(str(expected), str(submitted))
