"""Chinese labels of the rotation report's columns and scopes, shared by the Excel and HTML outputs."""

from __future__ import annotations

from teachflow.policy import Policy
from teachflow.reports.xlsx_kit import Column

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


def scope_columns(policy: Policy, *, ranked: bool) -> list[Column]:
    """The scope sheets' columns: rank, the stored figures, what is still needed, the change of the rate."""
    targets = {"rotation_rate": policy.rotation_target, "backbone_share": policy.backbone_target}
    columns = [Column("rank", "名次", "int")] if ranked else []
    for key, header, kind in MONTHLY_COLUMNS:
        width = 26 if key == "scope_name" else None
        columns.append(Column(key, header, kind, targets.get(key), width))
        if key == "rotation_target_met":
            columns.append(Column("rotation_needed", "本学年还需交流人数", "int"))
        if key == "backbone_target_met":
            columns.append(Column("backbone_needed", "还需交流骨干教师数", "int"))
    columns.append(Column("change_rotation_rate", "交流比例较上月", "pct_change"))
    columns.append(Column("change_training_on_track_share", "培训达标比例较上月", "pct_change"))
    return columns


def yes_no(value: bool | None) -> str:
    """是 / 否, blank where the figure is blank (no one eligible or rotated)."""
    if value is None:
        return ""
    return "是" if value else "否"


def policy_lines(policy: Policy) -> list[str]:
    """The policy figures used, in one place for the Excel notes and the HTML (Settings are the source)."""
    return [
        f"交流条件：学年初（9 月 1 日）在现学校任教满 {policy.eligibility_years} 年。",
        f"交流比例目标：{policy.rotation_target * 100:g}%（本学年已交流教师 / 符合交流条件教师）。",
        f"骨干教师占比目标：{policy.backbone_target * 100:g}%（已交流教师中骨干教师、学科带头人、名师所占比例）。",
        f"培训学时要求：每学年 {policy.training_hours_per_year:g} 学时；月报按已过月数折算"
        f"（{policy.training_hours_per_year:g} × 已过月数 / 12，9 月为第 1 个月）。",
    ]


def definition_lines(policy: Policy) -> list[str]:
    """How each figure is defined (reports.md), for the notes of the Excel and the HTML."""
    return [
        "在外交流人数：月末仍在交流（开始日期不晚于月末、未返回或返回日期晚于月末）的轮岗类交流，按派出学校计。",
        "逾期未返：在外交流且计划返回日期早于月末的交流（未报告返回）。",
        f"符合交流条件教师：最新名册（期次不晚于本月）中学年初在现学校满 {policy.eligibility_years} 年的教师。",
        "本学年还需交流人数 = max(0, ⌈目标 × 符合条件教师数⌉ − 已交流教师数)；"
        "还需骨干教师数同理，以已交流教师数为基数。",
        "较上月：本月数值减上月数值；9 月为学年第一个月，学年累计指标不与上一学年比较。",
        "名次：按交流比例从高到低，无数据者列后，并列者名次相同（1、2、2、4）。",
        "区县名册缺报时沿用该区县期次不晚于本月的最近一期名册（见“数据覆盖”）。",
        "工作簿中不含教师姓名和身份证号；逾期未返和培训进度滞后的教师名单只发给各区县和市局（受限）。",
    ]
