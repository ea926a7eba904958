"""The Excel templates counties fill in, generated from the contract (one per dataset).

Each template's first sheet is the data sheet: row 1 holds the contract's Chinese headers (a
trailing "*" marks a required column; the reader strips it), vocabulary columns get a dropdown of
the Chinese labels, and code columns are formatted as text before anything is typed, so Excel never
turns an ID into ``4.50202E+17`` or drops a school code's leading zeros. There is no example row on
the data sheet (it would be submitted by mistake): the rules and an example of every column are on
the "填写说明" sheet. The dropdowns' lists live on a hidden "选项" sheet, because a list written
into the validation itself is limited to 255 characters.

Each column's own rule in Chinese (``hint_zh``), its example and the dataset's note come from its
declaration in :mod:`teachflow.datasets`; what a kind of column holds is written here once.
"""

from __future__ import annotations

from copy import copy
from pathlib import Path

from openpyxl import Workbook
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from teachflow.datasets import DATASETS, Column, Dataset
from teachflow.spreadsheet_text import neutralize_formula
from teachflow.vocabularies import VOCABULARIES

#: Rows below the header pre-formatted (text / date) cell by cell; the whole column also carries
#: the format, so rows typed further down get it in Excel too.
FORMATTED_ROWS = 5000
INSTRUCTIONS_SHEET = "填写说明"
OPTIONS_SHEET = "选项"
REQUIRED_MARK = "*"
TEXT_FORMAT = "@"
DATE_FORMAT = "yyyy-mm-dd"

#: Column kinds typed as text in the template (everything but dates and numbers).
_TEXT_KINDS = frozenset({"id_number", "name", "text", "code", "school_code", "vocab", "school_year"})

_DATES_ZH = "日期，写成 2026-10-01（也可写 2026/10/1、2026.10.01、2026年10月1日、20261001）。"

#: What each kind of column holds, in Chinese, before the column's own rule.
_KIND_RULES_ZH: dict[str, str] = {
    "id_number": "18 位居民身份证号，最后一位可以是 X。本列已设为文本格式，请勿改成数字格式。",
    "name": "教师姓名。",
    "text": "",
    "code": "编号，按文本填写，保留前导 0。",
    "school_code": "10 位学校标识码，按文本填写，保留前导 0。",
    "date": _DATES_ZH,
    "number": "数字。",
    "vocab": "从下拉列表中选择：{labels}。",
    "school_year": "学年，格式为 2025-2026。",
}

_EXAMPLE_ID = "450202198503120025"  # synthetic; a valid check character, born 1985-03-12

#: An example value by column kind, where the column declares none (nor a vocabulary).
_KIND_EXAMPLES: dict[str, str] = {
    "id_number": _EXAMPLE_ID,
    "name": "张三",
    "school_code": "2145020012",
}

_GENERAL_NOTES_ZH: tuple[str, ...] = (
    "报送位置：<报送目录>/<区县代码>/<年-月>/{file}，例如 450202/2026-10/{file}（年-月为数据所属月份）。",
    "报送时间：每月 {due_day} 日（含当天）之前报送上个月的数据。同一月份再次报送同一数据集的文件"
    "（无论 .xlsx 还是 .csv），将整体替换该月此前的报送。",
    "第一个工作表为数据表：从第 2 行起每行一条记录；请勿修改、删除表头，不要合并单元格，不要在数据下方加合计行。",
    "带 * 的列为必填。把鼠标停在表头上可以看到该列的填写规则。",
    "身份证号、学校标识码等列已设为“文本”格式。从其他表格复制时请用“选择性粘贴 → 数值”，"
    "粘贴后检查身份证号没有变成 4.50202E+17、学校标识码没有丢失前面的 0。",
    "报送后，市局系统会在 <反馈目录>/<区县代码>/<年-月>/ 下生成 {stem}.feedback.xlsx，逐行说明问题和改正方法。",
)

_HEADER_FILL = PatternFill("solid", fgColor="FFDDEBF7")
_THIN = Side(style="thin", color="FF9BB7D4")
_HEADER_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_REQUIRED_FONT = Font(bold=True, color="FFC00000")
_OPTIONAL_FONT = Font(bold=True)


def header_text(column: Column) -> str:
    """The header as the template writes it: the Chinese name, "*" after a required one."""
    return column.header_zh + (REQUIRED_MARK if column.required else "")


