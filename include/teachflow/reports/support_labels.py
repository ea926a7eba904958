"""Labels and sentences of the monthly report's 帮扶与结对 section, shared by the Excel and HTML outputs.

Chinese first, with the English twin: headers read ``在结对数`` over ``Pairings active`` (a line
break in Excel, a space in HTML); activity types and modes read ``示范课 Demonstration lesson``.
The sentences (city lines, definitions) are Chinese, like the rest of the report.
"""

from __future__ import annotations

from teachflow.datasets.support_activities import ACTIVITY_MODE, ACTIVITY_TYPE
from teachflow.reports.support import SupportReportData
from teachflow.reports.xlsx_kit import Column

SECTION_TITLE = "帮扶与结对 Support and pairing"
SCOPES_SHEET, TYPES_SHEET = "帮扶与结对", "帮扶活动类型"

SCOPE_KIND = {"city": "全市 City", "county": "区县 County", "community": "教共体 Community"}

ACTIVITY_TYPE_EN = {
    "lesson_observation": "Lesson observation",
    "demonstration_lesson": "Demonstration lesson",
    "open_lesson": "Open lesson",
    "lecture": "Lecture",
    "joint_research": "Joint research",
    "joint_lesson_prep": "Joint lesson preparation",
    "guidance": "Teaching guidance",
    "outreach": "Outreach teaching",
    "teacher_training": "Teacher training",
}
MODE_EN = {"onsite": "Onsite", "online": "Online"}

#: (column, Chinese header, English twin, kind): the per-scope figures in the order a bureau reads them.
SUPPORT_FIGURES: tuple[tuple[str, str, str, str], ...] = (
    ("pairings_active", "在结对数", "Pairings active", "int"),
    ("pairings_started", "本月新结对", "Started in M", "int"),
    ("pairings_ended", "本月结束结对", "Ended in M", "int"),
    ("pairings_overdue", "超期未结束", "Past planned end", "int"),
    ("mentors_active", "在带导师数", "Mentors", "int"),
    ("mentees_active", "结对教师数", "Mentees", "int"),
    ("activities_month", "本月受援活动", "Activities received", "int"),
    ("activities_given_month", "本月送出活动", "Activities given", "int"),
    ("person_times_month", "本月参与人次", "Person-times", "int"),
    ("periods_month", "本月节数/学时", "Lessons / hours", "hours"),
    ("online_share", "线上占比", "Online share", "pct"),
    ("activities_sy", "本学年受援活动", "Activities, school year", "int"),
    ("person_times_sy", "本学年参与人次", "Person-times, school year", "int"),
)


def header(zh: str, en: str) -> str:
    """``中文`` over ``English`` (Excel wraps at the line break; HTML shows a space)."""
    return f"{zh}\n{en}"


def activity_type_label(code: str) -> str:
    return f"{ACTIVITY_TYPE.label_of(code)} {ACTIVITY_TYPE_EN.get(code, code)}"


def mode_label(code: str) -> str:
    return f"{ACTIVITY_MODE.label_of(code)} {MODE_EN.get(code, code)}"


def scope_columns(*, with_kind: bool = True) -> list[Column]:
    """The 帮扶与结对 table: the scope, then every stored figure, then the revision."""
    columns = [Column("scope_kind", header("范围", "Scope"), "text", width=13)] if with_kind else []
    columns += [
        Column("scope_code", header("代码", "Code"), "text"),
        Column("scope_name", header("名称", "Name"), "text", width=26),
    ]
    columns += [Column(key, header(zh, en), kind, width=13) for key, zh, en, kind in SUPPORT_FIGURES]
    columns.append(Column("revision", header("修订版次", "Revision"), "int"))
    return columns


