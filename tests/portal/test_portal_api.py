"""The portal's pages and permissions, against a real ledger on SQLite and PostgreSQL.

Every page, file and form is tried without a session (the login page, always), by the clerk of
another county (403/404, nothing of the county shown) and by its own clerk and city staff.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import io
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import update

from teachflow.ingestion.feedback import feedback_paths
from teachflow.ingestion.pipeline import ingest_landing
from teachflow.portal import accounts
from teachflow.warehouse.schema import submissions
from tests.citykit import CITY, N1, N2, NORTH, S1, SOUTH
from tests.portal.portalkit import (
    NOW,
    PASSWORD,
    client,
    csrf_of,
    logged_in,
    login,
    make_city,
    roster_csv,
    teacher_row,
)

PERIOD = "2026-10"


@pytest.fixture
def city(engine, warehouse_url, tmp_path):
    return make_city(engine, warehouse_url, tmp_path)


def county_urls(county: str) -> list[str]:
    """Every GET of one county's pages and files."""
    return [
        f"/county/{county}",
        f"/county/{county}/upload",
        f"/county/{county}/feedback/{PERIOD}/teachers.xlsx",
        f"/county/{county}/feedback/{PERIOD}/teachers.csv",
        f"/county/{county}/templates/teachers.xlsx",
        f"/county/{county}/templates/training_records.xlsx",
        f"/county/{county}/lists/逾期未返名单.xlsx",
        f"/county/{county}/digest/2026-11-10",
    ]


def put_outbox_files(settings, county: str) -> None:
    """Feedback, a named list and a digest of ``county``, as the pipeline and the DAGs write them."""
    paths = feedback_paths(settings.outbox, county, PERIOD, "teachers")
    paths.xlsx.parent.mkdir(parents=True, exist_ok=True)
    paths.xlsx.write_bytes(b"PK\x03\x04 feedback")
    paths.csv.write_text(f"秘密反馈 {county}", encoding="utf-8")
    lists = settings.outbox / county / "lists"
    lists.mkdir(parents=True)
    (lists / "逾期未返名单.xlsx").write_bytes(b"PK\x03\x04 names")
    digest = settings.outbox / county / "digest"
    digest.mkdir(parents=True)
    (digest / "2026-11-10.txt").write_text(f"日报 {county}", encoding="utf-8")


def test_nothing_is_reachable_without_a_login(city):
    c = client(city)
    for url in ["/", "/city", "/city/digest/2026-11-10", "/city/lists/x.xlsx", *county_urls(NORTH), "/county/999999"]:
        answer = c.get(url)
        assert answer.status_code == 303, url
        assert answer.headers["location"].startswith("/login?next="), url
    for url in [f"/county/{NORTH}/upload", f"/county/{NORTH}/submit", "/logout"]:
        answer = c.post(url, data={"csrf": "x"})
        assert answer.status_code in (303, 400), url
        assert "location" not in answer.headers or answer.headers["location"].startswith("/login")
    assert c.get("/login").status_code == 200
    assert c.get("/static/portal.css").status_code == 200  # the login page's style, nothing else


def test_a_clerk_sees_nothing_of_another_county(city):
    put_outbox_files(city, SOUTH)
    north = logged_in(city, "north")
    for url in county_urls(SOUTH):
        answer = north.get(url)
        assert answer.status_code in (403, 404), url
        assert "秘密反馈" not in answer.text and "日报 " + SOUTH not in answer.text
    assert north.get("/city").status_code == 403
    assert north.get("/city/digest/2026-11-10").status_code == 403
    assert north.get("/city/lists/逾期未返名单_全市.xlsx").status_code == 403
    assert north.get("/county/999999").status_code == 404
    token = csrf_of(north.get(f"/county/{NORTH}").text)
    upload = north.post(
        f"/county/{SOUTH}/upload",
        data={"csrf": token, "period": PERIOD, "dataset": "teachers"},
        files={"file": ("teachers.csv", roster_csv(teacher_row(1, S1)), "text/csv")},
    )
    assert upload.status_code == 403
    assert north.post(f"/county/{SOUTH}/submit", data={"csrf": token, "token": "x" * 32}).status_code == 403
    assert not (Path(city.landing) / SOUTH).exists()

    # ... and a staged upload of one county cannot be submitted by another county's session
    south = logged_in(city, "south")
    south_token = csrf_of(south.get(f"/county/{SOUTH}/upload").text)
    page = south.post(
        f"/county/{SOUTH}/upload",
        data={"csrf": south_token, "period": PERIOD, "dataset": "teachers"},
        files={"file": ("teachers.csv", roster_csv(teacher_row(1, S1)), "text/csv")},
    ).text
    staged = page.split('name="token" value="')[1].split('"')[0]
    assert north.post(f"/county/{NORTH}/submit", data={"csrf": token, "token": staged}).status_code == 404
    assert north.get(f"/county/{SOUTH}/upload/{staged}/feedback.csv").status_code == 403
    assert north.get(f"/county/{NORTH}/upload/{staged}/feedback.csv").status_code == 404


