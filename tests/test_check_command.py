"""``teachflow check``: a county's pre-check writes the feedback beside the file, loads nothing and
says, in Chinese first, exactly what would load; a wrong argument is one line and exit status 2."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import pytest

from teachflow.cli import main
from teachflow.settings import load_settings
from tests.citykit import NORTH, make_id, write_reference

HEADER = "id_number,name,program_code,level,mode,start_date,end_date,hours"
ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def training_file(tmp_path) -> Path:
    """39 good training rows and one with an impossible end date (row 41), in the county's folder."""
    rows = [f"{make_id(i)},教师{i},P1,市级,网络研修,2026-10-01,2026-10-02,8" for i in range(1, 40)]
    rows.append(f"{make_id(40)},教师40,P1,市级,网络研修,2026-10-01,2026年13月1日,8")
    source = tmp_path / NORTH / "2026-10" / "training_records.csv"
    source.parent.mkdir(parents=True)
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")
    return source


def check(source: Path, reference: Path, *extra: str, dataset: str = "training_records") -> int:
    return main(["check", str(source), "--dataset", dataset, "--county", NORTH, "--reference", str(reference), *extra])


def test_check_says_in_chinese_what_would_load_and_writes_the_feedback_beside_the_file(tmp_path, training_file, capsys):
    reference = write_reference(tmp_path / "reference")

    code = check(training_file, reference)

    assert code == 0  # one bad row of 40 is under the 5 % threshold: the file would be accepted
    assert capsys.readouterr().out.splitlines() == [
        f"预检：{training_file}（{NORTH} 城中区，2026-10，教师培训记录）",
        "结果：可以入库，但只是部分入库：将入库 39 行；有错误的 1 行不会入库，请改正后重新报送完整文件。",
        "数据行 40 行，有错误的行 1 行，完全重复的行 0 行（只入库一次），问题共 1 条。",
        f"反馈表：{training_file.parent / 'training_records.feedback.xlsx'}",
    ]
    with (training_file.parent / "training_records.feedback.csv").open(encoding="utf-8-sig") as f:
        lines = [tuple(r[:5]) for r in list(csv.reader(f))[1:]]
    assert lines == [("41", "教师40", "结束日期", "2026年13月1日", "date_invalid")]
    assert not (training_file.parent / NORTH).exists()  # not <file's folder>/<county>/<period>/ again
    book = openpyxl.load_workbook(training_file.parent / "training_records.feedback.xlsx", read_only=True)
    summary = {row[0]: row[1] for row in book.worksheets[1].iter_rows(values_only=True) if len(row) > 1 and row[0]}
    book.close()
    assert summary["结果 Outcome"] == "预检（未入库任何数据）：可以入库，将入库 39 行；有错误的 1 行不会入库"
    assert not (load_settings().data_dir / "warehouse.db").exists()


def test_check_speaks_english_on_request(tmp_path, training_file, capsys):
    reference = write_reference(tmp_path / "reference")

    assert check(training_file, reference, "--lang", "en", "--out", str(tmp_path / "out")) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Pre-check: {training_file} ({NORTH} 城中区, 2026-10, training_records)",
        "Result: would be accepted in part: 39 rows would load; the 1 row(s) with errors would NOT load "
        "(correct them and submit the whole file again).",
        "40 rows, 1 with errors, 0 exact repeats (loaded once), 1 problem(s) listed.",
        f"Feedback: {tmp_path / 'out' / 'training_records.feedback.xlsx'}",
    ]


def test_check_says_rejected_with_the_reason_and_exit_status_1(tmp_path, capsys):
    reference = write_reference(tmp_path / "reference")
    source = tmp_path / "teachers.csv"
    source.write_text("id_number,name,tier\n" + f"{make_id(1)},王五,无\n", encoding="utf-8")

    code = check(source, reference, "--period", "2026-10", dataset="teachers")

    assert code == 1
    assert capsys.readouterr().out.splitlines() == [
        f"预检：{source}（{NORTH} 城中区，2026-10，教师名册）",
        "结果：不能入库。正式报送时整个文件将被退回，不会入库任何数据。",
        "数据行 0 行，有错误的行 0 行，完全重复的行 0 行（只入库一次），问题共 2 条。",
        "原因：",
        "  - 缺少必填列“学校标识码”。请使用市局模板，不要删除列或修改列名。",
        "  - 缺少必填列“现校任教起始日期”。请使用市局模板，不要删除列或修改列名。",
        f"反馈表：{tmp_path / 'teachers.feedback.xlsx'}",
    ]


