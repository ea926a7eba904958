"""The portal's accounts: who may log in, with which role, for which county.

Accounts live in the warehouse table ``portal_users`` (migration 0006), beside the ledger the
portal shows, so a deployment needs no second database. Passwords are hashed with argon2id
(``argon2-cffi``, OWASP's first choice); a hash made with weaker parameters is re-hashed at the
next successful login.

Throttling is per account and stored in the table, so it holds across portal processes: after
``MAX_FAILURES`` wrong passwords in a row the account is locked for ``LOCK_MINUTES``; every login
attempt during the lock is refused with the same message as a wrong password (nothing tells an
attacker which names exist). A known price: someone can lock a clerk out for a few minutes.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, Engine, insert, select, update

from teachflow.warehouse.schema import PORTAL_ROLES, counties, portal_users

MAX_FAILURES = 5
LOCK_MINUTES = 5
MIN_PASSWORD_LENGTH = 10
_USERNAME = re.compile(r"[A-Za-z0-9_.@-]{2,64}\Z", re.ASCII)

_hasher = PasswordHasher()
#: Verifying against this keeps an unknown user's login as slow as a known one's.
_DUMMY_HASH = _hasher.hash("teachflow-no-such-user")


class AccountError(ValueError):
    """A request to make or change an account that cannot be done (message for the operator)."""


@dataclass(frozen=True)
class User:
    """A logged-in portal user, as the pages need it."""

    username: str
    role: str
    county_code: str | None
    display_name: str | None = None
    email: str | None = None

    @property
    def is_city(self) -> bool:
        return self.role == "city_staff"

    def may_see(self, county_code: str) -> bool:
        """City staff see every county; a clerk only their own (cycle.md "Who sees what")."""
        return self.is_city or county_code == self.county_code

    def may_upload(self, county_code: str) -> bool:
        """Only a county's own clerk uploads for it; city staff never upload for a county."""
        return self.role == "county_clerk" and county_code == self.county_code


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _aware(moment: dt.datetime | None) -> dt.datetime | None:
    if moment is None or moment.tzinfo is not None:
        return moment
    return moment.replace(tzinfo=dt.UTC)


def _user(row) -> User:
    return User(row.username, row.role, row.county_code, row.display_name, row.email)


def save_user(
    engine: Engine,
    username: str,
    password: str,
    role: str,
    county_code: str | None = None,
    *,
    display_name: str | None = None,
    email: str | None = None,
) -> bool:
    """Create the account, or replace its password, role, county and details. True if created."""
    if not _USERNAME.match(username or ""):
        raise AccountError("username: 2-64 characters of A-Z a-z 0-9 _ . @ -")
    if role not in PORTAL_ROLES:
        raise AccountError(f"role must be one of {', '.join(PORTAL_ROLES)}")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password: at least {MIN_PASSWORD_LENGTH} characters")
    if role == "city_staff":
        county_code = None
    values = {
        "password_hash": _hasher.hash(password),
        "role": role,
        "county_code": county_code,
        "display_name": display_name,
        "email": email or None,
        "active": True,
        "failed_logins": 0,
        "locked_until": None,
    }
    with engine.begin() as conn:
        if role == "county_clerk":
            known = conn.execute(
                select(counties.c.county_code).where(
                    counties.c.county_code == county_code, counties.c.is_city.is_(False)
                )
            ).first()
            if known is None:
                raise AccountError(f"county {county_code!r} is not a county of the reference data")
        exists = conn.execute(select(portal_users.c.username).where(portal_users.c.username == username)).first()
        if exists:
            conn.execute(update(portal_users).where(portal_users.c.username == username).values(**values))
            return False
        conn.execute(insert(portal_users).values(username=username, created_at=_now(), **values))
        return True


def deactivate(engine: Engine, username: str) -> bool:
    """Stop an account from logging in (kept for the record). True if it existed."""
    with engine.begin() as conn:
        done = conn.execute(update(portal_users).where(portal_users.c.username == username).values(active=False))
        return bool(done.rowcount)


def list_users(conn: Connection) -> list[tuple[str, str, str | None, bool, str | None]]:
    """(username, role, county, active, email), by username: for ``teachflow portal users``."""
    rows = conn.execute(
        select(
            portal_users.c.username,
            portal_users.c.role,
            portal_users.c.county_code,
            portal_users.c.active,
            portal_users.c.email,
        ).order_by(portal_users.c.username)
    )
    return [tuple(r) for r in rows]


def authenticate(engine: Engine, username: str, password: str, now: dt.datetime | None = None) -> User | None:
    """The user if the password is right and the account active and not locked; else None.

    Records the failure (and locks after ``MAX_FAILURES``) or resets the count on success.
    """
    now = now or _now()
    with engine.begin() as conn:
        row = conn.execute(select(portal_users).where(portal_users.c.username == username)).first()
        if row is None:
            _verify(_DUMMY_HASH, password)  # same cost as a real check
            return None
        locked = _aware(row.locked_until)
        if not row.active or (locked is not None and locked > now):
            _verify(_DUMMY_HASH, password)
            return None
        if not _verify(row.password_hash, password):
            failures = row.failed_logins + 1
            values: dict = {"failed_logins": failures}
            if failures >= MAX_FAILURES:
                values = {"failed_logins": 0, "locked_until": now + dt.timedelta(minutes=LOCK_MINUTES)}
            conn.execute(update(portal_users).where(portal_users.c.username == username).values(**values))
            return None
        values = {"failed_logins": 0, "locked_until": None}
        if _hasher.check_needs_rehash(row.password_hash):
            values["password_hash"] = _hasher.hash(password)
        conn.execute(update(portal_users).where(portal_users.c.username == username).values(**values))
        return _user(row)


def load_user(engine: Engine, username: str) -> User | None:
    """The active account of a session's user name (a deactivated account loses its sessions)."""
    with engine.connect() as conn:
        row = conn.execute(
            select(portal_users).where(portal_users.c.username == username, portal_users.c.active.is_(True))
        ).first()
    return _user(row) if row else None


def digest_addresses(conn: Connection) -> dict[str | None, list[str]]:
    """E-mail addresses of active accounts by county (None: city staff), for the daily digest."""
    out: dict[str | None, list[str]] = {}
    rows = conn.execute(
        select(portal_users.c.county_code, portal_users.c.email)
        .where(portal_users.c.active.is_(True), portal_users.c.email.is_not(None))
        .order_by(portal_users.c.username)
    )
    for county, email in rows:
        if email:
            out.setdefault(county, []).append(email)
    return out


def _verify(hashed: str, password: str) -> bool:
    try:
        return _hasher.verify(hashed, password)
    except (VerificationError, InvalidHashError):
        return False
