"""County ingestion end to end: landing file -> ledger, warehouse and the county's feedback.

Each class of bad input of the spec (submissions.md, "Bad input") has a test asserting the exact
feedback lines the county gets: (Excel row, Chinese column header, value, problem code).
Runs on SQLite and on the real PostgreSQL.
"""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import json
import os
from pathlib import Path

import openpyxl
import pytest
from sqlalchemy import func, select, text

from teachflow.calendar import format_local
from teachflow.ingestion.feedback import feedback_paths
from teachflow.ingestion.pipeline import ingest_landing
from teachflow.reference import load_reference
from teachflow.settings import load_settings
from teachflow.warehouse.schema import roster_entries, submissions, training_records
from tests.citykit import N1, N2, NORTH, S1, SOUTH, make_id, write_reference

PERIOD = "2026-10"
ROSTER_HEADER = "id_number,name,school_code,tier,current_school_since"
TRAINING_HEADER = "id_number,name,program_code,level,mode,start_date,end_date,hours"


@pytest.fixture
def city(engine, warehouse_url, tmp_path):
    """Settings pointing at a fresh warehouse holding the little city's reference data."""
    load_reference(engine, write_reference(tmp_path / "reference"))
    settings = dataclasses.replace(load_settings(), warehouse_url=warehouse_url, landing_quiet_seconds=0)
    return settings


def drop(settings, relative: str, content: str | bytes, encoding: str = "utf-8") -> Path:
    path = Path(settings.landing) / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(content if isinstance(content, bytes) else content.encode(encoding))
    return path


def roster(*rows: str, header: str = ROSTER_HEADER) -> str:
    return "\n".join([header, *rows]) + "\n"


def training(*rows: str) -> str:
    return "\n".join([TRAINING_HEADER, *rows]) + "\n"


def teacher_row(seq: int, school: str = N1, tier: str = "骨干教师") -> str:
    return f"{make_id(seq)},教师{seq},{school},{tier},2015-09-01"


def training_row(
    seq: int, hours: str = "8", start: str = "2026-10-01", end: str = "2026-10-02", program: str = "P1"
) -> str:
    return f"{make_id(seq)},教师{seq},{program},市级,网络研修,{start},{end},{hours}"


def feedback(settings, county: str, dataset: str, period: str = PERIOD) -> list[tuple[str, str, str, str]]:
    """The county's feedback lines as (row, column, value, code)."""
    return [(r[0], r[2], r[3], r[4]) for r in feedback_csv(settings, county, dataset, period)[1:]]


def feedback_csv(settings, county: str, dataset: str, period: str = PERIOD) -> list[list[str]]:
    """The county's feedback CSV whole (header first)."""
    path = feedback_paths(settings.outbox, county, period, dataset).csv
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def status(settings, county: str, dataset: str, period: str = PERIOD) -> dict:
    return json.loads((settings.outbox / county / period / f"{dataset}.status.json").read_text(encoding="utf-8"))


def ledger_rows(engine) -> list[tuple]:
    with engine.connect() as conn:
        return conn.execute(
            select(submissions.c.county_code, submissions.c.dataset, submissions.c.status).order_by(
                submissions.c.submission_id
            )
        ).all()


def count(engine, table) -> int:
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(table)).scalar()


def test_a_clean_roster_is_accepted_archived_and_acknowledged(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), teacher_row(2, school=N2, tier="")))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_total, outcome.rows_loaded) == ("accepted", 2, 2)
    assert ledger_rows(engine) == [(NORTH, "teachers", "accepted")]
    assert count(engine, roster_entries) == 2
    assert feedback(city, NORTH, "teachers") == []
    assert status(city, NORTH, "teachers")["outcome"] == "accepted"
    archived = list(city.archive.rglob("*.csv"))
    assert (
        len(archived) == 1
        and archived[0].read_bytes() == (Path(city.landing) / NORTH / PERIOD / "teachers.csv").read_bytes()
    )


def test_the_same_bytes_again_change_nothing(city, engine):
    path = drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1)))
    ingest_landing(engine, city)
    before = (count(engine, roster_entries), status(city, NORTH, "teachers"))
    os.utime(path, (path.stat().st_atime, path.stat().st_mtime - 60))  # re-saved, same bytes
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "duplicate"
    assert ledger_rows(engine) == [(NORTH, "teachers", "accepted"), (NORTH, "teachers", "duplicate")]
    assert (count(engine, roster_entries), status(city, NORTH, "teachers")) == before
    assert ingest_landing(engine, city) == []  # and a file already taken is not looked at again