def type_columns() -> list[Column]:
    """The 帮扶活动类型 table: M's activities by scope (target side), type and mode."""
    return [
        Column("scope_kind", header("范围", "Scope"), "text", width=13),
        Column("scope_code", header("代码", "Code"), "text"),
        Column("scope_name", header("名称", "Name"), "text", width=26),
        Column("activity_type_label", header("活动类型", "Activity type"), "text", width=26),
        Column("mode_label", header("活动形式", "Mode"), "text", width=12),
        Column("activities", header("活动数", "Activities"), "int", width=12),
        Column("person_times", header("参与人次", "Person-times"), "int", width=13),
        Column("periods", header("节数/学时", "Lessons / hours"), "hours", width=13),
    ]


def scope_records(data: SupportReportData) -> list[dict]:
    """Every scope's row, city first, then counties and communities by code."""
    return [
        {**row, "scope_kind": SCOPE_KIND[kind]} for kind in ("city", "county", "community") for row in data.rows[kind]
    ]


def type_records(data: SupportReportData) -> list[dict]:
    return [
        {
            **row,
            "scope_kind": SCOPE_KIND[kind],
            "activity_type_label": activity_type_label(row["activity_type"]),
            "mode_label": mode_label(row["mode"]),
        }
        for kind in ("city", "county", "community")
        for row in data.by_type[kind]
    ]


def city_by_type(data: SupportReportData) -> list[tuple[str, int]]:
    """The city's activities of M per type (Chinese label: charts cut long labels), both modes added,
    most frequent first."""
    totals: dict[str, int] = {}
    for row in data.by_type["city"]:
        totals[row["activity_type"]] = totals.get(row["activity_type"], 0) + int(row["activities"])
    return sorted(((ACTIVITY_TYPE.label_of(t), n) for t, n in totals.items()), key=lambda item: (-item[1], item[0]))


def city_lines(data: SupportReportData) -> list[str]:
    """Two sentences on the city's pairings and activities (for the overview and the page)."""
    if not data.computed:
        return ["本月报计算时尚无帮扶与结对部分，请重新运行本月月报。"]
    city = data.rows["city"][0] if data.rows["city"] else None
    if city is None:
        return ["本月报没有全市的帮扶与结对数据。"]
    share = city["online_share"]
    online = "" if share is None else f"，其中线上 {float(share) * 100:.1f}%"
    return [
        f"月末在结对 {city['pairings_active']} 对（本月新结对 {city['pairings_started']} 对、结束 "
        f"{city['pairings_ended']} 对、超过计划结束日期仍未结束 {city['pairings_overdue']} 对）；"
        f"在带导师 {city['mentors_active']} 人，结对教师 {city['mentees_active']} 人。",
        f"本月帮扶活动 {city['activities_month']} 次，参与 {city['person_times_month']:,} 人次、"
        f"{float(city['periods_month']):g} 节/学时{online}；本学年累计 {city['activities_sy']} 次、"
        f"{city['person_times_sy']:,} 人次。",
    ]


def definition_lines() -> list[str]:
    """How each figure of the section is defined (practices.md §1, §6), for the notes."""
    return [
        "结对：开始日期不晚于当日、未填实际结束日期或实际结束日期晚于当日，即为当日在结对；月报以月末计。",
        "结对按导师学校和结对教师学校计入各自所在的范围，同一范围内只计一次；两个区县都报送的结对合并为一条。",
        "本月新结对、本月结束结对：开始日期、实际结束日期在本月。超期未结束：月末在结对且计划结束日期早于月末。",
        "在带导师数、结对教师数：月末在结对的导师、结对教师（按其本人学校计），每人只计一次。",
        "受援活动按受援学校计（本月受援活动、参与人次、节数/学时、线上占比、本学年累计）；"
        "送出活动按主讲教师学校计。同一范围内的两所学校之间的活动，两边都计。",
        "线上占比 = 本月线上受援活动数 / 本月受援活动数（本月无活动时为空）。本学年累计自 9 月 1 日至月末。",
        "帮扶活动类型表：本月受援活动按范围、活动类型和活动形式汇总，只列出现的组合。",
    ]
