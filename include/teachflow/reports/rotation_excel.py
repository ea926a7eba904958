"""The rotation report as an Excel workbook a bureau leader reads and prints (xlsxwriter).

Sheets: 概览 (title, 截至 line, what the data rests on, the generated summary, the headline figures
against their targets, native charts), 区县 and 教共体 (ranked, with what each still needs and the
change from last month), 全市, 趋势 (the school year so far, month by month, with a line chart),
帮扶与结对 and 帮扶活动类型 (the support-and-pairing section, :mod:`teachflow.reports.support_excel`),
逾期未返 (flows by school and teacher key — never a name or ID: names only go to the counties'
restricted lists) and 说明 (definitions and the policy figures used).
Layout, formats and print setup come from :mod:`teachflow.reports.xlsx_kit`.
"""

from __future__ import annotations

from pathlib import Path

from teachflow import calendar
from teachflow.reports.months import report_month
from teachflow.reports.rotation_labels import (
    OVERDUE_COLUMNS,
    SCOPE_SHEETS,
    definition_lines,
    policy_lines,
    scope_columns,
)
from teachflow.reports.rotation_outputs import RotationDocument
from teachflow.reports.support_excel import write_support_sheets
from teachflow.reports.support_labels import SECTION_TITLE, city_lines
from teachflow.reports.support_labels import definition_lines as support_definition_lines
from teachflow.reports.xlsx_kit import Book, Column, notes_sheet
from teachflow.vocabularies import FLOW_TYPE


def as_of_line(document: RotationDocument) -> str:
    month = report_month(document.data.period)
    computed = calendar.format_local(document.computed_at) if document.computed_at else "—"
    return (
        f"截至 {month.month_end.isoformat()}（{month.school_year} 学年第 {month.months_elapsed} 个月）；"
        f"计算于 {computed}（北京时间）；修订版次 {document.data.revision}"
    )


def _scope_records(document: RotationDocument, kind: str) -> list[dict]:
    return [
        {
            **row,
            "change_rotation_rate": row["change"]["rotation_rate"],
            "change_training_on_track_share": row["change"]["training_on_track_share"],
        }
        for row in document.view.rows[kind]
    ]


def _headline(document: RotationDocument) -> list[dict]:
    city = document.view.rows["city"][0] if document.view.rows["city"] else None
    if city is None:
        return []
    p, change = document.policy, city["change"]

    def met(flag):
        return None if flag is None else ("达标" if flag else "未达标")

    return [
        {"name": "本学年已交流教师（人）", "value": city["rotated_sy"], "change": change["rotated_sy"], "kind": "int"},
        {
            "name": "交流比例",
            "value": city["rotation_rate"],
            "change": change["rotation_rate"],
            "target": p.rotation_target,
            "met": met(city["rotation_target_met"]),
            "needed": f"还需交流 {city['rotation_needed']} 人" if city["rotation_needed"] else "",
            "kind": "pct",
        },
        {
            "name": "骨干教师占比",
            "value": city["backbone_share"],
            "change": change["backbone_share"],
            "target": p.backbone_target,
            "met": met(city["backbone_target_met"]),
            "needed": f"还需骨干教师 {city['backbone_needed']} 人" if city["backbone_needed"] else "",
            "kind": "pct",
        },
        {
            "name": "培训进度达标比例",
            "value": city["training_on_track_share"],
            "change": change["training_on_track_share"],
            "kind": "pct",
        },
        {"name": "在外交流人数", "value": city["active_out"], "change": change["active_out"], "kind": "int"},
        {"name": "逾期未返（人次）", "value": city["overdue_out"], "change": change["overdue_out"], "kind": "int"},
    ]