def test_a_resubmission_replaces_the_previous_rows(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), teacher_row(2), teacher_row(3)))
    ingest_landing(engine, city)
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1)))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "accepted" and len(outcome.replaced) == 1
    assert ledger_rows(engine) == [(NORTH, "teachers", "superseded"), (NORTH, "teachers", "accepted")]
    assert count(engine, roster_entries) == 1


@pytest.mark.parametrize(
    ("relative", "line"),
    [
        (f"999999/{PERIOD}/teachers.csv", ("", "", "999999", "wrong_folder_county")),
        (f"{NORTH}/2026-13/teachers.csv", ("", "", "2026-13", "wrong_folder_period")),
        (f"{NORTH}/{PERIOD}/roster.csv", ("", "", "roster.csv", "wrong_folder_dataset")),
        (f"{NORTH}/teachers.csv", ("", "", "(无)", "wrong_folder_period")),
        (f"{NORTH}/{PERIOD}/assessment_ratings.csv", ("", "", "assessment_ratings", "dataset_not_allowed")),
    ],
)
def test_a_file_in_the_wrong_place_is_rejected_and_reported(city, engine, relative, line):
    drop(city, relative, roster(teacher_row(1)))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    with engine.connect() as conn:
        row = conn.execute(select(submissions.c.county_code, submissions.c.period, submissions.c.dataset)).one()
    assert [line] == feedback(city, row.county_code, row.dataset, row.period)
    assert count(engine, roster_entries) == 0


def test_a_roster_naming_another_countys_schools_is_rejected_whole(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), teacher_row(2, school=S1)))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    # Every such row is named: row, the teacher, column, value, and whose school it is.
    assert feedback_csv(city, NORTH, "teachers")[1] == [
        "3",
        "教师2",
        "学校标识码",
        S1,
        "roster_other_county",
        "整个文件退回 File rejected",
        f"学校标识码 {S1}（鱼峰乡村小学）属于鱼峰区，不是本区县的学校。名册只能包含本区县的学校："
        "请检查是否拿错了其他区县的名册，或学校标识码是否填错。",
        f"School {S1} (鱼峰乡村小学) belongs to 鱼峰区, not to this county. A roster may only hold this "
        "county's schools: check that this is not another county's roster, or correct the code.",
    ]
    assert count(engine, roster_entries) == 0
    # The ledger (which analysts read) keeps the reason once per code, and never the teacher's name.
    with engine.connect() as conn:
        [reasons] = conn.execute(select(submissions.c.reasons)).scalars().all()
    assert [(r["code"], r["count"]) for r in json.loads(reasons)] == [("roster_other_county", 1)]
    assert "教师2" not in reasons


def test_a_roster_with_one_bad_row_is_rejected_whole_and_the_previous_one_stays(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), teacher_row(2)))
    ingest_landing(engine, city)
    bad_id = make_id(3)[:17] + ("0" if make_id(3)[17] != "0" else "1")
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1), f"{bad_id},张三,{N1},无,2015-09-01"))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    assert feedback(city, NORTH, "teachers") == [
        ("", "", "", "too_many_bad_rows"),
        ("3", "身份证号", bad_id, "id_check_character"),
    ]
    assert count(engine, roster_entries) == 2  # the earlier roster is still in force
    assert ledger_rows(engine)[-1] == (NORTH, "teachers", "rejected")
    assert feedback_csv(city, NORTH, "teachers")[1][6] == (
        "1 行有错误；教师名册不允许有错误行，整个文件未入库。请按问题清单改正全部错误后，重新报送完整文件。"
    )
    document = status(city, NORTH, "teachers")
    assert (document["submission_status"], document["outcome_zh"]) == (
        "rejected_previous_in_force",
        "已退回（沿用上次）",
    )


