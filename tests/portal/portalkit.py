"""A little city with portal accounts, and a logged-in test client, for the portal's tests."""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from pathlib import Path

from fastapi.testclient import TestClient

from teachflow.portal.accounts import save_user
from teachflow.portal.app import create_app
from teachflow.reference import load_reference
from teachflow.settings import load_settings
from tests.citykit import N1, NORTH, SOUTH, make_id, write_reference

PASSWORD = "correct horse battery"
USERS = {
    "north": ("county_clerk", NORTH),
    "south": ("county_clerk", SOUTH),
    "city": ("city_staff", None),
}
#: The portal's clock in these tests: 2026-11-10 10:00 in Shanghai, after 2026-10's due day.
NOW = dt.datetime(2026, 11, 10, 2, 0, tzinfo=dt.UTC)
ROSTER_HEADER = "id_number,name,school_code,tier,current_school_since"
_CSRF = re.compile(r'name="csrf" value="([^"]+)"')


def make_city(engine, warehouse_url: str, tmp_path: Path):
    """Settings for a warehouse holding the little city and three accounts (north, south, city)."""
    load_reference(engine, write_reference(tmp_path / "reference"))
    for username, (role, county) in USERS.items():
        save_user(engine, username, PASSWORD, role, county, email=f"{username}@example.org")
    return dataclasses.replace(load_settings(), warehouse_url=warehouse_url, landing_quiet_seconds=0)


def client(settings, now=NOW) -> TestClient:
    return TestClient(create_app(settings, now=lambda: now), follow_redirects=False)


def csrf_of(html: str) -> str:
    match = _CSRF.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def login(c: TestClient, username: str, password: str = PASSWORD):
    token = csrf_of(c.get("/login").text)
    return c.post("/login", data={"username": username, "password": password, "csrf": token, "next": "/"})


def logged_in(settings, username: str, now=NOW) -> TestClient:
    c = client(settings, now)
    answer = login(c, username)
    assert answer.status_code == 303, answer.text
    return c


def roster_csv(*rows: str) -> bytes:
    return ("\n".join([ROSTER_HEADER, *rows]) + "\n").encode("utf-8")


def teacher_row(seq: int, school: str = N1, tier: str = "骨干教师", since: str = "2015-09-01") -> str:
    return f"{make_id(seq)},教师{seq},{school},{tier},{since}"
