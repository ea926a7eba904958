"""pairings and support_activities (issue 17, practices.md §1-§2): every rule's feedback line, the merge.

The county's pre-check (``teachflow check``) shows each rule's line as the county reads it; the
ingestion tests, on SQLite and PostgreSQL, show a pairing reported by both counties merged into one
(the disagreement kept, as for flows) and a resubmission replacing only that county's rows of that
month.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.citykit import N1, N2, NORTH, S1, S2, SOUTH, make_id, write_reference

PAIRING_HEADER = (
    "导师身份证号,导师姓名,导师学校标识码,结对教师身份证号,结对教师姓名,结对教师学校标识码,结对类型,"
    "开始日期,计划结束日期,实际结束日期"
)
ACTIVITY_HEADER = (
    "主讲教师身份证号,主讲教师姓名,主讲教师学校标识码,受援学校标识码,活动日期,活动类型,活动形式,参与人次,节数/学时,"
    "结对教师身份证号,菜单点单,活动主题"
)


def write_csv(path: Path, header: str, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    return path


def feedback_lines(path: Path) -> list[tuple[str, str, str, str]]:
    """(Excel row, Chinese column, problem code, Chinese message) of each line of a feedback CSV."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]
    at = [next(i for i, h in enumerate(header) if word in h.split()) for word in ("Row", "Column", "Code", "说明")]
    return [tuple(row[i] for i in at) for row in rows[1:]]


def wrong_check(id_number: str) -> str:
    return id_number[:-1] + ("1" if id_number[-1] == "0" else "0")


def run_check(tmp_path: Path, dataset: str, header: str, rows: list[str]) -> list[tuple[str, str, str, str]]:
    from teachflow.cli import main

    reference = write_reference(tmp_path / "reference")
    checked = write_csv(tmp_path / "check" / "2026-10" / f"{dataset}.csv", header, *rows)
    command = ["check", str(checked), "--dataset", dataset, "--county", NORTH, "--reference", str(reference)]
    assert main(command) == 0
    return feedback_lines(checked.with_name(f"{dataset}.feedback.csv"))  # the pre-check's, beside the file


# --- every rule of §1, as the county reads it -------------------------------------------------------


def test_every_pairing_rule_has_its_feedback_line(tmp_path):
    mentor, mentee = make_id(1), make_id(2)
    good = [f"{make_id(1)},王老师,{N1},{make_id(100 + i)},,{S1},名师带徒,2026-09-01,2027-07-15," for i in range(300)]
    bad = [  # Excel rows 302.. (the header is row 1, 300 good rows)
        f"{wrong_check(mentor)},,{N1},{mentee},,{S1},名师带徒,2026-09-01,2027-07-15,",  # 302
        f"{mentor},,{N1},{mentor},,{N2},名师带徒,2026-09-01,2027-07-15,",  # 303 oneself
        f"{mentor},,2145099999,{make_id(3)},,{N2},名师带徒,2026-09-01,2027-07-15,",  # 304 unknown school
        f"{mentor},,{S1},{make_id(4)},,{S2},1+N结对,2026-09-01,2027-07-15,",  # 305 neither school ours
        f"{mentor},,{N1},{make_id(5)},,{S1},拜师,2026-09-01,2027-07-15,",  # 306 unknown type
        f"{mentor},,{N1},{make_id(6)},,{S1},名师带徒,2026-11-02,2027-07-15,",  # 307 starts after October
        f"{mentor},,{N1},{make_id(7)},,{S1},名师带徒,2026-09-01,2026-08-01,",  # 308 planned end before start
        f"{mentor},,{N1},{make_id(8)},,{S1},名师带徒,2026-09-01,2027-07-15,2026-11-05",  # 309 ended after October
        f"{mentor},,{N1},{make_id(9)},,{S1},名师带徒,2026-09-01,2027-07-15,2026-08-31",  # 310 ended before start
        f"{mentor},,{N1},{make_id(10)},,,名师带徒,2026-09-01,2027-07-15,",  # 311 mentee school blank
        f"{mentor},,{N1},{make_id(11)},,21450,青蓝结对,2026-09-01,2027-07-15,",  # 312 malformed school
    ]
    lines = run_check(tmp_path, "pairings", PAIRING_HEADER, good + bad)
    bad_id = wrong_check(mentor)
    assert lines == [
        ("302", "导师身份证号", "id_check_character", f"身份证号“{bad_id}”的最后一位（校验位）不对，请核对是否录错。"),
        ("303", "结对教师身份证号", "pairing_same_teacher", f"结对教师与导师是同一人（{mentor}）。"),
        (
            "304",
            "导师学校标识码",
            "school_unknown",
            "“导师学校标识码”2145099999 不是已登记的学校。请核对学校标识码；新学校请先报市局登记。",
        ),
        ("305", "", "pairing_not_in_county", "导师学校和结对教师学校都不属于本区县，此结对应由相关区县报送。"),
        (
            "306",
            "结对类型",
            "vocab_unknown",
            "“结对类型”填写的“拜师”不是有效选项，请从下拉列表中选择：一带多结对、名师带徒。",
        ),
        (
            "307",
            "开始日期",
            "date_after_period",
            "“开始日期”为 2026-11-02，晚于报送月份的最后一天 2026-10-31，请核对。",
        ),
        ("308", "计划结束日期", "date_order", "“计划结束日期”为 2026-08-01，早于开始日期 2026-09-01，请核对。"),
        (
            "309",
            "实际结束日期",
            "date_after_period",
            "“实际结束日期”为 2026-11-05，晚于报送月份的最后一天 2026-10-31，请核对。",
        ),
        ("310", "实际结束日期", "date_order", "“实际结束日期”为 2026-08-31，早于开始日期 2026-09-01，请核对。"),
        ("311", "结对教师学校标识码", "required_missing", "“结对教师学校标识码”是必填项，请填写。"),
        (
            "312",
            "结对教师学校标识码",
            "school_code_format",
            "学校标识码“21450”应为 10 位数字。如果前面的 0 丢了，请把该列设为“文本”格式后重新填写。",
        ),
    ]


