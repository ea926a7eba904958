"""Reading county files as counties really send them: every accepted form, and every refusal.

Fixtures are built in tmp_path by the tests themselves (CSV as bytes, XLSX with openpyxl), so each
test shows the exact file it reads.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from teachflow.contract import TEACHERS
from teachflow.ingestion.parsing.xlsx_file import cell_text
from teachflow.ingestion.reading import RawTable, read_table
from teachflow.problems import FileRejected, Problem, render

HEADER_ZH = "身份证号,姓名,性别,学校标识码,骨干层级,现校任教起始日期"
ID_1 = "450202198001011237"
ID_2 = "45020219850515002X"


def records(table: RawTable) -> list[dict[str, object]]:
    """The frame as plain dicts, NA as None, so whole frames compare exactly."""
    frame = table.frame.astype(object).where(table.frame.notna(), None)
    return frame.to_dict("records")


def write_csv(tmp_path: Path, text: str, encoding: str = "utf-8", name: str = "teachers.csv") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def write_xlsx(tmp_path: Path, sheets: dict[str, list[list[object]]], name: str = "teachers.xlsx") -> Path:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        for row in rows:
            sheet.append(row)
    path = tmp_path / name
    book.save(path)
    return path


def rejection(path: Path, dataset: str = "teachers") -> list[Problem]:
    with pytest.raises(FileRejected) as caught:
        read_table(path, dataset)
    return caught.value.problems


TWO_TEACHERS = [
    {
        "_row": 2,
        "id_number": ID_1,
        "name": "张三",
        "gender": "男",
        "school_code": "4502010001",
        "tier": "骨干教师",
        "current_school_since": "2020-09-01",
    },
    {
        "_row": 3,
        "id_number": ID_2,
        "name": "李四",
        "gender": "女",
        "school_code": "4502010002",
        "tier": None,
        "current_school_since": "2021/9/1",
    },
]
TWO_TEACHERS_CSV = (
    f"{HEADER_ZH}\r\n{ID_1},张三,男,4502010001,骨干教师,2020-09-01\r\n{ID_2},李四,女,4502010002,,2021/9/1\r\n"
)


# --- CSV encodings and headers -------------------------------------------------------------------


@pytest.mark.parametrize(("encoding", "detected"), [("utf-8", "utf-8"), ("utf-8-sig", "utf-8-sig"), ("gbk", "gb18030")])
def test_csv_with_chinese_headers_in_each_encoding(tmp_path, encoding, detected):
    table = read_table(write_csv(tmp_path, TWO_TEACHERS_CSV, encoding), TEACHERS)

    assert records(table) == TWO_TEACHERS
    assert (table.encoding, table.file_format, table.header_row, table.sheet) == (detected, "csv", 1, None)
    assert table.ignored_headers == []
    assert table.frame["_row"].dtype == "int64"
    assert str(table.frame["name"].dtype) == "str"


def test_csv_that_is_neither_utf8_nor_gb18030_is_refused(tmp_path):
    path = tmp_path / "teachers.csv"
    path.write_bytes(b"\xff\xfe\x00\x00\x81\x30")

    assert rejection(path) == [Problem("file_encoding")]


def _ascii_rows(count: int) -> str:
    """Roster rows of ASCII only (no name, no tier): the bytes are the same in UTF-8 and GBK."""
    return "".join(f"{ID_1},,,4502010001,,2020-09-01\r\n" for _ in range(count))


def test_a_gbk_file_whose_first_quarter_megabyte_is_ascii_is_read_as_gb18030(tmp_path):
    """UTF-8 is tried while the whole file is checked beside the read; the last rows prove it wrong."""
    text = "id_number,name,gender,school_code,tier,current_school_since\r\n" + _ascii_rows(8_000)
    text += f"{ID_2},李四,女,4502010002,,2021/9/1\r\n"
    assert len(text.encode("gbk")) > 300_000

    table = read_table(write_csv(tmp_path, text, "gbk"), TEACHERS)

    assert table.encoding == "gb18030"
    assert records(table)[-1] == {**TWO_TEACHERS[1], "_row": 8_002}


def test_padding_far_into_a_utf8_file_is_still_stripped(tmp_path):
    text = "id_number,name,gender,school_code,tier,current_school_since\n" + _ascii_rows(8_000)
    text += f"{ID_2},\u3000李四\u3000,女,4502010002,,2021/9/1\n"

    table = read_table(write_csv(tmp_path, text), TEACHERS)

    assert table.encoding == "utf-8"
    assert records(table)[-1]["name"] == "李四"


def test_a_small_utf8_file_cut_inside_a_character_is_refused(tmp_path):
    """The head check of a file shorter than the head is final: a cut character is no UTF-8 (and the
    rest is no GB18030), as when the file was decoded whole before it was read."""
    path = tmp_path / "teachers.csv"
    path.write_bytes(TWO_TEACHERS_CSV.encode() + "张".encode()[:2])

    assert rejection(path, TEACHERS) == [Problem("file_encoding")]


def test_english_headers_in_any_order_and_unknown_columns_ignored(tmp_path):
    text = (
        "Tier,current_school_since,NAME,remark,school_code,ID_NUMBER\n"
        f"backbone,2020-09-01,张三,调入,4502010001,{ID_1}\n"
    )

    table = read_table(write_csv(tmp_path, text), "teachers")

    assert list(table.frame.columns) == ["_row", "id_number", "name", "school_code", "tier", "current_school_since"]
    assert records(table) == [
        {
            "_row": 2,
            "id_number": ID_1,
            "name": "张三",
            "school_code": "4502010001",
            "tier": "backbone",
            "current_school_since": "2020-09-01",
        }
    ]
    assert table.ignored_headers == ["remark"]


def test_template_headers_with_required_marks_and_english_twins(tmp_path):
    text = (
        '"身份证号 id_number","姓名\nname",学校标识码*,＊骨干层级（必填）,现学校任教起始日期(必填),"性 别"\n'
        f"{ID_1},张三,4502010001,无,2020-09-01,男\n"
    )

    table = read_table(write_csv(tmp_path, text), "teachers")

    assert list(table.frame.columns) == [
        "_row",
        "id_number",
        "name",
        "gender",
        "school_code",
        "tier",
        "current_school_since",
    ]
    assert table.frame.loc[0, "name"] == "张三"
    assert table.frame.loc[0, "gender"] == "男"
    # the header is one record spanning two text lines: the data record is Excel row 2
    assert table.frame.loc[0, "_row"] == 2


def test_csv_title_lines_blank_lines_and_padding(tmp_path):
    text = (
        "2026年10月教师名册\n"
        "\n"
        f"{HEADER_ZH},备注\n"
        f" {ID_1} ,\u3000张三\u3000,男,4502010001,无,2020-09-01,\n"
        "\n"
        ",,,,,,\n"
        f"{ID_2},李四,女,4502010002,  ,2021-09-01,调入,多余的列\n"
        ",,\n"
    )

    table = read_table(write_csv(tmp_path, text), "teachers")

    assert table.header_row == 3
    assert table.ignored_headers == ["备注"]
    assert [r["_row"] for r in records(table)] == [4, 7]
    assert records(table)[0]["id_number"] == ID_1
    assert records(table)[0]["name"] == "张三"
    assert records(table)[1]["tier"] is None  # spaces only: blank


def test_csv_quoted_line_break_keeps_excel_row_numbers(tmp_path):
    text = f'{HEADER_ZH}\n{ID_1},"张\n三",男,4502010001,无,2020-09-01\n{ID_2},李四,女,4502010002,无,2021-09-01\n'

    table = read_table(write_csv(tmp_path, text), "teachers")

    assert [(r["_row"], r["name"]) for r in records(table)] == [(2, "张\n三"), (3, "李四")]


@pytest.mark.parametrize("delimiter", ["\t", ";"])
def test_tab_or_semicolon_separated_text(tmp_path, delimiter):
    text = TWO_TEACHERS_CSV.replace(",", delimiter)

    assert records(read_table(write_csv(tmp_path, text, "gbk"), "teachers")) == TWO_TEACHERS


def test_csv_with_an_unclosed_quote_is_unreadable_and_names_the_row(tmp_path):
    text = f'{HEADER_ZH}\n{ID_1},张三,男,4502010001,无,2020-09-01\n"{ID_2},李四,女,4502010002,无,2021-09-01\n'

    [problem] = rejection(write_csv(tmp_path, text))

    assert (problem.code, problem.params["variant"], problem.params["row"]) == (
        "file_unreadable",
        "unclosed_quote",
        "3",
    )
    assert render(problem)[0] == (
        '第 3 行有一个英文双引号（"）没有配对，系统分不清此后的各列。请删除或补全该行的双引号，'
        "或在 Excel 中“另存为 → CSV UTF-8（逗号分隔）”，再重新报送。"
    )


# --- XLSX ----------------------------------------------------------------------------------------


def test_xlsx_with_merged_title_rows_dates_serials_numeric_ids_and_blank_rows(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.title = "Sheet1"
    sheet.append(["某县2026年10月教师名册"])
    sheet.append(["填报单位：某县教育局", None, None, "填报日期：2026-10-31"])
    sheet.append(["身份证号", "姓名", "学校标识码", "骨干层级", "现校任教起始日期", "出生日期"])
    sheet.append([450202198001011237, "张三", 4502010001, "骨干教师", dt.date(2020, 9, 1), dt.datetime(1980, 1, 1)])
    sheet.append([ID_2, " 李四 ", "4502010002", None, 45931, "1985/5/15"])
    sheet.append([None, None, None, None, None, None])
    sheet.append([4.50202198001011e17, "王五", 4502010003.0, "无", "2026年10月1日", 12.5])
    for _ in range(3):  # blank trailing rows Excel keeps because they were formatted
        sheet.append(["", None, None, None, None, None])
    sheet["A10"].number_format = "@"
    sheet.merge_cells("A1:F1")
    sheet.merge_cells("A2:C2")
    sheet.merge_cells("D2:F2")
    path = tmp_path / "teachers.xlsx"
    book.save(path)

    table = read_table(path, "teachers")

    assert (table.file_format, table.encoding, table.sheet, table.header_row) == ("xlsx", None, "Sheet1", 3)
    assert records(table) == [
        {
            "_row": 4,
            "id_number": "4.50202198001011E+17",  # the 18 digits a number cell cannot hold: damaged
            "name": "张三",
            "birth_date": "1980-01-01",
            "school_code": "4502010001",
            "tier": "骨干教师",
            "current_school_since": "2020-09-01",
        },
        {
            "_row": 5,
            "id_number": ID_2,
            "name": "李四",
            "birth_date": "1985/5/15",
            "school_code": "4502010002",
            "tier": None,
            "current_school_since": "45931",
        },
        {
            "_row": 7,
            "id_number": "4.50202198001011E+17",
            "name": "王五",
            "birth_date": "12.5",
            "school_code": "4502010003",
            "tier": "无",
            "current_school_since": "2026年10月1日",
        },
    ]


def test_xlsx_vertically_merged_cells_below_the_header_fill_each_row(tmp_path):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号", "学校标识码", "姓名", "骨干层级", "现校任教起始日期"])
    sheet.append([ID_1, "4502010001", "张三", "无", "2020-09-01"])
    sheet.append([ID_2, None, "李四", "无", "2020-09-01"])
    sheet.append(["450202199001010011", None, "王五", "无", "2020-09-01"])
    sheet.append(["450202199101010011", "4502010002", "赵六", "无", "2020-09-01"])
    sheet.merge_cells("B2:B4")
    path = tmp_path / "teachers.xlsx"
    book.save(path)

    table = read_table(path, "teachers")

    assert table.frame["school_code"].tolist() == ["4502010001"] * 3 + ["4502010002"]


@pytest.mark.parametrize("sheet_name", ["教师名册", "Teachers"])
def test_xlsx_sheet_named_after_the_dataset_is_read(tmp_path, sheet_name):
    header = ["身份证号", "姓名", "学校标识码", "骨干层级", "现校任教起始日期"]
    path = write_xlsx(
        tmp_path,
        {
            "说明": [["请按模板填写，身份证号列设为文本格式。"]],
            "汇总": [header, [ID_2, "不是这张表", "4502010009", "无", "2020-09-01"]],
            sheet_name: [header, [ID_1, "张三", "4502010001", "无", "2020-09-01"]],
        },
    )

    table = read_table(path, "teachers")

    assert table.sheet == sheet_name
    assert table.frame["name"].tolist() == ["张三"]


def test_xlsx_without_a_named_sheet_reads_the_first_sheet_holding_a_header(tmp_path):
    path = write_xlsx(
        tmp_path,
        {
            "说明": [["请按模板填写。"]],
            "Sheet2": [["身份证号", "姓名", "学校标识码", "骨干层级", "现校任教起始日期"], [ID_1, "张三", 4502010001]],
        },
    )

    table = read_table(path, "teachers")

    assert (table.sheet, table.frame["school_code"].tolist()) == ("Sheet2", ["4502010001"])


def test_workbook_saved_under_a_csv_name_is_read_as_a_workbook(tmp_path):
    header = ["身份证号", "姓名", "学校标识码", "骨干层级", "现校任教起始日期"]
    path = write_xlsx(tmp_path, {"Sheet1": [header, [ID_1, "张三", "4502010001", "无", "2020-09-01"]]}, "teachers.csv")

    table = read_table(path, "teachers")

    assert (table.file_format, table.frame["name"].tolist()) == ("xlsx", ["张三"])


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (4502010001.0, "4502010001"),
        (12.5, "12.5"),
        (0.1 + 0.2, "0.3"),
        (450202198001011237.0, "4.50202198001011E+17"),
        (999999999999999.0, "999999999999999"),
        (1e15, "1E+15"),
        (7, "7"),
        (True, "TRUE"),
        (dt.date(2026, 10, 1), "2026-10-01"),
        (dt.datetime(2026, 10, 1, 8, 30), "2026-10-01"),
        ("  文本 ", "文本"),
        ("", None),
    ],
)
def test_excel_cells_become_the_text_the_county_typed(value, text):
    assert cell_text(value) == text


# --- refusals ------------------------------------------------------------------------------------


def test_no_header_in_the_first_rows_is_refused(tmp_path):
    text = "教师名册\n" + "说明：请使用模板\n" + "身份证号,姓名\n" + f"{ID_1},张三\n"

    assert rejection(write_csv(tmp_path, text)) == [
        Problem("header_not_found", params={"searched": "4", "expected": "身份证号、姓名、学校标识码"})
    ]


def test_header_below_row_twenty_is_not_searched_for(tmp_path):
    path = write_xlsx(tmp_path, {"Sheet1": [["标题"]] * 20 + [HEADER_ZH.split(","), [ID_1, "张三"]]})

    assert rejection(path) == [
        Problem(
            "header_not_found", params={"searched": "20", "expected": "身份证号、姓名、学校标识码", "sheet": "Sheet1"}
        )
    ]


def test_each_missing_required_column_is_named(tmp_path):
    text = f"身份证号,姓名,学校标识码,性别\n{ID_1},张三,4502010001,男\n"

    assert rejection(write_csv(tmp_path, text)) == [
        Problem("column_missing", column="tier", params={"column_zh": "骨干层级", "column": "tier"}),
        Problem(
            "column_missing",
            column="current_school_since",
            params={"column_zh": "现校任教起始日期", "column": "current_school_since"},
        ),
    ]


@pytest.mark.parametrize("text", ["", "\ufeff", "\r\n\r\n"], ids=["zero-bytes", "bom-only", "blank-lines"])
@pytest.mark.parametrize("dataset", ["teachers", "training_records"])
def test_file_without_anything_is_empty(tmp_path, text, dataset):
    """No header either: a rejection for every dataset (cycle.md: a 0-byte file stays one)."""
    assert rejection(write_csv(tmp_path, text, "utf-8"), dataset) == [Problem("file_empty")]


@pytest.mark.parametrize(
    "text", [f"{HEADER_ZH}\r\n", f"标题\r\n{HEADER_ZH}\r\n,,,,,\r\n\r\n"], ids=["header-only", "header-then-blank-rows"]
)
def test_a_roster_with_only_its_header_is_empty(tmp_path, text):
    """cycle.md: a roster cannot be empty (the other datasets take it as "nothing to report")."""
    assert rejection(write_csv(tmp_path, text, "utf-8")) == [Problem("file_empty", params={"variant": "roster"})]


def test_workbook_with_header_only_is_empty(tmp_path):
    path = write_xlsx(tmp_path, {"教师名册": [HEADER_ZH.split(","), [None] * 6, ["", ""]]})

    assert rejection(path) == [Problem("file_empty", params={"variant": "roster"})]


def test_a_header_only_training_file_is_read_as_no_rows(tmp_path):
    header = "身份证号,姓名,培训项目编号,培训项目名称,培训级别,培训形式,开始日期,结束日期,学时,主办单位"
    table = read_table(write_csv(tmp_path, f"{header}\r\n,,,,,,,,,\r\n", "utf-8"), "training_records")
    assert table.frame.empty and table.header_row == 1


@pytest.mark.parametrize(
    ("content", "variant"),
    [(b"PK\x03\x04" + bytes(200), "damaged"), (b"\x00\x01 not a workbook at all", "not_workbook")],
    ids=["broken-zip", "not-a-zip"],
)
def test_corrupt_xlsx_is_unreadable(tmp_path, content, variant):
    path = tmp_path / "teachers.xlsx"
    path.write_bytes(content)

    [problem] = rejection(path)

    assert (problem.code, problem.params["variant"]) == ("file_unreadable", variant)
    assert "/" not in render(problem)[0]  # no library English inside the Chinese message


def test_truncated_xlsx_is_unreadable(tmp_path):
    good = write_xlsx(tmp_path, {"Sheet1": [HEADER_ZH.split(","), [ID_1, "张三", "男", "4502010001", "无", "2020"]]})
    good.write_bytes(good.read_bytes()[:1500])

    assert [p.code for p in rejection(good)] == ["file_unreadable"]


def test_the_frame_holds_text_only(tmp_path):
    table = read_table(write_csv(tmp_path, TWO_TEACHERS_CSV), "teachers")

    assert all(str(dtype) == "str" for dtype in table.frame.dtypes.iloc[1:])
    assert isinstance(table.frame.index, pd.RangeIndex)
