"""The daily digest: what each county and the city are told, where it is written, and the e-mail."""

from __future__ import annotations

import datetime as dt
from email.header import decode_header, make_header

from sqlalchemy import update

from teachflow.datasets import county_datasets
from teachflow.digest import run_daily_digest
from teachflow.ingestion.pipeline import ingest_landing
from teachflow.mail import SmtpSettings
from teachflow.warehouse.schema import submissions
from tests.citykit import CITY, NORTH, SOUTH
from tests.portal.portalkit import make_city, roster_csv, teacher_row
from tests.smtp_sink import body_of, smtp_sink

#: 2026-11-10 08:00 in Shanghai: the digest's hour, five days after 2026-10 fell due.
AFTER_DUE = dt.datetime(2026, 11, 10, 0, 0, tzinfo=dt.UTC)


def receive(settings, engine, relative: str, content: bytes, at: dt.datetime) -> None:
    path = settings.landing + "/" + relative
    import pathlib

    pathlib.Path(path).parent.mkdir(parents=True, exist_ok=True)
    pathlib.Path(path).write_bytes(content)
    ingest_landing(engine, settings)
    with engine.begin() as conn:  # the ledger's clock is the test's
        conn.execute(update(submissions).where(submissions.c.source_path.like(f"%{relative}")).values(received_at=at))


def test_digest_texts_files_and_mail(engine, warehouse_url, tmp_path):
    settings = make_city(engine, warehouse_url, tmp_path)
    receive(
        settings, engine, f"{NORTH}/2026-10/teachers.csv", roster_csv(teacher_row(1)), AFTER_DUE - dt.timedelta(hours=3)
    )
    receive(settings, engine, f"{SOUTH}/2026-10/teachers.csv", b"id_number\n1\n", AFTER_DUE - dt.timedelta(days=3))

    with smtp_sink() as (port, messages):
        run = run_daily_digest(
            engine,
            settings.outbox,
            now=AFTER_DUE,
            portal_url="https://portal.example.org",
            smtp=SmtpSettings("127.0.0.1", port, sender="teachflow@example.org"),
        )

    north = (settings.outbox / NORTH / "digest" / "2026-11-10.txt").read_text(encoding="utf-8")
    assert "城中区（450202）每日报送情况 2026-11-10" in north
    assert "- 2026-10 教师名册（2026-11-10 05:00 收到）：已入库，共 1 行。" in north
    assert f"https://portal.example.org/county/{NORTH}/feedback/2026-10/teachers.xlsx" in north
    assert "- 2026-10 教师交流轮岗：已逾期 5 天" in north
    south = (settings.outbox / SOUTH / "digest" / "2026-11-10.txt").read_text(encoding="utf-8")
    assert "一、近一天收到的文件" in south and "\n- 无\n" in south  # its file came three days ago
    assert "四、已退回且没有可用数据" in south and "2026-10 教师名册：反馈" in south
    city = (settings.outbox / CITY / "digest" / "2026-11-10.txt").read_text(encoding="utf-8")
    # Missing: every county dataset but the roster (flows, training, pairings, activities: 4).
    owed = len(county_datasets()) - 1
    assert f"- 城中区（450202）：1 / 0 / {owed} / 0" in city and f"- 鱼峰区（450203）：0 / 0 / {owed} / 1" in city
    assert "鱼峰区 2026-10 教师名册：已退回" in city

    assert sorted(code for code, _ in run.mailed) == sorted([NORTH, SOUTH, CITY])
    by_to = {m["To"]: m for m in messages}
    assert set(by_to) == {"north@example.org", "south@example.org", "city@example.org"}
    assert str(make_header(decode_header(by_to["north@example.org"]["Subject"]))) == "【每日报送情况】城中区 2026-11-10"
    assert body_of(by_to["north@example.org"]) == north
    assert run.newly_missing == []  # 2026-10 fell due five days ago: alerted then, not again


def test_before_the_due_day_the_digest_counts_the_days_left_and_alerts_once_after(engine, warehouse_url, tmp_path):
    settings = make_city(engine, warehouse_url, tmp_path)
    receive(
        settings,
        engine,
        f"{NORTH}/2026-10/teachers.csv",
        roster_csv(teacher_row(1)),
        dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )
    before = dt.datetime(2026, 11, 3, 0, 0, tzinfo=dt.UTC)  # 11-03 08:00 local; due by the end of 11-05
    run = run_daily_digest(engine, settings.outbox, now=before)
    south = (settings.outbox / SOUTH / "digest" / "2026-11-03.txt").read_text(encoding="utf-8")
    assert "- 2026-10 教师名册：截止 2026-11-05，还剩 3 天" in south
    assert "三、逾期未报\n- 无" in south
    assert run.mailed == [] and run.newly_missing == []

    day_after = dt.datetime(2026, 11, 6, 0, 0, tzinfo=dt.UTC)
    run = run_daily_digest(engine, settings.outbox, now=day_after)
    # Every county dataset the county did not send fell due: North sent only its roster.
    assert sorted((s.county_code, s.dataset) for s in run.newly_missing) == sorted(
        [(NORTH, d) for d in county_datasets() if d != "teachers"] + [(SOUTH, d) for d in county_datasets()]
    )