def test_every_support_activity_rule_has_its_feedback_line(tmp_path):
    host, mentee = make_id(1), make_id(2)
    good = [f"{make_id(100 + i)},,{N1},{S1},2026-10-15,示范课,线下,12,2,,,函数单元" for i in range(300)]
    bad = [  # Excel rows 302..
        f"{wrong_check(host)},,{N1},{S1},2026-10-15,示范课,线下,12,2,,,",  # 302
        f"{host},,{N1},{S1},2026-10-15,示范课,线下,12,2,{wrong_check(mentee)},,",  # 303 mentee's ID
        f"{host},,{N1},2145099999,2026-10-15,示范课,线下,12,2,,,",  # 304 unknown target
        f"{host},,{S1},{S2},2026-10-15,示范课,线下,12,2,,,",  # 305 neither school ours
        f"{host},,{N1},{S1},2026-09-30,示范课,线下,12,2,,,",  # 306 September
        f"{host},,{N1},{S1},2026-10-16,座谈,线下,12,2,,,",  # 307 unknown type
        f"{host},,{N1},{S1},2026-10-17,示范课,直播,12,2,,,",  # 308 unknown mode
        f"{host},,{N1},{S1},2026-10-18,示范课,线下,0,2,,,",  # 309 nobody
        f"{host},,{N1},{S1},2026-10-19,示范课,线下,2001,2,,,",  # 310 too many
        f"{host},,{N1},{S1},2026-10-20,示范课,线下,12.5,2,,,",  # 311 half a person
        f"{host},,{N1},{S1},2026-10-21,讲座,线上,12,0,,,",  # 312 no periods
        f"{host},,{N1},{S1},2026-10-22,讲座,线上,12,13,,,",  # 313 too many periods
        f"{host},,{N1},{S1},2026-10-23,讲座,同步互动课堂,12,2,,也许,",  # 314 on_request neither 是 nor 否
        f"{host},,{N1},{S1},2026-10-24,讲座,线上,12,2,,," + "长" * 257,  # 315 topic too long
    ]
    lines = run_check(tmp_path, "support_activities", ACTIVITY_HEADER, good + bad)
    assert [line[:3] for line in lines] == [
        ("302", "主讲教师身份证号", "id_check_character"),
        ("303", "结对教师身份证号", "id_check_character"),
        ("304", "受援学校标识码", "school_unknown"),
        ("305", "", "activity_not_in_county"),
        ("306", "活动日期", "activity_outside_period"),
        ("307", "活动类型", "vocab_unknown"),
        ("308", "活动形式", "vocab_unknown"),
        ("309", "参与人次", "number_range"),
        ("310", "参与人次", "number_range"),
        ("311", "参与人次", "number_not_whole"),
        ("312", "节数/学时", "number_range"),
        ("313", "节数/学时", "number_range"),
        ("314", "菜单点单", "vocab_unknown"),
        ("315", "活动主题", "text_too_long"),
    ]
    messages = {line[0]: line[3] for line in lines}
    assert messages["302"] == f"身份证号“{wrong_check(host)}”的最后一位（校验位）不对，请核对是否录错。"
    assert messages["305"] == "主讲教师学校和受援学校都不属于本区县，此活动应由相关区县报送。"
    assert messages["306"] == "“活动日期”2026-09-30 不在报送月份 2026-10 内。帮扶活动按活动日期所在月份报送。"
    assert messages["307"] == (
        "“活动类型”填写的“座谈”不是有效选项，请从下拉列表中选择："
        "听课、示范课、公开课、讲座、集中教研、集体备课、教学指导、送教、教师培训。"
    )
    assert messages["308"] == "“活动形式”填写的“直播”不是有效选项，请从下拉列表中选择：线下、线上。"
    assert messages["309"] == "“参与人次”为 0，超出范围：参与人次应不小于 1 且不超过 2000。"
    assert messages["310"] == "“参与人次”为 2001，超出范围：参与人次应不小于 1 且不超过 2000。"
    assert messages["311"] == "“参与人次”12.5 应为整数。"
    assert messages["312"] == "“节数/学时”为 0，超出范围：节数/学时应大于 0 且不超过 12。"
    assert messages["313"] == "“节数/学时”为 13，超出范围：节数/学时应大于 0 且不超过 12。"
    assert messages["314"] == "“菜单点单”填写的“也许”不是有效选项，请从下拉列表中选择：是、否。"
    assert messages["315"] == "“活动主题”超过 256 个字符，请缩短（常见原因：把几项内容填进了同一格）。"


