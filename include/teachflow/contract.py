"""The county-submission contract, declared once (spec: submissions.md).

Each dataset lists its columns with the English name, the Chinese template header, the kind of
value, whether it is required and its vocabulary. The parser, the Great Expectations suites, the
county templates, the sample generator and the data dictionary all read this module, so a column
is added or renamed in exactly one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnKind = Literal[
    "id_number",  # 18-character resident ID; hashed to teacher_key, never stored
    "name",  # a person's name; only ever stored in the restricted table
    "text",
    "code",  # an identifier kept as text (leading zeros matter)
    "school_code",  # 10-digit school identifier
    "date",
    "number",
    "vocab",  # one of a vocabulary's codes (vocabularies.py)
    "school_year",  # "2025-2026"
]


@dataclass(frozen=True)
class Column:
    """One column of a dataset as counties send it."""

    name: str
    header_zh: str
    kind: ColumnKind
    required: bool = False
    vocabulary: str | None = None
    description: str = ""
    aliases: tuple[str, ...] = ()  # further headers seen in county exports
    #: Longest text the warehouse keeps (its column width); longer cells are row problems, not a
    #: failed load. tests/test_warehouse_schema.py checks these against the warehouse columns.
    max_length: int | None = None

    @property
    def headers(self) -> tuple[str, ...]:
        """Every header that names this column: English, Chinese, and known variants."""
        return (self.name, self.header_zh, *self.aliases)


@dataclass(frozen=True)
class Dataset:
    """One kind of submission: its columns, natural key and how many bad rows it tolerates."""

    name: str
    title_zh: str
    columns: tuple[Column, ...]
    natural_key: tuple[str, ...]
    #: Share of bad rows above which the whole file is rejected (teachers: none allowed).
    max_bad_row_share: float = 0.05
    #: Only the city's own folder may send this dataset.
    city_only: bool = False
    description: str = ""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def required_columns(self) -> tuple[Column, ...]:
        return tuple(c for c in self.columns if c.required)

    def column(self, name: str) -> Column:
        for col in self.columns:
            if col.name == name:
                return col
        raise KeyError(f"dataset {self.name!r} has no column {name!r}")


TEACHERS = Dataset(
    name="teachers",
    title_zh="教师名册",
    description="The county's full roster for the month: a snapshot that replaces the previous one.",
    natural_key=("id_number",),
    max_bad_row_share=0.0,
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("name", "姓名", "name", True, description="Teacher's name (restricted)", max_length=64),
        Column("gender", "性别", "vocab", vocabulary="gender", description="男/女 or M/F"),
        Column("birth_date", "出生日期", "date", description="Must equal the date inside the ID"),
        Column("school_code", "学校标识码", "school_code", True, description="A school of this county"),
        Column("subject", "任教学科", "text", description="Subject taught", max_length=64),
        Column("title", "职称", "vocab", vocabulary="title", description="Professional title"),
        Column("tier", "骨干层级", "vocab", True, vocabulary="tier", description="Blank = none"),
        Column("employment_start", "参加工作日期", "date", description="Date of first employment"),
        Column(
            "current_school_since",
            "现校任教起始日期",
            "date",
            True,
            description="Start of teaching at the current school; not after the period's end",
            aliases=("现学校任教起始日期", "本校任教起始日期"),
        ),
    ),
)

TEACHER_FLOWS = Dataset(
    name="teacher_flows",
    title_zh="教师交流轮岗",
    description="Stays of teachers at other schools, open or closed.",
    natural_key=("id_number", "to_school_code", "start_date"),
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("name", "姓名", "name", description="Teacher's name (restricted)", max_length=64),
        Column("flow_type", "交流类型", "vocab", True, vocabulary="flow_type", description="Type of flow"),
        Column("from_school_code", "派出学校标识码", "school_code", True, description="Sending school"),
        Column(
            "to_school_code", "接收学校标识码", "school_code", True, description="Receiving school, not the sending one"
        ),
        Column("start_date", "开始日期", "date", True, description="First day at the receiving school"),
        Column("planned_end_date", "计划结束日期", "date", description="Required unless transfer; not before start"),
        Column("actual_end_date", "实际结束日期", "date", description="Blank while still away; not before start"),
    ),
)

TRAINING_RECORDS = Dataset(
    name="training_records",
    title_zh="教师培训记录",
    description="Training attended, one row per teacher and programme.",
    natural_key=("id_number", "program_code", "start_date"),
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("name", "姓名", "name", description="Teacher's name (restricted)", max_length=64),
        Column("program_code", "培训项目编号", "code", True, description="Programme code", max_length=64),
        Column("program_name", "培训项目名称", "text", description="Programme name", max_length=256),
        Column("level", "培训级别", "vocab", True, vocabulary="training_level", description="Level of the programme"),
        Column("mode", "培训形式", "vocab", True, vocabulary="training_mode", description="Form of training"),
        Column("start_date", "开始日期", "date", True, description="First day"),
        Column("end_date", "结束日期", "date", True, description="Last day; in the period's month"),
        Column("hours", "学时", "number", True, description="Class periods (学时), 0 < hours <= 200"),
        Column("organizer", "主办单位", "text", description="Organizing body", max_length=256),
    ),
)

ASSESSMENT_RATINGS = Dataset(
    name="assessment_ratings",
    title_zh="考核评分",
    description="The city's evaluators' scores for the joint assessment (city folder only).",
    natural_key=("school_code", "school_year", "indicator_code", "evaluator_group", "evaluator_id"),
    city_only=True,
    columns=(
        Column("school_code", "学校标识码", "school_code", True, description="Rated school"),
        Column("school_year", "学年", "school_year", True, description="e.g. 2025-2026"),
        Column(
            "indicator_code",
            "指标代码",
            "code",
            True,
            description="A rated indicator of the scoring model",
            max_length=16,
        ),
        Column(
            "evaluator_group", "评议主体", "vocab", True, vocabulary="evaluator_group", description="Evaluator group"
        ),
        Column("evaluator_id", "评议人编号", "code", True, description="Evaluator's number", max_length=32),
        Column("score", "分数", "number", True, description="0..100"),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (TEACHERS, TEACHER_FLOWS, TRAINING_RECORDS, ASSESSMENT_RATINGS)}

#: Datasets a county folder may hold (the city folder also takes the city-only ones).
COUNTY_DATASETS: tuple[str, ...] = tuple(d.name for d in DATASETS.values() if not d.city_only)

#: File extensions the landing zone accepts.
FILE_FORMATS: tuple[str, ...] = ("csv", "xlsx")

#: Reference files kept by the city, with their exact headers (UTF-8 CSV).
REFERENCE_FILES: dict[str, tuple[str, ...]] = {
    "counties": ("county_code", "county_name"),
    "schools": ("school_code", "school_name", "county_code", "location", "stage"),
    "communities": ("community_code", "community_name", "school_code", "role"),
}


def is_city_code(county_code: str) -> bool:
    """The city's own 6-digit code ends in 00 (e.g. 450200); its counties' codes do not."""
    return len(county_code) == 6 and county_code.isdigit() and county_code.endswith("00")
