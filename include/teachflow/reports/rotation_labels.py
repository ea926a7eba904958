"""Chinese labels of the rotation report's columns and scopes, shared by the Excel and HTML outputs."""

from __future__ import annotations

SCOPE_SHEETS = {"city": "全市", "county": "区县", "community": "教共体"}

#: (column, Chinese header, kind) in the order a bureau reads them; kind drives the cell format.
MONTHLY_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("scope_code", "代码", "text"),
    ("scope_name", "名称", "text"),
    ("active_out", "在外交流人数(派出)", "int"),
    ("active_in", "交流在岗人数(接收)", "int"),
    ("started_out", "本月新派出", "int"),
    ("ended_out", "本月返回", "int"),
    ("overdue_out", "逾期未返", "int"),
    ("transfers_in", "本月调入", "int"),
    ("transfers_out", "本月调出", "int"),
    ("eligible_teachers", "符合交流条件教师数", "int"),
    ("rotated_sy", "本学年已交流教师数", "int"),
    ("rotation_rate", "交流比例", "pct"),
    ("rotation_target_met", "交流比例达标", "bool"),
    ("backbone_rotated_sy", "其中骨干教师数", "int"),
    ("backbone_share", "骨干教师占比", "pct"),
    ("backbone_target_met", "骨干占比达标", "bool"),
    ("training_hours_month", "本月培训学时", "hours"),
    ("training_person_times_month", "本月培训人次", "int"),
    ("roster_teachers", "在册教师数", "int"),
    ("teachers_on_track", "培训进度达标教师数", "int"),
    ("training_on_track_share", "培训进度达标比例", "pct"),
    ("revision", "修订版次", "int"),
)

OVERDUE_COLUMNS: tuple[tuple[str, str, str], ...] = (
    ("teacher_key", "教师标识(脱敏)", "text"),
    ("flow_type_zh", "交流类型", "text"),
    ("from_school_code", "派出学校代码", "text"),
    ("from_school_name", "派出学校", "text"),
    ("to_school_code", "接收学校代码", "text"),
    ("to_school_name", "接收学校", "text"),
    ("start_date", "开始日期", "date"),
    ("planned_end_date", "计划返回日期", "date"),
    ("days_overdue", "逾期天数", "int"),
)


def yes_no(value: bool | None) -> str:
    """是 / 否, blank where the figure is blank (no one eligible or rotated)."""
    if value is None:
        return ""
    return "是" if value else "否"