def test_a_roster_with_one_bad_row_says_no_bad_row_is_allowed(tmp_path, capsys):
    reference = write_reference(tmp_path / "reference")
    source = tmp_path / "teachers.csv"
    rows = [f"{make_id(i)},教师{i},2145020001,骨干教师,2015-09-01" for i in range(1, 2021)]
    rows.append(f"{make_id(2021)},教师2021,2145020001,市骨干,2015-09-01")
    source.write_text("id_number,name,school_code,tier,current_school_since\n" + "\n".join(rows) + "\n", "utf-8")

    assert check(source, reference, "--period", "2026-10", dataset="teachers") == 1
    out = capsys.readouterr().out.splitlines()
    assert out[2:5] == [
        "数据行 2021 行，有错误的行 1 行，完全重复的行 0 行（只入库一次），问题共 2 条。",
        "原因：",
        "  - 1 行有错误；教师名册不允许有错误行，整个文件未入库。请按问题清单改正全部错误后，重新报送完整文件。",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--county", "450299"), "--county 450299 不是市局名单中的区县代码，请核对（6 位行政区划代码，例如 450202）。"),
        (("--period", "2026-13"), "--period 2026-13 不正确：应写成 年-月（例如 2026-10），且不能是以后的月份。"),
        (("--period", "2099-01"), "--period 2099-01 不正确：应写成 年-月（例如 2026-10），且不能是以后的月份。"),
    ],
    ids=["county", "month", "future"],
)
def test_a_wrong_county_or_period_is_one_line_about_the_argument(tmp_path, training_file, capsys, args, message):
    reference = write_reference(tmp_path / "reference")
    given = {"--dataset": "training_records", "--county": NORTH, "--reference": str(reference), **dict([args])}
    argv = ["check", str(training_file), *(part for flag, value in given.items() for part in (flag, value))]

    assert main(argv) == 2
    captured = capsys.readouterr()
    assert captured.err == f"teachflow: error: {message}\n"
    assert captured.out == ""
    assert not list(training_file.parent.glob("*.feedback.*"))  # nothing blamed on folders never made


def test_an_unwritable_out_is_one_line_not_a_traceback(tmp_path, training_file, capsys):
    reference = write_reference(tmp_path / "reference")
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder", encoding="utf-8")

    assert check(training_file, reference, "--out", str(blocker)) == 2
    assert capsys.readouterr().err == (
        f"teachflow: error: 无法把反馈表写到 {blocker}（这不是文件夹），请用 --out 指定一个可写的文件夹。\n"
    )


@pytest.mark.parametrize("empty_warehouse_url", ["sqlite"], indirect=True)
def test_ingest_from_a_misspelt_landing_zone_fails_in_one_line(warehouse_url, tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    assert main(["ingest", "--landing", str(tmp_path / "landnig")]) == 2
    assert capsys.readouterr().err == (
        f"teachflow: error: landing zone {tmp_path / 'landnig'} does not exist or is not a folder "
        "(check --landing / TEACHFLOW_LANDING)\n"
    )


def test_check_prints_no_log_lines(tmp_path, training_file):
    """Run as a clerk runs it: the only output is the pre-check's own lines (no GX INFO chatter)."""
    reference = write_reference(tmp_path / "reference")
    env = {**os.environ, "TEACHFLOW_DATA_DIR": str(tmp_path / "data")}
    command = [sys.executable, "-m", "teachflow.cli", "check", str(training_file), "--dataset", "training_records"]
    done = subprocess.run(
        [*command, "--county", NORTH, "--reference", str(reference)],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
        timeout=300,
    )
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    assert len(done.stdout.splitlines()) == 4
