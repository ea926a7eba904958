"""The county's feedback: exact lines in the XLSX and the CSV, the summary, the status JSON, and
files that are replaced whole (never left half-written)."""

from __future__ import annotations

import codecs
import csv
import json
from pathlib import Path

import openpyxl
import pytest
from python_calamine import CalamineWorkbook

from teachflow.ingestion import feedback
from teachflow.ingestion.feedback import FEEDBACK_HEADERS, NO_PROBLEMS, feedback_paths, write_feedback
from teachflow.problems import Problem, render

STATUS = {
    "submission_id": 7,
    "file": "450202/2026-10/teachers.xlsx",
    "county_code": "450202",
    "period": "2026-10",
    "dataset": "teachers",
    "outcome": "rejected",
    "rows_total": 12,
    "rows_loaded": 0,
    "rows_rejected": 3,
    "rows_duplicate": 1,
    "replaced_submissions": [],
}

# Deliberately out of order: the writer sorts file-level first, then by row, then contract column order.
PROBLEMS = [
    Problem("vocab_unknown", row=5, column="tier", value="骨干", params={"allowed": "无、骨干教师"}),
    Problem("id_scientific", row=5, column="id_number", value="4.50202E+17"),
    Problem("required_missing", row=3, column="school_code"),
    Problem("too_many_bad_rows", params={"share": "25.0%", "limit": "0%"}),
    Problem("id_fullwidth", row=4, column="id_number", value="４５０２０２１９８５０３１２００２５"),
    Problem("duplicate_key", row=9, params={"other_row": "4", "key": "身份证号 450202198503120025"}),
    Problem("date_invalid", row=9, column="current_school_since", value="2026年13月1日"),
]


#: The teachers' names in the county's rows (the feedback's 姓名 column); row 9 has none.
NAMES = {3: "张三", 4: "李四", 5: "王五"}