def test_a_partly_loaded_file_says_so_with_the_countys_name_and_local_time(city, engine):
    rows = [training_row(i) for i in range(1, 40)] + [training_row(40, end="2026年13月1日")]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("accepted", 39, 1)

    document = status(city, NORTH, "training_records")
    assert {k: document[k] for k in ("outcome", "submission_status", "submission_status_zh", "county_name")} == {
        "outcome": "accepted",
        "submission_status": "accepted_with_rejections",
        "submission_status_zh": "部分入库（1 行未入库）",
        "county_name": "城中区",
    }
    assert document["outcome_zh"] == "部分入库（1 行未入库）"  # not 已入库: one row was not loaded
    local = format_local(dt.datetime.fromisoformat(document["processed_at"]))
    assert document["processed_at_local"] == local

    book = openpyxl.load_workbook(feedback_paths(city.outbox, NORTH, PERIOD, "training_records").xlsx, read_only=True)
    summary = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True) if len(row) > 1 and row[0]}
    book.close()
    assert summary["区县 County"] == f"{NORTH} 城中区"
    assert summary["处理时间（北京时间）Processed at (Asia/Shanghai)"] == local
    assert summary["结果 Outcome"] == "部分入库（1 行未入库）：其余行已入库，未入库的行见问题清单"


def test_an_id_excel_turned_into_a_number_gets_a_message_saying_how_to_fix_it(city, engine):
    rows = [training_row(i) for i in range(1, 40)] + ["4.50202E+17,李四,P1,市级,网络研修,2026-10-01,2026-10-02,8"]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("accepted", 39, 1)
    assert feedback(city, NORTH, "training_records") == [("41", "身份证号", "4.50202E+17", "id_scientific")]
    path = city.outbox / NORTH / PERIOD / "training_records.feedback.csv"
    with path.open(encoding="utf-8-sig") as f:
        line = list(csv.reader(f))[1]
    assert line[1] == "李四"  # the teacher's name from the county's own row
    assert "设为“文本”格式" in line[6] and "Set the column to text" in line[7]


def test_too_many_bad_training_rows_reject_the_file(city, engine):
    rows = [training_row(i) for i in range(1, 9)] + [
        training_row(9, hours="500"),
        training_row(10, start="2026-09-28", end="2026-09-30"),
    ]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    assert feedback(city, NORTH, "training_records") == [
        ("", "", "", "too_many_bad_rows"),
        ("10", "学时", "500", "number_range"),
        ("11", "结束日期", "2026-09-30", "date_outside_period"),
    ]
    assert count(engine, training_records) == 0


def test_text_longer_than_the_warehouse_keeps_is_a_row_problem_not_a_failed_load(city, engine):
    """PostgreSQL would refuse a 300-character programme name and fail the whole merge, every retry."""
    long_code = "P" * 65
    rows = [training_row(i) for i in range(1, 30)] + [training_row(30, program=long_code)]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("accepted", 29, 1)
    assert feedback(city, NORTH, "training_records") == [("31", "培训项目编号", long_code, "text_too_long")]
    assert count(engine, training_records) == 29


def test_rows_validation_rejects_never_reach_the_warehouse_even_when_copied_early(city, engine):
    """On PostgreSQL training rows are copied while validation runs: the rejected ones are taken out."""
    rows = (
        [training_row(i) for i in range(1, 61)]
        + [
            training_row(61, hours="500"),  # storable, so copied early, then rejected by the suite
            training_row(62).replace(make_id(62), make_id(62)[:17] + ("0" if make_id(62)[17] != "0" else "1")),
        ]
    )
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("accepted", 60, 2)
    assert [(row, code) for row, _, _, code in feedback(city, NORTH, "training_records")] == [
        ("62", "number_range"),
        ("63", "id_check_character"),
    ]
    with engine.connect() as conn:
        hours = conn.execute(select(func.max(training_records.c.hours))).scalar()
        names = conn.execute(text("SELECT count(*) FROM restricted_teacher_names")).scalar()
    assert count(engine, training_records) == 60 and float(hours) == 8.0
    assert names == 60  # the rejected rows' names were not kept either


def test_a_rejected_resubmission_leaves_the_accepted_one_in_force(city, engine):
    """The early copy first removes the predecessor's records; a file rejection must bring them back."""
    good = [training_row(i, program="P1") for i in range(1, 21)]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*good))
    ingest_landing(engine, city)
    bad = [training_row(i, program="P2") for i in range(1, 11)] + [training_row(i, hours="0") for i in range(11, 21)]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*bad))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    with engine.connect() as conn:
        programs = conn.execute(select(training_records.c.program_code).distinct()).scalars().all()
    assert programs == ["P1"] and count(engine, training_records) == 20
    assert [s for _, _, s in ledger_rows(engine)] == ["accepted", "rejected"]