def test_a_clerk_sees_their_own_county_files_lists_and_digest(city):
    put_outbox_files(city, NORTH)
    north = logged_in(city, "north")
    page = north.get(f"/county/{NORTH}")
    assert page.status_code == 200
    assert "城中区" in page.text and "逾期未报" in page.text  # 2026-10 is past due on 11-10
    assert "日报 " + NORTH in page.text and "逾期未返名单.xlsx" in page.text
    assert north.get(f"/county/{NORTH}/feedback/{PERIOD}/teachers.csv").text == f"秘密反馈 {NORTH}"
    assert north.get(f"/county/{NORTH}/lists/逾期未返名单.xlsx").content == b"PK\x03\x04 names"
    assert north.get(f"/county/{NORTH}/lists/..%2F..%2Fid_secret").status_code == 404
    assert north.get(f"/county/{NORTH}/digest/2026-11-10").status_code == 200
    assert north.get(f"/county/{NORTH}/digest/2026-11-09").status_code == 404
    assert north.get("/").headers["location"] == f"/county/{NORTH}"


def test_the_template_lists_the_county_s_own_schools(city):
    north = logged_in(city, "north")
    answer = north.get(f"/county/{NORTH}/templates/teachers.xlsx")
    assert answer.status_code == 200
    wb = load_workbook(io.BytesIO(answer.content))
    codes = [row[0] for row in wb["本区县学校"].iter_rows(min_row=2, values_only=True)]
    assert codes == [N1, N2]
    assert north.get(f"/county/{NORTH}/templates/assessment_ratings.xlsx").status_code == 404


def test_city_staff_see_every_county_missing_first_and_upload_for_none(city):
    put_outbox_files(city, SOUTH)
    staff = logged_in(city, "city")
    assert staff.get("/").headers["location"] == "/city"
    page = staff.get("/city")
    assert page.status_code == 200
    assert "城中区" in page.text and "鱼峰区" in page.text
    first_rows = page.text.split('<table id="city-grid">')[1].split('data-status="')[1:4]
    assert all(row.startswith("missing") for row in first_rows)
    assert staff.get(f"/city?county={SOUTH}&status=missing").text.count(f'data-county="{NORTH}"') == 0
    assert staff.get(f"/county/{SOUTH}").status_code == 200
    assert staff.get(f"/county/{SOUTH}/feedback/{PERIOD}/teachers.csv").status_code == 200
    assert staff.get(f"/county/{SOUTH}/lists/逾期未返名单.xlsx").status_code == 200
    city_lists = city.outbox / CITY / "lists"
    city_lists.mkdir(parents=True)
    (city_lists / "逾期未返名单_全市.xlsx").write_bytes(b"PK\x03\x04 city")
    assert "逾期未返名单_全市.xlsx" in staff.get("/city").text
    assert staff.get("/city/lists/逾期未返名单_全市.xlsx").content == b"PK\x03\x04 city"
    assert staff.get("/city/lists/nothing.xlsx").status_code == 404
    assert staff.get(f"/county/{SOUTH}/upload").status_code == 403
    token = csrf_of(page.text)
    assert (
        staff.post(
            f"/county/{SOUTH}/upload",
            data={"csrf": token, "period": PERIOD, "dataset": "teachers"},
            files={"file": ("teachers.csv", roster_csv(teacher_row(1, S1)), "text/csv")},
        ).status_code
        == 403
    )