def rule_zh(dataset: Dataset, column: Column) -> str:
    """The column's rule in Chinese: what kind of value, then the column's own rule."""
    kind_rule = _KIND_RULES_ZH[column.kind]
    if column.vocabulary:
        kind_rule = kind_rule.format(labels="、".join(VOCABULARIES[column.vocabulary].labels_zh))
    own = column.hint_zh
    length = f"最多 {column.max_length} 个字符。" if column.max_length else ""
    text = "".join(part for part in (kind_rule, own, length) if part)
    return text or column.description


def example_of(dataset: Dataset, column: Column) -> str:
    """An example value for the instructions sheet."""
    if column.example is not None:
        return column.example
    if column.kind in _KIND_EXAMPLES:
        return _KIND_EXAMPLES[column.kind]
    if column.vocabulary:
        return VOCABULARIES[column.vocabulary].labels_zh[0]
    return ""


def write_templates(out_dir: Path, due_day: int | None = None) -> list[Path]:
    """Write ``<dataset>.xlsx`` for every dataset of the contract; returns the paths written.

    ``due_day`` (default: the setting ``TEACHFLOW_DUE_DAY``) is the day the instructions name.
    """
    if due_day is None:
        from teachflow.settings import load_settings

        due_day = load_settings().due_day
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = []
    for dataset in DATASETS.values():
        path = out_dir / f"{dataset.name}.xlsx"
        build_template(dataset, due_day).save(path)
        paths.append(path)
    return paths


def build_template(dataset: Dataset, due_day: int = 5) -> Workbook:
    """The template workbook of one dataset (data sheet, instructions sheet, hidden lists)."""
    wb = Workbook()
    data = wb.active
    data.title = dataset.title_zh
    wb.properties.title = f"{dataset.title_zh}报送模板 ({dataset.name})"
    wb.properties.creator = "teachflow"
    _fill_data_sheet(wb, data, dataset)
    _fill_instructions(wb.create_sheet(INSTRUCTIONS_SHEET), dataset, due_day)
    _fill_options(wb, data, dataset)
    wb.active = 0
    return wb


def _fill_data_sheet(wb: Workbook, ws: Worksheet, dataset: Dataset) -> None:
    ws.freeze_panes = "A2"
    ws.row_dimensions[1].height = 30
    for index, column in enumerate(dataset.columns, 1):
        letter = get_column_letter(index)
        cell = ws.cell(row=1, column=index, value=header_text(column))
        cell.font = _REQUIRED_FONT if column.required else _OPTIONAL_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
        cell.alignment = Alignment(horizontal="center", vertical="center", wrap_text=True)
        cell.comment = _header_comment(dataset, column)
        dimension = ws.column_dimensions[letter]
        dimension.width = _width(column)
        number_format = _number_format(column)
        if number_format is None:
            continue
        dimension.number_format = number_format
        first = ws.cell(row=2, column=index)
        first.number_format = number_format
        for row in range(3, FORMATTED_ROWS + 2):
            ws.cell(row=row, column=index)._style = copy(first._style)  # one style lookup, not 5,000


def _header_comment(dataset: Dataset, column: Column) -> Comment:
    required = "必填 required" if column.required else "选填 optional"
    text = f"{column.name}（{required}）\n{rule_zh(dataset, column)}\n{column.description}"
    comment = Comment(text, "teachflow")
    comment.width = 320
    comment.height = 140
    return comment


def _number_format(column: Column) -> str | None:
    if column.kind == "date":
        return DATE_FORMAT
    if column.kind in _TEXT_KINDS:
        return TEXT_FORMAT
    return None  # numbers stay General


def _width(column: Column) -> float:
    """Wide enough for the header and a typical value (a Chinese character counts two)."""
    typical = {"id_number": 22, "school_code": 14, "date": 13, "name": 10, "number": 9, "school_year": 12}
    value_width = typical.get(column.kind, 16)
    if column.vocabulary:
        value_width = max(len(label) for label in VOCABULARIES[column.vocabulary].labels_zh) * 2 + 6
    return float(max(value_width, len(header_text(column)) * 2 + 4))