def test_a_failure_while_validating_leaves_the_warehouse_as_it_was(city, engine, monkeypatch):
    good = [training_row(i, program="P1") for i in range(1, 21)]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*good))
    ingest_landing(engine, city)
    import teachflow.validation as validation

    def explode(*_args, **_kwargs):
        raise RuntimeError("validator crashed")

    monkeypatch.setattr(validation, "validate", explode)
    again = [training_row(i, program="P2") for i in range(1, 21)]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*again))
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "failed"
    with engine.connect() as conn:
        programs = conn.execute(select(training_records.c.program_code).distinct()).scalars().all()
    assert programs == ["P1"] and count(engine, training_records) == 20
    assert [s for _, _, s in ledger_rows(engine)] == ["accepted", "received"]  # taken again next run


def test_exact_repeats_are_dropped_and_named_with_the_row_they_repeat(city, engine):
    rows = [training_row(1), training_row(2), training_row(1)]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_total, outcome.rows_duplicate, outcome.rows_loaded) == ("accepted", 3, 1, 2)
    assert feedback_csv(city, NORTH, "training_records")[1:] == [
        [
            "4",
            "教师1",
            "",
            "",
            "duplicate_row",
            "提示（已入库） Note (loaded)",
            "与第 2 行完全相同，系统已忽略本行，只按第 2 行处理。请删除重复的行。",
            "This row repeats row 2 exactly; it was ignored and row 2 taken. Delete the repeated row.",
        ]
    ]
    assert status(city, NORTH, "training_records")["rows_duplicate"] == 1


def test_repeats_and_versions_of_a_record_load_once_on_either_engine(city, engine):
    """On PostgreSQL the copy starts before the file's repeats are searched: rows sharing a key stay
    out of it (the first would abort it) and only the good ones among them are merged after."""
    rows = [
        training_row(1, hours="8"),
        *(training_row(i) for i in range(2, 30)),
        training_row(1, hours="8"),  # an exact repeat of row 2: dropped with a note
        training_row(3, hours="6"),  # a second version of row 4's record
    ]
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(*rows))
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_total, outcome.rows_duplicate) == ("accepted", 31, 1)
    assert [(row, code) for row, _, _, code in feedback(city, NORTH, "training_records")] == [
        ("31", "duplicate_row"),
        ("32", "duplicate_key"),
    ]
    with engine.connect() as conn:
        stored = conn.execute(select(training_records.c.hours).order_by(training_records.c.hours)).scalars().all()
    assert len(stored) == 29 == outcome.rows_loaded and {float(h) for h in stored} == {8.0}