# --- the merge, on SQLite and PostgreSQL -------------------------------------------------------------


@pytest.fixture
def city(engine, warehouse_url, tmp_path):
    """The hand-built city's reference loaded, and settings whose landing takes files at once."""
    from teachflow.reference import load_reference
    from teachflow.settings import load_settings

    load_reference(engine, write_reference(tmp_path / "reference"))
    return dataclasses.replace(load_settings(), warehouse_url=warehouse_url, landing_quiet_seconds=0)


def land(settings, county: str, period: str, dataset: str, header: str, *rows: str) -> None:
    write_csv(Path(settings.landing) / county / period / f"{dataset}.csv", header, *rows)


def test_a_pairing_reported_by_both_counties_is_one_pairing(engine, city):
    from teachflow.ingestion.pipeline import ingest_landing

    mentor, mentee, local = make_id(1), make_id(2), make_id(3)
    # North reports its mentor's pairing with a South teacher, and one of its own (a synonym type).
    land(city, NORTH, "2026-10", "pairings", PAIRING_HEADER,
         f"{mentor},王老师,{N1},{mentee},李老师,{S1},名师带徒,2026-09-01,2027-07-15,",
         f"{mentor},王老师,{N1},{local},赵老师,{N2},青蓝结对,2026-10-08,2027-07-15,")  # fmt: skip
    # South reports the same pairing, with another planned end.
    land(city, SOUTH, "2026-10", "pairings", PAIRING_HEADER,
         f"{mentor},王老师,{N1},{mentee},李老师,{S1},师徒结对,2026-09-01,2027-01-31,")  # fmt: skip
    outcomes = ingest_landing(engine, city)
    assert sorted((o.status, o.rows_loaded) for o in outcomes) == [("accepted", 1), ("accepted", 2)]
    with engine.connect() as conn:
        merged = conn.execute(
            text(
                "SELECT mentee_school_code, pairing_type, report_count, has_conflict, mentee_birth_year "
                "FROM pairings ORDER BY mentee_school_code"
            )
        ).all()
        conflicts = conn.execute(text("SELECT field, value_a, value_b FROM pairing_conflicts")).all()
        names = conn.execute(text("SELECT name FROM restricted_teacher_names ORDER BY name")).scalars().all()
        reports = conn.execute(text("SELECT county_code FROM pairing_reports ORDER BY county_code")).scalars().all()
    assert [(school, kind, count, bool(conflict)) for school, kind, count, conflict, _ in merged] == [
        (N2, "mentor_apprentice", 1, False),  # 青蓝结对 is 名师带徒
        (S1, "mentor_apprentice", 2, True),  # both counties, one pairing; the planned ends disagree
    ]
    assert merged[1][4] == int(mentee[6:10])  # the mentee's birth year, the only part of the ID kept
    [(field, *values)] = conflicts
    assert field == "planned_end_date" and sorted(str(v)[:10] for v in values) == ["2027-01-31", "2027-07-15"]
    assert names == sorted(["王老师", "李老师", "赵老师"])  # names only in the restricted table
    assert reports == [NORTH, NORTH, SOUTH]