def _overview(
    book: Book, document: RotationDocument, as_of: str, counties: list[dict], county_sheet: str, index: dict[str, int]
) -> None:
    """The first sheet: coverage, summary, headline figures against targets, the county charts."""

    def _col(sheet: str, key: str) -> int:
        return index[key]

    ws, row = book.sheet("概览", as_of=as_of)
    ws.set_column(0, 0, 24)
    ws.set_column(1, 5, 14)
    row = book.lines(ws, row, "数据覆盖（本报告依据的报送情况）", document.coverage_lines)
    row = book.lines(ws, row, "本月摘要", document.summary)
    ws.write_string(row, 0, "主要指标（全市）", book.f_heading)
    row += 1
    header = row
    for c, text in enumerate(["指标", "本月", "较上月", "目标", "是否达标", "还需"]):
        ws.write_string(header, c, text, book.f_header)
    for r, item in enumerate(_headline(document), start=header + 1):
        kind = item["kind"]
        ws.write_string(r, 0, item["name"], book.cell["text"])
        _num(ws, r, 1, item["value"], book.cell[kind])
        _num(ws, r, 2, item["change"], book.cell["pct_change" if kind == "pct" else "int_change"])
        _num(ws, r, 3, item.get("target"), book.cell["pct"])
        ws.write_string(r, 4, item.get("met") or "", book.cell["bool"])
        ws.write_string(r, 5, item.get("needed") or "", book.cell["text"])
        if item.get("target") is not None and item["value"] is not None:
            book.colour_target(ws, r, 1, r, item["target"])
    row = header + len(_headline(document)) + 2
    row = book.lines(ws, row, f"{SECTION_TITLE}（全市）", city_lines(document.support))
    if counties:
        n = len(counties)
        first, last = 4, 3 + n  # data rows of the 区县 sheet (header on row 4, 0-based 3)
        names = [county_sheet, first, _col(county_sheet, "scope_name"), last, _col(county_sheet, "scope_name")]
        chart = book.workbook.add_chart({"type": "column"})
        chart.add_series(
            {
                "name": "交流比例",
                "categories": names,
                "values": [
                    county_sheet,
                    first,
                    _col(county_sheet, "rotation_rate"),
                    last,
                    _col(county_sheet, "rotation_rate"),
                ],
                "fill": {"color": "#4A78B5"},
                "data_labels": {"value": True, "num_format": "0.0%"},
            }
        )
        target = book.workbook.add_chart({"type": "line"})
        target.add_series(
            {
                "name": f"目标 {document.policy.rotation_target * 100:g}%",
                "categories": names,
                "values": [
                    county_sheet,
                    first,
                    _col(county_sheet, "rotation_target"),
                    last,
                    _col(county_sheet, "rotation_target"),
                ],
                "line": {"color": "#C0392B", "dash_type": "dash"},
                "marker": {"type": "none"},
            }
        )
        chart.combine(target)
        chart.set_title({"name": "各区县交流比例与目标"})
        chart.set_y_axis({"num_format": "0%", "min": 0})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 620, "height": 300})
        ws.insert_chart(row, 0, chart)
        training = book.workbook.add_chart({"type": "column"})
        training.add_series(
            {
                "name": "培训进度达标比例",
                "categories": names,
                "values": [
                    county_sheet,
                    first,
                    _col(county_sheet, "training_on_track_share"),
                    last,
                    _col(county_sheet, "training_on_track_share"),
                ],
                "fill": {"color": "#4E9A55"},
                "data_labels": {"value": True, "num_format": "0.0%"},
            }
        )
        training.set_title({"name": "各区县培训进度达标比例"})
        training.set_y_axis({"num_format": "0%", "min": 0, "max": 1})
        training.set_legend({"none": True})
        training.set_size({"width": 620, "height": 300})
        ws.insert_chart(row + 16, 0, training)


def _num(ws, row: int, col: int, value, fmt) -> None:
    if value is None:
        ws.write_blank(row, col, None, fmt)
    else:
        ws.write_number(row, col, float(value), fmt)