def test_a_required_column_missing_rejects_the_file(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", "id_number,name,tier\n" + f"{make_id(1)},王五,无\n")
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    assert feedback(city, NORTH, "teachers") == [
        ("", "学校标识码", "", "column_missing"),
        ("", "现校任教起始日期", "", "column_missing"),
    ]


@pytest.mark.parametrize(
    ("content", "code"),
    [
        (b"", "file_empty"),
        (ROSTER_HEADER.encode() + b"\n", "file_empty"),
        ("说明：本表为十月份名册\n没有表头\n".encode(), "header_not_found"),
    ],
)
def test_empty_or_headerless_files_are_rejected(city, engine, content, code):
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", content)
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    assert [line[3] for line in feedback(city, NORTH, "teachers")] == [code]


def test_an_unreadable_workbook_is_rejected(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/teachers.xlsx", b"PK\x03\x04 this is not really a workbook")
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "rejected"
    assert [line[3] for line in feedback(city, NORTH, "teachers")] == ["file_unreadable"]


def test_a_file_over_the_size_limit_is_rejected_unread_and_not_archived(city, engine):
    settings = dataclasses.replace(city, max_file_bytes=100)
    drop(settings, f"{NORTH}/{PERIOD}/teachers.csv", roster(*(teacher_row(i) for i in range(1, 5))))
    [outcome] = ingest_landing(engine, settings)
    assert outcome.status == "rejected"
    [(_row, _column, value, code)] = feedback(settings, NORTH, "teachers")
    assert code == "file_too_large" and int(value) > 100
    assert not list(settings.archive.rglob("*.csv"))  # issue #12: the limit is checked before archiving


def test_a_gbk_csv_with_chinese_headers_loads(city, engine):
    content = (
        "身份证号,姓名,学校标识码,骨干层级,现校任教起始日期\n" + f"{make_id(1)},赵六,{N1},学科带头人,2015年9月1日\n"
    )
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", content, encoding="gbk")
    [outcome] = ingest_landing(engine, city)
    assert outcome.status == "accepted"
    with engine.connect() as conn:
        assert conn.execute(select(roster_entries.c.tier, roster_entries.c.current_school_since)).one()[0] == (
            "subject_leader"
        )


def test_one_countys_failure_never_stops_the_others(city, engine, monkeypatch):
    import teachflow.ingestion.merge as merge

    real = merge.merge_submission

    def failing_for_north(conn, ident, frame, old):
        if ident.county_code == NORTH:
            raise RuntimeError("connection lost")
        return real(conn, ident, frame, old)

    monkeypatch.setattr(merge, "merge_submission", failing_for_north)
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", roster(teacher_row(1)))
    drop(city, f"{SOUTH}/{PERIOD}/teachers.csv", roster(teacher_row(2, school=S1)))
    outcomes = ingest_landing(engine, city)
    assert sorted((o.label, o.status) for o in outcomes) == [
        (f"{NORTH}/teachers/{PERIOD}", "failed"),
        (f"{SOUTH}/teachers/{PERIOD}", "accepted"),
    ]
    monkeypatch.setattr(merge, "merge_submission", real)
    [retry] = ingest_landing(engine, city)  # the failed take is tried again on the next run
    assert (retry.label, retry.status) == (f"{NORTH}/teachers/{PERIOD}", "accepted")


@pytest.mark.parametrize("dataset", ["teacher_flows", "training_records", "pairings", "support_activities"])
def test_a_header_only_file_is_nothing_to_report(city, engine, dataset):
    """cycle.md: the header row and no data rows is "nothing to report this month": accepted, the
    month submitted, nothing loaded, and the county told so in one line."""
    from teachflow.datasets import DATASETS
    from teachflow.submission_status import statuses

    spec = DATASETS[dataset]
    header = ",".join(c.header_zh for c in spec.columns)
    blank = "," * (len(spec.columns) - 1)
    drop(city, f"{NORTH}/{PERIOD}/{dataset}.csv", f"{header}\n{blank}\n\n")  # blank rows are no data either
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_total, outcome.rows_loaded, outcome.rows_rejected) == ("accepted", 0, 0, 0)
    title_en = dataset.replace("_", " ")
    assert feedback_csv(city, NORTH, dataset)[1:] == [
        [
            "",
            "",
            "",
            "",
            "nothing_to_report",
            "提示（已入库） Note (loaded)",
            f"文件只有表头、没有数据行，按“本月无数据（无变动）”接收：本月的{spec.title_zh}记为已报送，没有数据入库"
            f"（如此前已报送过本月的{spec.title_zh}，以本次为准，此前的数据不再计入）。如本月确有数据，请填好后重新报送。",
            f"The file holds the header and no data rows: taken as 'nothing to report this month'. The month's "
            f"{title_en} counts as submitted and nothing is loaded (if the month was submitted before, this "
            "submission replaces it). If there is data for the month, fill it in and submit it again.",
        ]
    ]
    assert status(city, NORTH, dataset)["outcome"] == "accepted"
    with engine.connect() as conn:
        [found] = statuses(conn, [PERIOD], county_codes_=[NORTH], datasets=[dataset])
    assert found.status == "accepted"  # the status grid and the digest: submitted, nothing missing


def test_a_header_only_resubmission_empties_the_month_and_a_header_only_roster_is_rejected(city, engine):
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", training(training_row(1)))
    [first] = ingest_landing(engine, city)
    assert (first.status, first.rows_loaded, count(engine, training_records)) == ("accepted", 1, 1)
    drop(city, f"{NORTH}/{PERIOD}/training_records.csv", TRAINING_HEADER + "\n")
    drop(city, f"{NORTH}/{PERIOD}/teachers.csv", ROSTER_HEADER + "\n")
    outcomes = {o.label: o for o in ingest_landing(engine, city)}
    assert outcomes[f"{NORTH}/training_records/{PERIOD}"].status == "accepted"
    assert count(engine, training_records) == 0  # the month now holds no training of this county
    assert outcomes[f"{NORTH}/teachers/{PERIOD}"].status == "rejected"  # a roster cannot be empty
    [line] = feedback_csv(city, NORTH, "teachers")[1:]
    assert line[4:] == [
        "file_empty",
        "整个文件退回 File rejected",
        "教师名册只有表头、没有数据行。名册不能为空（“本月无数据”只适用于其他报表），"
        "请填写本区县全部在编在岗教师后重新报送。",
        "The teacher roster holds the header and no data rows. A roster cannot be empty ('nothing to "
        "report' applies to the other files only): list every teacher of the county and submit it again.",
    ]