def test_upload_precheck_in_chinese_submit_ingest_accepted(city, engine):
    north = logged_in(city, "north")
    token = csrf_of(north.get(f"/county/{NORTH}/upload").text)
    bad = roster_csv(teacher_row(1), teacher_row(2, tier="特级"), teacher_row(3, school=S1))
    page = north.post(
        f"/county/{NORTH}/upload",
        data={"csrf": token, "period": PERIOD, "dataset": "teachers"},
        files={"file": ("roster.csv", bad, "text/csv")},
    )
    assert page.status_code == 200
    assert "整个文件退回" in page.text and 'id="submit"' not in page.text  # a roster must be clean
    assert "特级" in page.text and "学校标识码" in page.text  # the value and the column, in Chinese
    assert "<td>3</td><td>骨干层级</td><td>特级</td>" in page.text  # Excel row, column, value
    assert "不是本区县的学校" in page.text  # and how to fix the whole-file problem
    assert not (Path(city.landing) / NORTH).exists()  # a pre-check lands nothing

    good = roster_csv(teacher_row(1), teacher_row(2))
    page = north.post(
        f"/county/{NORTH}/upload",
        data={"csrf": token, "period": "", "dataset": ""},
        files={"file": (f"{PERIOD}_教师名册.csv", good, "text/csv")},  # the name says period and dataset
    )
    assert "预检：可以入库" in page.text and 'id="submit"' in page.text
    staged = page.text.split('name="token" value="')[1].split('"')[0]
    assert north.get(f"/county/{NORTH}/upload/{staged}/feedback.xlsx").status_code == 200
    done = north.post(f"/county/{NORTH}/submit", data={"csrf": token, "token": staged})
    assert done.status_code == 200 and "已报送" in done.text
    landed = Path(city.landing) / NORTH / PERIOD / "teachers.csv"
    assert landed.read_bytes() == good
    assert [p.name for p in landed.parent.iterdir()] == ["teachers.csv"]  # no temporary left behind
    assert north.post(f"/county/{NORTH}/submit", data={"csrf": token, "token": staged}).status_code == 404

    grid = north.get(f"/county/{NORTH}").text
    assert f'data-period="{PERIOD}" data-dataset="teachers" data-status="missing"' in grid
    outcomes = ingest_landing(engine, city)
    assert [o.status for o in outcomes] == ["accepted"]
    with engine.begin() as conn:  # the portal's clock is fixed: say the file came on 11-06, after the due day
        conn.execute(update(submissions).values(received_at=dt.datetime(2026, 11, 6, 1, 0, tzinfo=dt.UTC)))
    grid = north.get(f"/county/{NORTH}").text
    assert f'data-period="{PERIOD}" data-dataset="teachers" data-status="accepted"' in grid
    assert "迟报" in grid
    feedback = north.get(f"/county/{NORTH}/feedback/{PERIOD}/teachers.xlsx")
    assert feedback.status_code == 200 and feedback.content.startswith(b"PK")


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("roster.txt", b"id_number\n", "只接受 .xlsx 或 .csv"),
        ("roster.xlsx", b"id_number,name\n1,2\n", "内容不是Excel"),
        ("roster.csv", b"", "空的"),
        ("roster.csv", b"\x00\x01binary", "内容不是CSV"),
    ],
)
def test_files_that_are_not_csv_or_xlsx_are_refused_clearly(city, name, content, message):
    north = logged_in(city, "north")
    token = csrf_of(north.get(f"/county/{NORTH}/upload").text)
    answer = north.post(
        f"/county/{NORTH}/upload",
        data={"csrf": token, "period": PERIOD, "dataset": "teachers"},
        files={"file": (name, content, "application/octet-stream")},
    )
    assert answer.status_code == 400
    assert message in answer.text


def test_a_file_over_the_size_limit_is_refused(city):
    settings = dataclasses.replace(city, max_file_bytes=100)
    north = logged_in(settings, "north")
    token = csrf_of(north.get(f"/county/{NORTH}/upload").text)
    answer = north.post(
        f"/county/{NORTH}/upload",
        data={"csrf": token, "period": PERIOD, "dataset": "teachers"},
        files={"file": ("teachers.csv", roster_csv(*(teacher_row(i) for i in range(1, 10))), "text/csv")},
    )
    assert answer.status_code == 400 and "大小上限" in answer.text


def test_every_form_needs_its_csrf_token(city):
    north = logged_in(city, "north")
    for url, data in [
        (f"/county/{NORTH}/upload", {"period": PERIOD, "dataset": "teachers"}),
        (f"/county/{NORTH}/submit", {"token": "x" * 32}),
        ("/logout", {}),
    ]:
        assert north.post(url, data={**data, "csrf": "forged"}).status_code == 400, url
    fresh = client(city)
    fresh.get("/login")
    answer = fresh.post("/login", data={"username": "north", "password": PASSWORD, "csrf": "forged"})
    assert answer.status_code == 400


