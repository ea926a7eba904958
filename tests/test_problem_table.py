"""Problems held as columns (issue 18): the table behaves as its list of Problems, and the feedback
rendered from it by column is, byte for byte, what rendering each problem on its own gives."""

from __future__ import annotations

import csv
import io

import numpy as np
import pandas as pd
import pyarrow as pa

from teachflow.datasets import DATASETS
from teachflow.ingestion import feedback
from teachflow.ingestion.feedback import FEEDBACK_HEADERS, write_feedback
from teachflow.ingestion.feedback_lines import SEVERITY_LABELS
from teachflow.problem_table import ProblemTable, RowNames, batch_of, text_array
from teachflow.problems import Problem, render, shown_value
from teachflow.spreadsheet_text import neutralize_formula
from teachflow.validation.rules import emit
from teachflow.validation.values import render_value

STATUS = {"outcome": "rejected", "rows_total": 9, "rows_rejected": 9}

#: Values a county writes that a CSV must quote or defuse, and one longer than is echoed back.
AWKWARD = ["a,b", 'say "hi"', "two\nlines", "cr\rhere", "=1+1", "+86", "-5", "@SUM(A1)", "\tx", "\rx", "x" * 250, ""]


def _old_csv(dataset: str, problems: list[Problem], names: dict[int, str]) -> str:
    """The feedback CSV as it was written before issue 18: one rendered line per Problem object."""
    spec = DATASETS[dataset]
    order = {c.name: i for i, c in enumerate(spec.columns)}
    headers = {c.name: c.header_zh for c in spec.columns}

    def key(item: tuple[int, Problem]) -> tuple[int, int, int, int]:
        i, p = item
        rank = -1 if p.column is None else order.get(p.column, len(order))
        return (0 if p.row is None else 1, p.row or 0, rank, i)

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(FEEDBACK_HEADERS)
    for _, p in sorted(enumerate(problems), key=key):
        column_zh = headers.get(p.column) if p.column else None
        zh, en = render(p, column_zh)
        labels = SEVERITY_LABELS[p.severity]
        name = shown_value(names.get(p.row)) if p.row is not None else ""
        cells = ("" if p.row is None else p.row, name, column_zh or p.column or "", shown_value(p.value))
        cells += (p.code, f"{labels[0]} {labels[1]}", zh, en)
        writer.writerow([neutralize_formula(c) for c in cells])
    return out.getvalue()


def _problems() -> list[Problem]:
    found = [Problem("too_many_bad_rows", params={"count": "9", "share": "100.0%", "limit": "10%"})]
    for i, text in enumerate(AWKWARD):
        row = 3 + i % 5
        found += [
            Problem("vocab_unknown", row=row, column="tier", value=text, params={"allowed": "无、骨干教师"}),
            Problem("id_format", row=row, column="id_number", value=text),
            Problem("date_order", row=row, column="current_school_since", value="2026-01-01", params={"limit": text}),
            Problem("duplicate_key", row=row + 1, params={"other_row": str(row), "key": f"身份证号={text}"}),
        ]
    found.append(Problem("required_missing", row=4, column="name"))
    return found


def test_feedback_csv_from_columns_is_byte_for_byte_the_old_one(tmp_path):
    problems = _problems()
    names = {3: "张三", 4: "=李四", 5: "王,五", 6: 'O"Neil', 7: "x" * 300}
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", problems, STATUS, names=names)
    assert files.csv.read_bytes().decode("utf-8-sig") == _old_csv("teachers", problems, names)


def test_table_iterates_and_compares_as_its_problems():
    problems = _problems()
    table = ProblemTable.of(problems)
    assert len(table) == len(problems)
    assert list(table) == problems
    assert table == problems
    assert table[3] == problems[3]
    assert (table + ProblemTable.of(problems[:1])) == [*problems, problems[0]]
    assert table.counts()["vocab_unknown"] == len(AWKWARD)
    assert table.rows_of("row").tolist() == [3, 4, 5, 6, 7, 8]
    assert [p.code for p in table.of_severity("file")] == ["too_many_bad_rows"]


def test_emit_is_one_batch_of_columns():
    frame = pd.DataFrame(
        {
            "_row": [2, 3, 4, 5],
            "hours": [1.0, 2.5, np.nan, 300.0],
            "end_date": pd.to_datetime(["2026-10-01", None, "2026-10-03", "2026-10-04"]),
        }
    )
    mask = np.array([True, True, True, False])
    table = emit(frame, mask, "date_order", "end_date", frame["end_date"], {"limit": frame["hours"]})
    assert len(table.batches) == 1
    assert list(table) == [
        Problem("date_order", row=2, column="end_date", value="2026-10-01", params={"limit": "1"}),
        Problem("date_order", row=3, column="end_date", value=None, params={"limit": "2.5"}),
        Problem("date_order", row=4, column="end_date", value="2026-10-03", params={"limit": ""}),
    ]