def _fill_options(wb: Workbook, data: Worksheet, dataset: Dataset) -> None:
    """Hidden sheet of dropdown lists, one column per vocabulary column, named ranges over them."""
    vocab_columns = [(i, c) for i, c in enumerate(dataset.columns, 1) if c.vocabulary]
    if not vocab_columns:
        return
    options = wb.create_sheet(OPTIONS_SHEET)
    options.sheet_state = "hidden"
    for option_col, (data_col, column) in enumerate(vocab_columns, 1):
        labels = VOCABULARIES[column.vocabulary].labels_zh
        options.cell(row=1, column=option_col, value=column.header_zh)
        for row, label in enumerate(labels, 2):
            options.cell(row=row, column=option_col, value=neutralize_formula(label))
        letter = get_column_letter(option_col)
        name = list_name(column)
        wb.defined_names[name] = DefinedName(
            name, attr_text=f"'{OPTIONS_SHEET}'!${letter}$2:${letter}${len(labels) + 1}"
        )
        validation = DataValidation(
            type="list",
            formula1=name,
            allow_blank=not column.required or column.name == "tier",  # tier: blank = none
            showErrorMessage=True,
            showInputMessage=True,
            errorStyle="stop",
            errorTitle=column.header_zh,
            error=f"请从下拉列表中选择：{'、'.join(labels)}"[:255],
            promptTitle=column.header_zh[:32],
            prompt=f"从下拉列表中选择：{'、'.join(labels)}"[:255],
        )
        data_letter = get_column_letter(data_col)
        validation.add(f"{data_letter}2:{data_letter}1048576")
        data.add_data_validation(validation)


def list_name(column: Column) -> str:
    """The workbook name of a vocabulary column's dropdown list."""
    return f"list_{column.name}"


def _fill_instructions(ws: Worksheet, dataset: Dataset, due_day: int) -> None:
    file_name = f"{dataset.name}.xlsx"
    ws.column_dimensions["A"].width = 20
    ws.column_dimensions["B"].width = 22
    ws.column_dimensions["C"].width = 8
    ws.column_dimensions["D"].width = 70
    ws.column_dimensions["E"].width = 24
    title = f"《{dataset.title_zh}》填写说明（{file_name}）"
    if dataset.city_only:
        title += " —— 仅限市局使用"
    ws.cell(row=1, column=1, value=title).font = Font(bold=True, size=14)
    ws.cell(row=2, column=1, value=dataset.note_zh or dataset.description)
    row = 3
    for note in _GENERAL_NOTES_ZH:
        ws.cell(row=row, column=1, value="• " + note.format(file=file_name, stem=dataset.name, due_day=due_day))
        row += 1
    row += 1
    for col, text in enumerate(("表头", "英文列名", "必填", "填写规则", "示例"), 1):
        cell = ws.cell(row=row, column=col, value=text)
        cell.font = _OPTIONAL_FONT
        cell.fill = _HEADER_FILL
        cell.border = _HEADER_BORDER
    for column in dataset.columns:
        row += 1
        values = (
            header_text(column),
            column.name,
            "是" if column.required else "否",
            rule_zh(dataset, column),
            example_of(dataset, column),
        )
        for col, value in enumerate(values, 1):
            cell = ws.cell(row=row, column=col, value=neutralize_formula(value))
            cell.number_format = TEXT_FORMAT
            cell.alignment = Alignment(vertical="top", wrap_text=True)
        if column.required:
            ws.cell(row=row, column=1).font = _REQUIRED_FONT


SCHOOLS_SHEET = "本区县学校"


def build_county_template(dataset: Dataset, county_name: str, schools: list[tuple[str, str]]) -> Workbook:
    """The template of ``dataset`` for one county: its own schools listed on a sheet of their own.

    The portal hands these out. Codes are typed as text (leading zeros stay); a school-code column
    whose school must be the county's own (the roster's) gets a dropdown of those codes, as a
    warning only; columns that may name another county's school (flows) keep a free cell.
    """
    wb = build_template(dataset)
    ws = wb.create_sheet(SCHOOLS_SHEET)
    ws.append(["学校标识码 school_code", "学校名称 school_name"])
    for cell in ws[1]:
        cell.font = _REQUIRED_FONT
        cell.fill = _HEADER_FILL
    for code, name in schools:
        ws.append([code, name])
    for row in ws.iter_rows(min_row=2, max_col=1):
        row[0].number_format = TEXT_FORMAT
    ws.column_dimensions["A"].width = 24
    ws.column_dimensions["B"].width = 36
    wb.properties.title = f"{county_name}{dataset.title_zh}报送模板 ({dataset.name})"
    own_school_columns = {"school_code"} if dataset.name == "teachers" else set()
    data = wb.worksheets[0]
    if schools:
        for index, column in enumerate(dataset.columns, 1):
            if column.kind != "school_code" or column.name not in own_school_columns:
                continue
            letter = get_column_letter(index)
            validation = DataValidation(
                type="list",
                formula1=f"'{SCHOOLS_SHEET}'!$A$2:$A${len(schools) + 1}",
                allow_blank=not column.required,
                showErrorMessage=True,
                errorStyle="warning",
                errorTitle=column.header_zh,
                error="该学校标识码不在本区县学校名单中，请核对“本区县学校”工作表。",
            )
            validation.add(f"{letter}2:{letter}1048576")
            data.add_data_validation(validation)
    return wb