def _read_csv(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as f:
        return list(csv.reader(f))


def _read_xlsx(path: Path, sheet: int = 0) -> list[tuple]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [tuple(row) for row in wb.worksheets[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def _expected_lines() -> list[list[str]]:
    def line(p: Problem, column_zh: str, outcome: str) -> list[str]:
        zh, en = render(p, column_zh or None)
        name = NAMES.get(p.row, "") if p.row is not None else ""
        return ["" if p.row is None else str(p.row), name, column_zh, p.value or "", p.code, outcome, zh, en]

    file_level, scientific, vocab, missing, fullwidth, duplicate, date = (
        PROBLEMS[3],
        PROBLEMS[1],
        PROBLEMS[0],
        PROBLEMS[2],
        PROBLEMS[4],
        PROBLEMS[5],
        PROBLEMS[6],
    )
    return [
        line(file_level, "", "整个文件退回 File rejected"),
        line(missing, "学校标识码", "该行未入库 Row not loaded"),
        line(fullwidth, "身份证号", "提示（已入库） Note (loaded)"),
        line(scientific, "身份证号", "该行未入库 Row not loaded"),
        line(vocab, "骨干层级", "该行未入库 Row not loaded"),
        line(duplicate, "", "该行未入库 Row not loaded"),
        line(date, "现校任教起始日期", "该行未入库 Row not loaded"),
    ]


def test_csv_holds_one_line_per_problem_sorted_with_rendered_messages(tmp_path):
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS, STATUS, names=NAMES)

    assert files.csv == tmp_path / "450202" / "2026-10" / "teachers.feedback.csv"
    assert files.csv.read_bytes().startswith(codecs.BOM_UTF8)
    rows = _read_csv(files.csv)
    assert rows[0] == list(FEEDBACK_HEADERS)
    assert rows[1:] == _expected_lines()
    # Spot-check one message in full, so a wrong render wiring cannot pass unnoticed.
    assert rows[4][:7] == [
        "5",
        "王五",
        "身份证号",
        "4.50202E+17",
        "id_scientific",
        "该行未入库 Row not loaded",
        "身份证号“4.50202E+17”已被 Excel 转成数字（科学计数法），后几位已经丢失，无法还原。请把该列设为“文本”格式，"
        "再从源系统重新复制身份证号，用“选择性粘贴 → 数值”粘贴。",
    ]


def test_xlsx_holds_the_same_lines_with_blank_row_for_file_level_problems(tmp_path):
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS, STATUS, names=NAMES)

    rows = _read_xlsx(files.xlsx)
    assert rows[0] == FEEDBACK_HEADERS
    expected = [
        tuple(None if cell == "" else (int(cell) if i == 0 else cell) for i, cell in enumerate(line))
        for line in _expected_lines()
    ]
    assert rows[1:] == expected
    assert rows[1][0] is None  # the file-level problem has no row number
    assert [r[0] for r in rows[1:]] == [None, 3, 4, 5, 5, 9, 9]


def test_xlsx_header_is_frozen_filterable_and_values_are_text(tmp_path):
    problems = [Problem("vocab_unknown", row=2, column="tier", value="=1+1", params={"allowed": "无"})]
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", problems, STATUS)

    wb = openpyxl.load_workbook(files.xlsx)
    assert wb.sheetnames == ["问题清单 Problems", "汇总 Summary"]
    ws = wb.worksheets[0]
    assert ws.freeze_panes == "A2"
    assert ws.auto_filter.ref == "A1:H2"
    assert ws["A1"].font.b is True
    assert ws.column_dimensions["G"].width == 60
    # A county value that looks like a formula stays the text the county wrote.
    assert ws["D2"].value == "=1+1"
    assert ws["D2"].data_type == "s"
    assert ws["D2"].number_format == "@"
    # ... and the CSV defuses it for Excel.
    assert _read_csv(files.csv)[1][3] == "'=1+1"


def test_summary_sheet_counts_problems_per_code(tmp_path):
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS, STATUS)

    summary = _read_xlsx(files.xlsx, sheet=1)
    items = {row[0]: row[1] for row in summary if row and len(row) >= 2 and row[0]}
    assert items["文件 File"] == "450202/2026-10/teachers.xlsx"
    assert items["数据集 Dataset"] == "teachers 教师名册"
    assert items["结果 Outcome"] == "已退回：整个文件未入库"
    assert items["Outcome (English)"] == "Rejected: nothing of the file was loaded"
    assert items["数据行数 Rows in file"] == 12
    assert items["未入库行数 Rows not loaded"] == 3
    assert items["重复行（已忽略）Repeated rows dropped"] == 1
    assert items["问题数 Problems"] == 7
    start = next(i for i, row in enumerate(summary) if row and row[0] == "问题代码 Code")
    by_code = {row[0]: (row[1], row[2], row[3]) for row in summary[start + 1 :]}
    assert by_code == {
        "date_invalid": ("该行未入库 Row not loaded", 1, "9"),
        "duplicate_key": ("该行未入库 Row not loaded", 1, "9"),
        "id_fullwidth": ("提示（已入库） Note (loaded)", 1, "4"),
        "id_scientific": ("该行未入库 Row not loaded", 1, "5"),
        "required_missing": ("该行未入库 Row not loaded", 1, "3"),
        "too_many_bad_rows": ("整个文件退回 File rejected", 1, None),
        "vocab_unknown": ("该行未入库 Row not loaded", 1, "5"),
    }


def test_status_json_is_the_status_plus_counts_and_feedback_paths(tmp_path):
    problems = [
        Problem("required_missing", row=3, column="school_code"),
        Problem("required_missing", row=4, column="name"),
        Problem("id_format", row=4, column="id_number", value="12345"),
    ]
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", problems, STATUS)

    assert json.loads(files.status_json.read_text(encoding="utf-8")) == {
        **STATUS,
        "outcome_zh": "已退回",
        "submission_status": "rejected",
        "submission_status_zh": "已退回",
        "problem_counts": {"required_missing": 2, "id_format": 1},
        "feedback_xlsx": "450202/2026-10/teachers.feedback.xlsx",
        "feedback_csv": "450202/2026-10/teachers.feedback.csv",
    }