def test_logins_are_throttled_and_wrong_passwords_refused(city):
    c = client(city)
    assert login(c, "north", "wrong password").status_code == 401
    assert login(c, "nobody", PASSWORD).status_code == 401
    for _ in range(accounts.MAX_FAILURES - 1):
        login(c, "north", "wrong password")
    assert login(c, "north", PASSWORD).status_code == 401  # locked, even with the right password
    later = client(city, now=NOW + dt.timedelta(minutes=accounts.LOCK_MINUTES, seconds=1))
    assert login(later, "north", PASSWORD).status_code == 303


def test_logout_ends_the_session_and_a_disabled_account_loses_its_session(city, engine):
    north = logged_in(city, "north")
    token = csrf_of(north.get(f"/county/{NORTH}").text)
    assert north.post("/logout", data={"csrf": token}).status_code == 303
    assert north.get(f"/county/{NORTH}").status_code == 303
    south = logged_in(city, "south")
    accounts.deactivate(engine, "south")
    assert south.get(f"/county/{SOUTH}").status_code == 303


def test_passwords_are_stored_as_argon2_hashes(city, engine):
    from sqlalchemy import select

    from teachflow.warehouse.schema import portal_users

    with engine.connect() as conn:
        hashes = conn.execute(select(portal_users.c.password_hash)).scalars().all()
    assert hashes and all(h.startswith("$argon2id$") and PASSWORD not in h for h in hashes)


def test_add_user_command(city, monkeypatch, capsys):
    from teachflow.cli import main

    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", city.warehouse_url)
    monkeypatch.setenv("TEACHFLOW_PORTAL_ACCOUNT_PASSWORD", "another long password")
    assert main(["portal", "add-user", "north2", "--role", "county_clerk", "--county", NORTH]) == 0
    assert main(["portal", "add-user", "x", "--role", "county_clerk", "--county", "999999"]) == 2
    assert main(["portal", "add-user", "y", "--role", "county_clerk"]) == 2
    assert main(["portal", "users"]) == 0
    assert "north2\tcounty_clerk\t" + NORTH in capsys.readouterr().out
    c = client(city)
    assert login(c, "north2", "another long password").status_code == 303


def test_city_staff_re_send_a_feedback_to_the_county_s_clerks(city, monkeypatch):
    from tests.smtp_sink import smtp_sink

    put_outbox_files(city, SOUTH)
    staff = logged_in(city, "city")
    page = staff.get(f"/county/{SOUTH}").text
    assert "重发反馈" in page
    url = f"/county/{SOUTH}/feedback/{PERIOD}/teachers/resend"
    with smtp_sink() as (port, messages):
        monkeypatch.setenv("TEACHFLOW_SMTP_HOST", "127.0.0.1")
        monkeypatch.setenv("TEACHFLOW_SMTP_PORT", str(port))
        answer = staff.post(url, data={"csrf": csrf_of(page)})
        assert answer.status_code == 303
        assert "已把 2026-10 教师名册的反馈重发给 south@example.org" in staff.get(f"/county/{SOUTH}").text
    assert [m["To"] for m in messages] == ["south@example.org"]
    names = sorted(part.get_filename() for part in messages[0].walk() if part.get_filename())
    assert names == ["teachers.feedback.csv", "teachers.feedback.xlsx"]
    north = logged_in(city, "north")  # a clerk re-sends nothing, not even for their own county
    north_token = csrf_of(north.get(f"/county/{NORTH}").text)
    assert north.post(url, data={"csrf": north_token}).status_code == 403
    assert north.post(url.replace(SOUTH, NORTH), data={"csrf": north_token}).status_code == 403


def test_hostile_file_names_are_shown_as_text(city):
    north = logged_in(city, "north")
    token = csrf_of(north.get(f"/county/{NORTH}/upload").text)
    page = north.post(
        f"/county/{NORTH}/upload",
        data={"csrf": token, "period": PERIOD, "dataset": "teachers"},
        files={"file": ("<script>alert(1)</script>.csv", roster_csv(teacher_row(1)), "text/csv")},
    ).text
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)" in page