def test_a_resubmission_replaces_only_that_countys_activities_of_that_month(engine, city):
    from teachflow.ingestion.pipeline import ingest_landing

    north, south = make_id(1), make_id(2)
    shared = f"{north},王老师,{N1},{S1},2026-10-15,示范课,线下,12,2,,是,函数"  # reported by both counties
    land(city, NORTH, "2026-09", "support_activities", ACTIVITY_HEADER,
         f"{north},王老师,{N1},{S1},2026-09-20,听课,线下,3,1,,,")  # fmt: skip
    land(city, NORTH, "2026-10", "support_activities", ACTIVITY_HEADER,
         shared, f"{north},王老师,{N1},{N2},2026-10-16,集中教研,线上,30,3,,,")  # fmt: skip
    land(city, SOUTH, "2026-10", "support_activities", ACTIVITY_HEADER,
         shared, f"{south},李老师,{S1},{S2},2026-10-17,送教,线下,8,4,,,")  # fmt: skip
    assert [o.status for o in ingest_landing(engine, city)] == ["accepted"] * 3

    def activities():
        with engine.connect() as conn:
            rows = conn.execute(
                text(
                    "SELECT activity_date, activity_type, participants, report_count, on_request "
                    "FROM support_activities ORDER BY activity_date"
                )
            ).all()
        return [(str(day)[:10], kind, int(n), count, request) for day, kind, n, count, request in rows]

    assert activities() == [
        ("2026-09-20", "lesson_observation", 3, 1, "no"),  # blank 菜单点单 is 否
        ("2026-10-15", "demonstration_lesson", 12, 2, "yes"),  # one activity, both counties
        ("2026-10-16", "joint_research", 30, 1, "no"),
        ("2026-10-17", "outreach", 8, 1, "no"),
    ]

    # North sends October again: only the joint research, now with 25 person-times.
    land(city, NORTH, "2026-10", "support_activities", ACTIVITY_HEADER,
         f"{north},王老师,{N1},{N2},2026-10-16,集中教研,线上,25,3,,,")  # fmt: skip
    [outcome] = ingest_landing(engine, city)
    assert (outcome.status, outcome.rows_loaded) == ("accepted", 1)
    assert activities() == [
        ("2026-09-20", "lesson_observation", 3, 1, "no"),  # North's September stays
        ("2026-10-15", "demonstration_lesson", 12, 1, "yes"),  # South still reports it
        ("2026-10-16", "joint_research", 25, 1, "no"),
        ("2026-10-17", "outreach", 8, 1, "no"),  # South's own, untouched
    ]


# --- the sample city sends both, with labelled mistakes ------------------------------------------


def test_the_sample_citys_files_load_with_exactly_their_labelled_mistakes(engine, tmp_path):
    """Every county style (XLSX with title rows, GBK CSV, English CSV): each labelled mistake is the
    line the county gets, and nothing else is; everything else loads."""
    import json
    import shutil

    from teachflow.ingestion.feedback import feedback_paths
    from teachflow.ingestion.pipeline import ingest_landing
    from teachflow.reference import load_reference
    from teachflow.sample import SampleParams, generate
    from teachflow.settings import load_settings

    out = tmp_path / "sample"
    generate(SampleParams(counties=3, schools=40, communities=4, teachers=1500, months=3, mistakes=0.04), out)
    manifest = json.loads((out / "sample" / "manifest.json").read_text(encoding="utf-8"))
    ours = [f for f in manifest["files"] if f.get("dataset") in ("pairings", "support_activities")]
    assert {f["format"] for f in ours} == {"csv", "xlsx"} and len({f["encoding"] for f in ours}) >= 2
    settings = dataclasses.replace(load_settings(), warehouse_url=str(engine.url), landing_quiet_seconds=0)
    for record in ours:  # only these two datasets: the rest of the sample is other tests' business
        target = Path(settings.landing) / record["path"].removeprefix("landing/")
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(out / record["path"], target)
    load_reference(engine, out / "reference")

    outcomes = ingest_landing(engine, settings)
    assert len(outcomes) == len(ours) and {o.status for o in outcomes} == {"accepted"}
    mistakes = [m for m in manifest["mistakes"] if m["dataset"] in ("pairings", "support_activities")]
    assert {m["dataset"] for m in mistakes if m["code"] != "duplicate_row"} == {"pairings", "support_activities"}
    for record in ours:
        county, period, name = record["path"].removeprefix("landing/").split("/")
        dataset = name.split(".")[0]
        expected = {(str(m["row"]), m["code"]) for m in mistakes if m["file"] == record["path"]}
        paths = feedback_paths(settings.outbox, county, period, dataset)
        found = {(row, code) for row, _, code, _ in feedback_lines(paths.csv)} if paths.csv.exists() else set()
        assert found == expected, record["path"]
    with engine.connect() as conn:
        loaded = conn.execute(text("SELECT COUNT(*) FROM pairings")).scalar()
    assert loaded > 0