def test_no_problems_still_writes_all_three_files(tmp_path):
    status = {**STATUS, "outcome": "accepted", "rows_loaded": 12, "rows_rejected": 0}
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", [], status)

    assert _read_csv(files.csv) == [list(FEEDBACK_HEADERS)]
    assert _read_xlsx(files.xlsx) == [FEEDBACK_HEADERS]
    summary = _read_xlsx(files.xlsx, sheet=1)
    assert (NO_PROBLEMS,) in summary
    assert ("结果 Outcome", "已入库") in summary
    assert json.loads(files.status_json.read_text(encoding="utf-8"))["problem_counts"] == {}


def test_fifty_thousand_problems_are_all_written(tmp_path):
    problems = [
        Problem("id_check_character", row=i + 2, column="id_number", value=f"4502021985{i:08d}") for i in range(50_000)
    ]
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", problems, STATUS)

    assert len(_read_csv(files.csv)) == 50_001
    rows = CalamineWorkbook.from_path(str(files.xlsx)).get_sheet_by_index(0).to_python()
    assert len(rows) == 50_001
    assert rows[-1][:5] == [50_001, "", "身份证号", "450202198500049999", "id_check_character"]


def test_resubmission_replaces_feedback_and_leaves_no_temp_files(tmp_path):
    write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS, STATUS)
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS[:1], STATUS)

    assert len(_read_csv(files.csv)) == 2
    assert len(_read_xlsx(files.xlsx)) == 2
    assert sorted(p.name for p in files.csv.parent.iterdir()) == [
        "teachers.feedback.csv",
        "teachers.feedback.xlsx",
        "teachers.status.json",
    ]


def test_failed_write_keeps_the_previous_feedback_whole(tmp_path, monkeypatch):
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS, STATUS)
    before = files.xlsx.read_bytes()

    def broken(f, lines, summary):
        f.write(b"PK half a workbook")
        raise OSError("disk full")

    monkeypatch.setattr(feedback, "_write_workbook", broken)
    with pytest.raises(OSError, match="disk full"):
        write_feedback(tmp_path, "450202", "2026-10", "teachers", PROBLEMS[:1], STATUS)

    assert files.xlsx.read_bytes() == before
    assert len(list(files.xlsx.parent.iterdir())) == 3


def test_unknown_problem_code_fails_before_anything_is_written(tmp_path):
    with pytest.raises(KeyError):
        write_feedback(tmp_path, "450202", "2026-10", "teachers", [Problem("no_such_code", row=2)], STATUS)
    assert not (tmp_path / "450202" / "2026-10").exists() or not any((tmp_path / "450202" / "2026-10").iterdir())


def test_paths_keep_valid_names_and_defuse_others(tmp_path):
    assert feedback_paths(tmp_path, "450202", "2026-10", "teachers").xlsx == (
        tmp_path / "450202" / "2026-10" / "teachers.feedback.xlsx"
    )
    odd = feedback_paths(tmp_path, "..", "2026/10", "../../etc/passwd")
    assert odd.csv == tmp_path / "__" / "2026_10" / "_._.._etc_passwd.feedback.csv"
    assert feedback_paths(tmp_path, "", ".hidden", "a:b").status_json == tmp_path / "_" / "_hidden" / "a_b.status.json"


def test_wrong_folder_dataset_shows_columns_as_given(tmp_path):
    problems = [Problem("wrong_folder_dataset", value="roster.xlsx", params={"allowed": "teachers"})]
    files = write_feedback(tmp_path, "450202", "2026-10", "roster", problems, {"outcome": "rejected"})

    assert files.csv.name == "roster.feedback.csv"
    assert _read_csv(files.csv)[1][:6] == [
        "",
        "",
        "",
        "roster.xlsx",
        "wrong_folder_dataset",
        "整个文件退回 File rejected",
    ]


def test_sheet_longer_than_excel_allows_points_to_the_csv(tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "_MAX_SHEET_ROWS", 5)
    problems = [Problem("required_missing", row=i + 2, column="name") for i in range(10)]
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", problems, STATUS)

    rows = _read_xlsx(files.xlsx)
    assert [r[0] for r in rows[1:4]] == [2, 3, 4]
    assert rows[4][6:] == ("另有 7 条问题未列出，请查看同名的 CSV 文件。", "7 more problems are in the CSV file.")
    assert len(_read_csv(files.csv)) == 11