def _trend(book: Book, document: RotationDocument, as_of: str) -> None:
    ws, row = book.sheet("趋势", as_of=as_of, subtitle="本学年逐月，交流比例与培训进度达标比例")
    months = sorted(document.view.trend)
    scopes = [("city", r["scope_code"], r["scope_name"]) for r in document.view.rows["city"]] + [
        ("county", r["scope_code"], r["scope_name"]) for r in document.view.rows["county"]
    ]
    blocks = (
        ("rotation_rate", "交流比例", document.policy.rotation_target),
        ("training_on_track_share", "培训进度达标比例", None),
        ("backbone_share", "骨干教师占比", document.policy.backbone_target),
    )
    for key, label, target in blocks:
        ws.write_string(row, 0, f"{label}（逐月）", book.f_heading)
        row += 1
        header = row
        ws.write_string(header, 0, "月份", book.f_header)
        for c, (_, _, name) in enumerate(scopes, start=1):
            ws.write_string(header, c, name, book.f_header)
        ws.set_column(1, len(scopes), 11)
        for r, month in enumerate(months, start=header + 1):
            ws.write_string(r, 0, month, book.cell["text"])
            by_code = {(x["scope"], x["scope_code"]): x for kind in document.view.trend[month].values() for x in kind}
            for c, (kind, code, _) in enumerate(scopes, start=1):
                stored = by_code.get((kind, code))
                _num(ws, r, c, stored.get(key) if stored else None, book.cell["pct"])
        last = header + len(months)
        if target is not None and months:
            book.colour_target(ws, header + 1, 1, last, target, len(scopes))
        if key == "rotation_rate" and months:
            chart = book.workbook.add_chart({"type": "line"})
            for c, (_, _, name) in enumerate(scopes, start=1):
                chart.add_series(
                    {
                        "name": name,
                        "categories": ["趋势", header + 1, 0, last, 0],
                        "values": ["趋势", header + 1, c, last, c],
                        "marker": {"type": "circle"},
                        "line": {"width": 2.5 if c == 1 else 1.25},
                    }
                )
            chart.set_title({"name": "本学年交流比例（逐月）"})
            chart.set_y_axis({"num_format": "0%", "min": 0})
            chart.set_legend({"position": "right"})
            chart.set_size({"width": 720, "height": 300})
            ws.insert_chart(row, len(scopes) + 2, chart)
        row = max(last + 2, row + 17 if key == "rotation_rate" else last + 2)
    ws.set_column(0, 0, 10)
    ws.freeze_panes(0, 1)


def write_rotation_workbook(document: RotationDocument, path: Path) -> None:
    """Write the workbook to ``path`` (the caller makes it atomic)."""
    data, policy = document.data, document.policy
    as_of = as_of_line(document)
    book = Book(path, f"交流轮岗月报 {data.period}")
    sheets = {}
    for kind in ("county", "community", "city"):
        columns = scope_columns(policy, ranked=kind != "city")
        records = _scope_records(document, kind)
        if kind == "county":  # the target as a column: the overview chart draws its line from it
            columns.append(Column("rotation_target", "交流比例目标", "pct"))
            records = [{**r, "rotation_target": policy.rotation_target} for r in records]
        records.sort(key=lambda r: (r.get("rank") is None, r.get("rank") or 0, r["scope_code"]))
        sheets[kind] = (SCOPE_SHEETS[kind], columns, records)
    county_name, county_columns, county_records = sheets["county"]
    index = {col.key: i for i, col in enumerate(county_columns)}
    _overview(book, document, as_of, county_records, county_name, index)
    for kind in ("county", "community", "city"):
        name, columns, records = sheets[kind]
        ws, row = book.sheet(name, as_of=as_of)
        book.table(ws, row, columns, records, freeze_columns=3 if kind != "city" else 2)
    _trend(book, document, as_of)
    write_support_sheets(book, document.support, as_of)
    ws, row = book.sheet("逾期未返", as_of=as_of, subtitle=f"共 {len(data.overdue)} 人次；教师姓名见各区县受限名单")
    overdue_rows = [{**r, "flow_type_zh": FLOW_TYPE.label_of(r["flow_type"])} for r in data.overdue]
    widths = {"teacher_key": 20, "from_school_name": 24, "to_school_name": 24}
    book.table(
        ws,
        row,
        [Column(k, h, kind, width=widths.get(k)) for k, h, kind in OVERDUE_COLUMNS],
        overdue_rows,
        freeze_columns=1,
    )
    notes_sheet(
        book,
        as_of,
        [
            ("政策口径（本报告使用的设置）", policy_lines(policy)),
            ("指标定义", definition_lines(policy)),
            (f"{SECTION_TITLE}：指标定义", support_definition_lines()),
            ("数据覆盖", list(document.coverage_lines)),
        ],
    )
    book.close()