# --- a mentee needs a pairing active that day; the limits are settings ----------------------------


def test_a_mentee_needs_a_pairing_host_to_mentee_active_that_day(engine, city):
    """practices.md §2: the warehouse's pairings, the month's pairings file of the same run included
    (``teachflow ingest`` takes a folder's ``pairings`` before its ``support_activities``)."""
    from teachflow.ingestion.feedback import feedback_paths
    from teachflow.ingestion.pipeline import ingest_landing

    host, mentee, stranger, other_host = make_id(1), make_id(2), make_id(3), make_id(4)
    land(city, NORTH, "2026-10", "pairings", PAIRING_HEADER,
         f"{host},王老师,{N1},{mentee},李老师,{S1},名师带徒,2026-09-01,2027-07-15,2026-10-20")  # fmt: skip
    good = [f"{make_id(100 + i)},,{N1},{S1},2026-10-15,示范课,线下,12,2,,," for i in range(100)]
    land(city, NORTH, "2026-10", "support_activities", ACTIVITY_HEADER, *good,
         f"{host},王老师,{N1},{S1},2026-10-19,教学指导,线下,1,1,{mentee},,",  # 102: active (ends the 20th)
         f"{host},王老师,{N1},{S1},2026-10-20,教学指导,线下,1,1,{mentee},,",  # 103: ended that day
         f"{host},王老师,{N1},{S1},2026-10-05,教学指导,线上,1,1,{stranger},,",  # 104: never paired
         f"{other_host},赵老师,{N1},{S1},2026-10-06,教学指导,线上,1,1,{mentee},,",  # 105: not this host's
         f"{host},王老师,{N1},{S1},2026-10-07,教学指导,线上,1,1,{wrong_check(mentee)},,")  # fmt: skip # 106
    outcomes = {o.label.split("/")[1]: o for o in ingest_landing(engine, city)}
    assert (outcomes["pairings"].status, outcomes["pairings"].rows_loaded) == ("accepted", 1)
    activities = outcomes["support_activities"]
    assert (activities.status, activities.rows_loaded, activities.rows_rejected) == ("accepted", 101, 4)
    lines = feedback_lines(feedback_paths(city.outbox, NORTH, "2026-10", "support_activities").csv)
    assert lines == [
        (
            row,
            "结对教师身份证号",
            "activity_mentee_not_paired",
            f"主讲教师与结对教师（{who}）在活动日期 {day} 没有进行中的结对记录。请先报送该结对（教师结对表），"
            "结对入库后再重新报送本表；活动不是面向结对教师的，此列留空。",
        )
        for row, who, day in (
            ("103", mentee, "2026-10-20"),
            ("104", stranger, "2026-10-05"),
            ("105", mentee, "2026-10-06"),
        )
    ] + [
        (
            "106",
            "结对教师身份证号",
            "id_check_character",
            f"身份证号“{wrong_check(mentee)}”的最后一位（校验位）不对，请核对是否录错。",
        )
    ]
    with engine.connect() as conn:
        kept = conn.execute(text("SELECT COUNT(*) FROM support_activities WHERE mentee_key IS NOT NULL")).scalar()
    assert kept == 1


def test_the_activity_limits_are_settings(tmp_path, monkeypatch):
    """TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS / _PERIODS replace 2000 and 12 in the check and its words."""
    monkeypatch.setenv("TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS", "3000")
    monkeypatch.setenv("TEACHFLOW_ACTIVITY_MAX_PERIODS", "16")
    host = make_id(1)
    good = [f"{make_id(100 + i)},,{N1},{S1},2026-10-15,示范课,线下,12,2,,," for i in range(100)]
    lines = run_check(tmp_path, "support_activities", ACTIVITY_HEADER, [
        *good,
        f"{host},,{N1},{S1},2026-10-19,讲座,线下,2500,14,,,",  # 102: within the configured limits
        f"{host},,{N1},{S1},2026-10-20,讲座,线下,3001,2,,,",  # 103
        f"{host},,{N1},{S1},2026-10-21,讲座,线下,12,17,,,",  # 104
    ])  # fmt: skip
    assert lines == [
        ("103", "参与人次", "number_range", "“参与人次”为 3001，超出范围：参与人次应不小于 1 且不超过 3000。"),
        ("104", "节数/学时", "number_range", "“节数/学时”为 17，超出范围：节数/学时应大于 0 且不超过 16。"),
    ]