def test_text_array_is_render_value_by_column():
    cases = [
        pd.Series([1.0, 2.5, np.nan, 1e17, -0.0, 12.0]),
        pd.Series(pd.to_datetime(["2026-10-01", None])),
        pd.Series(["a", None, "c"], dtype="str"),
        pd.Series([1, 2, 3]),
        pd.Series(["a", None, 3, 1.5, True], dtype=object),
        pd.Series(pd.arrays.ArrowStringArray(pa.chunked_array([["a", "b"], ["c", None]]))),  # read in chunks
    ]
    for values in cases:
        texts = text_array(values)
        assert isinstance(texts, pa.Array)
        assert texts.to_pylist() == [render_value(v) for v in values.tolist()]


def test_without_cells_drops_only_cells_a_row_problem_already_rejects():
    found = ProblemTable.of(
        [
            Problem("required_missing", row=3, column="start_date"),
            Problem("required_missing", row=4, column="start_date"),
            Problem("id_check_character", row=3, column="id_number", value="x"),
        ]
    )
    prior = ProblemTable.of(
        [
            Problem("date_invalid", row=3, column="start_date", value="2026-13-01"),
            Problem("id_fullwidth", row=3, column="id_number", value="x"),  # a warning blocks nothing
        ]
    )
    assert list(found.without_cells(prior)) == [
        Problem("required_missing", row=4, column="start_date"),
        Problem("id_check_character", row=3, column="id_number", value="x"),
    ]


def test_row_names_show_the_repeated_rows_name_for_an_exact_repeat():
    typed = pd.DataFrame({"_row": [2, 3, 4], "name": pd.Series(["甲", None, "丙"], dtype="str")})
    problems = ProblemTable(
        [
            batch_of("required_missing", "name", np.array([3])),
            batch_of("id_format", "id_number", np.array([4]), pa.array(["1"], pa.large_string())),
            batch_of(
                "duplicate_row", None, np.array([9]), row_params={"other_row": pa.array(["2"], pa.large_string())}
            ),
        ]
    )
    names = RowNames.of_problems(typed, problems)
    assert dict(names) == {2: "甲", 4: "丙", 9: "甲"}
    assert names.get(3) is None


def test_workbook_lists_the_first_lines_and_the_csv_all(tmp_path, monkeypatch):
    monkeypatch.setattr(feedback, "SHEET_LINES", 4)
    problems = [Problem("required_missing", row=i + 2, column="name") for i in range(10)]
    files = write_feedback(tmp_path, "450202", "2026-10", "teachers", problems, STATUS)

    import openpyxl

    wb = openpyxl.load_workbook(files.xlsx, read_only=True)
    rows = [tuple(r) for r in wb.worksheets[0].iter_rows(values_only=True)]
    summary = [tuple(r) for r in wb.worksheets[1].iter_rows(values_only=True)]
    wb.close()
    assert [r[0] for r in rows[1:5]] == [2, 3, 4, 5]
    assert rows[5][6:] == ("另有 6 条问题未列出，请查看同名的 CSV 文件。", "6 more problems are in the CSV file.")
    assert len(rows) == 6
    assert ("问题数 Problems", 10) in [r[:2] for r in summary]
    with files.csv.open(encoding="utf-8-sig", newline="") as f:
        assert len(list(csv.reader(f))) == 11


def test_problem_sheet_rows_built_by_column_are_the_generic_writers_xml():
    problems = [*_problems(), Problem("id_format", row=9, column="id_number", value="a\x01b&<c>\ufffe")]
    names = {3: "张&三", 4: "<李四>", 5: "王\x0b五"}
    lines = feedback.FeedbackLines("teachers", problems, names)
    order = lines.table.line_order()

    def sheet(rows) -> str:
        out: list[str] = []
        spec = feedback._Sheet(
            "s", (8,) * 8, rows, feedback._PROBLEM_STYLES, filter_columns=8, row_count=len(order) + 1
        )
        feedback._write_sheet(out.append, spec, selected=True)
        return "".join(out)

    by_cells = [FEEDBACK_HEADERS, *lines.render(order).row_cells()]
    by_column = [FEEDBACK_HEADERS, feedback._RowsXml(lines.sheet_xml(order, 2, feedback._STYLE_ATTRS), order.size)]
    assert sheet(by_column) == sheet(by_cells)
