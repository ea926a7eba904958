"""County templates: generated from the contract, with dropdowns and text-formatted code columns,
and a filled-in template reads back through the same reader that takes county files."""

from __future__ import annotations

import argparse
import datetime as dt
import shutil
from pathlib import Path

import openpyxl
import pytest

from teachflow.contract import DATASETS
from teachflow.templates import (
    DATE_FORMAT,
    FORMATTED_ROWS,
    INSTRUCTIONS_SHEET,
    OPTIONS_SHEET,
    TEXT_FORMAT,
    rule_zh,
    write_templates,
)
from teachflow.vocabularies import VOCABULARIES


@pytest.fixture(scope="module")
def template_dir(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("templates")
    paths = write_templates(folder)
    assert paths == [folder / f"{name}.xlsx" for name in DATASETS]
    return folder


_loaded: dict[Path, openpyxl.Workbook] = {}


def _load(template_dir: Path, dataset: str) -> openpyxl.Workbook:
    """Each template is loaded once per test run (the tests only read it)."""
    path = template_dir / f"{dataset}.xlsx"
    if path not in _loaded:
        _loaded[path] = openpyxl.load_workbook(path)
    return _loaded[path]


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_data_sheet_has_the_contract_headers_in_order(template_dir, dataset):
    spec = DATASETS[dataset]
    wb = _load(template_dir, dataset)

    assert wb.sheetnames[0] == spec.title_zh
    assert wb.sheetnames[1] == INSTRUCTIONS_SHEET
    ws = wb.worksheets[0]
    headers = [cell.value for cell in ws[1]]
    assert headers == [c.header_zh + ("*" if c.required else "") for c in spec.columns]
    assert [h.rstrip("*") for h in headers] == [c.header_zh for c in spec.columns]
    assert ws.freeze_panes == "A2"
    for index, column in enumerate(spec.columns, 1):
        header = ws.cell(row=1, column=index)
        assert header.comment.text.startswith(column.name)
        assert column.description in header.comment.text
        assert (header.font.color is not None and header.font.color.rgb == "FFC00000") is column.required
    # Nothing but the header holds a value: no example row to be submitted by mistake.
    assert all(cell.value is None for row in ws.iter_rows(min_row=2) for cell in row)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_vocabulary_columns_have_a_dropdown_of_every_label(template_dir, dataset):
    spec = DATASETS[dataset]
    wb = _load(template_dir, dataset)
    ws = wb.worksheets[0]
    options = wb[OPTIONS_SHEET] if OPTIONS_SHEET in wb.sheetnames else None

    validations = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    vocab_columns = [(i, c) for i, c in enumerate(spec.columns, 1) if c.vocabulary]
    assert len(validations) == len(vocab_columns)
    for index, column in vocab_columns:
        letter = openpyxl.utils.get_column_letter(index)
        dv = validations[f"{letter}2:{letter}1048576"]
        assert dv.type == "list"
        assert dv.errorStyle == "stop"
        target = wb.defined_names[dv.formula1].attr_text  # e.g. '选项'!$C$2:$C$6
        sheet_name, cells = target.split("!")
        assert sheet_name.strip("'") == OPTIONS_SHEET
        labels = [row[0].value for row in options[cells.replace("$", "")]]
        assert labels == list(VOCABULARIES[column.vocabulary].labels_zh)
    if options is not None:
        assert options.sheet_state == "hidden"


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_code_columns_are_text_and_date_columns_are_dates(template_dir, dataset):
    spec = DATASETS[dataset]
    ws = _load(template_dir, dataset).worksheets[0]

    for index, column in enumerate(spec.columns, 1):
        letter = openpyxl.utils.get_column_letter(index)
        if column.kind in ("id_number", "school_code", "code"):
            expected = TEXT_FORMAT
        elif column.kind == "date":
            expected = DATE_FORMAT
        else:
            continue
        assert ws.column_dimensions[letter].number_format == expected, column.name
        for row in (2, 100, FORMATTED_ROWS + 1):
            assert ws[f"{letter}{row}"].number_format == expected, (column.name, row)


def test_teachers_template_formats_id_and_school_code_as_text(template_dir):
    ws = _load(template_dir, "teachers").worksheets[0]
    assert ws["A2"].number_format == "@"  # 身份证号
    assert ws["E2"].number_format == "@"  # 学校标识码
    assert ws["J2"].number_format == "yyyy-mm-dd"  # 现校任教起始日期


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_instructions_sheet_lists_every_column_with_its_chinese_rule(template_dir, dataset):
    spec = DATASETS[dataset]
    ws = _load(template_dir, dataset)[INSTRUCTIONS_SHEET]
    rows = [tuple(row) for row in ws.iter_rows(values_only=True)]

    start = rows.index(("表头", "英文列名", "必填", "填写规则", "示例"))
    table = rows[start + 1 : start + 1 + len(spec.columns)]
    assert [r[1] for r in table] == list(spec.column_names)
    assert [r[2] for r in table] == ["是" if c.required else "否" for c in spec.columns]
    assert [r[3] for r in table] == [rule_zh(spec, c) for c in spec.columns]
    assert all(r[3] and r[4] for r in table)  # a rule and an example for every column
    city_only_note = "仅限市局使用" in rows[0][0]
    assert city_only_note is spec.city_only


def test_vocab_rule_names_every_label():
    spec = DATASETS["training_records"]
    assert rule_zh(spec, spec.column("mode")) == "从下拉列表中选择：集中培训、跟岗实践、网络研修。"


def test_command_writes_templates_to_the_data_dir_by_default(capsys, monkeypatch, tmp_path):
    from teachflow.commands import templates as command

    written: list[Path] = []

    def fake_write(folder: Path) -> list[Path]:
        written.append(folder)
        return [folder / "teachers.xlsx"]

    monkeypatch.setattr("teachflow.templates.write_templates", fake_write)
    parser = argparse.ArgumentParser()
    command.register(parser.add_subparsers(dest="command"))

    args = parser.parse_args(["templates"])
    assert args.func(args) == 0
    args = parser.parse_args(["templates", "--out", str(tmp_path / "elsewhere")])
    assert args.func(args) == 0

    data_dir = tmp_path / "data"  # the autouse fixture's TEACHFLOW_DATA_DIR
    assert written == [data_dir / "templates", tmp_path / "elsewhere"]
    assert capsys.readouterr().out.splitlines() == [
        str(data_dir / "templates" / "teachers.xlsx"),
        str(tmp_path / "elsewhere" / "teachers.xlsx"),
    ]


def test_filled_template_reads_back_through_the_reader(template_dir, tmp_path):
    reading = pytest.importorskip("teachflow.ingestion.reading")
    path = tmp_path / "teachers.xlsx"
    shutil.copy(template_dir / "teachers.xlsx", path)
    wb = openpyxl.load_workbook(path)
    ws = wb.worksheets[0]
    rows = [
        ("450202198503120025", "张三", "女", dt.date(1985, 3, 12), "0145020012", "数学", "一级", "骨干教师",
         dt.date(2007, 9, 1), dt.date(2019, 9, 1)),
        ("450203199007151042", "李四", "男", None, "0145020047", None, None, None, None, "2020-09-01"),
    ]  # fmt: skip
    for r, values in enumerate(rows, 2):
        for c, value in enumerate(values, 1):
            ws.cell(row=r, column=c, value=value)
    wb.save(path)

    raw = reading.read_table(path, "teachers")

    assert raw.file_format == "xlsx"
    assert raw.header_row == 1
    frame = raw.frame
    assert list(frame["_row"]) == [2, 3]
    assert list(frame.columns) == ["_row", *DATASETS["teachers"].column_names]
    assert list(frame["id_number"]) == ["450202198503120025", "450203199007151042"]
    assert list(frame["school_code"]) == ["0145020012", "0145020047"]
    assert list(frame["tier"].fillna("<NA>")) == ["骨干教师", "<NA>"]
    assert list(frame["birth_date"].fillna("<NA>")) == ["1985-03-12", "<NA>"]
    assert list(frame["current_school_since"]) == ["2019-09-01", "2020-09-01"]
