"""Named lists a county can act on, and only the county and the city may read (cycle.md "Who sees what").

Two lists per county for month M, with each teacher's **name** (from ``restricted_teacher_names``,
the one table that holds names), school, county, dates and hours:

- 逾期未返名单: rotation flows still away at month end whose planned return has passed (the
  ``report_rotation_overdue`` rows of M), listed under the **sending** school's county;
- 培训进度滞后名单: teachers on the county's latest roster (period ≤ M) whose hours ending since
  1 September are below ``72 × months elapsed / 12`` (the ``teachers_on_track`` rule, failed).

They are written only to ``<outbox>/<county>/lists/`` (the county clerk's folder) and, the whole
city in one workbook per list, to ``<outbox>/<city>/lists/`` for the city's data team; never under
``<reports>/`` nor into a table or view an analyst reads. A teacher whose name the restricted table
lacks is listed as （未登记姓名） with the key's first 8 characters, so the clerk can still ask.

The roster rule matches the monthly report's: a teacher on two counties' latest rosters counts
once, at the newer roster's school.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, Date, Engine, Numeric, String, bindparam, text

from teachflow.atomic_files import write_atomically
from teachflow.ingestion.feedback import safe_component
from teachflow.policy import Policy
from teachflow.reports.months import report_month
from teachflow.reports.xlsx_kit import Book, Column
from teachflow.vocabularies import FLOW_TYPE

OVERDUE_LIST = "逾期未返名单"
TRAINING_LIST = "培训进度滞后名单"

_OVERDUE_SQL = """
SELECT o.teacher_key, n.name, o.flow_type, fs.school_name AS from_school_name, fs.county_code,
       c.county_name, ts.school_name AS to_school_name, o.start_date, o.planned_end_date, o.days_overdue
FROM report_rotation_overdue o
JOIN schools fs ON fs.school_code = o.from_school_code
JOIN counties c ON c.county_code = fs.county_code
LEFT JOIN schools ts ON ts.school_code = o.to_school_code
LEFT JOIN restricted_teacher_names n ON n.teacher_key = o.teacher_key
WHERE o.period = :period
ORDER BY fs.county_code, o.days_overdue DESC, fs.school_name, o.teacher_key
"""

_TRAINING_SQL = """
WITH latest AS (
    SELECT county_code, MAX(period) AS period FROM roster_entries WHERE period <= :period GROUP BY county_code
),
listed AS (
    SELECT r.teacher_key, r.school_code,
           ROW_NUMBER() OVER (PARTITION BY r.teacher_key ORDER BY r.period DESC, r.county_code DESC) AS pick
    FROM roster_entries r JOIN latest l ON l.county_code = r.county_code AND l.period = r.period
),
hours AS (
    SELECT teacher_key, SUM(hours) AS hours, MAX(end_date) AS last_end
    FROM training_records WHERE end_date BETWEEN :sy_start AND :month_end GROUP BY teacher_key
)
SELECT li.teacher_key, n.name, s.school_name, s.county_code, c.county_name,
       COALESCE(h.hours, 0) AS hours, h.last_end
FROM listed li
JOIN schools s ON s.school_code = li.school_code
JOIN counties c ON c.county_code = s.county_code
LEFT JOIN hours h ON h.teacher_key = li.teacher_key
LEFT JOIN restricted_teacher_names n ON n.teacher_key = li.teacher_key
WHERE li.pick = 1 AND COALESCE(h.hours, 0) < :threshold
ORDER BY s.county_code, s.school_name, COALESCE(h.hours, 0), li.teacher_key
"""

OVERDUE_COLUMNS = (
    Column("name", "姓名", "text"),
    Column("from_school_name", "派出学校", "name"),
    Column("county_name", "区县", "text"),
    Column("flow_type_zh", "交流类型", "text"),
    Column("to_school_name", "接收学校", "name"),
    Column("start_date", "开始日期", "date"),
    Column("planned_end_date", "计划返回日期", "date"),
    Column("days_overdue", "逾期天数（至月末）", "int"),
)
TRAINING_COLUMNS = (
    Column("name", "姓名", "text"),
    Column("school_name", "学校", "name"),
    Column("county_name", "区县", "text"),
    Column("hours", "本学年已修学时", "hours"),
    Column("required", "截至月末应达学时", "hours"),
    Column("short", "差额（学时）", "hours"),
    Column("last_end", "最近一次培训结束日期", "date"),
)


def _date(value):
    """SQLite hands raw-SQL dates back as text; the workbook wants dates."""
    import datetime as dt

    return dt.date.fromisoformat(value) if isinstance(value, str) else value


def _name(row: dict) -> str:
    return row["name"] or f"（未登记姓名）{row['teacher_key'][:8]}"


@dataclass(frozen=True)
class NamedLists:
    overdue: list[dict]
    behind: list[dict]
    required_hours: float


def named_lists(conn: Connection, period: str, policy: Policy) -> NamedLists:
    """Both lists for the whole city (the caller splits them per county)."""
    month = report_month(period)
    required = round(month.training_threshold(policy.training_hours_per_year), 2)
    overdue = [
        {
            **r,
            "name": _name(r),
            "flow_type_zh": FLOW_TYPE.label_of(r["flow_type"]),
            "start_date": _date(r["start_date"]),
            "planned_end_date": _date(r["planned_end_date"]),
        }
        for r in conn.execute(text(_OVERDUE_SQL), {"period": period}).mappings()
    ]
    statement = text(_TRAINING_SQL).bindparams(
        bindparam("period", type_=String),
        bindparam("sy_start", type_=Date),
        bindparam("month_end", type_=Date),
        bindparam("threshold", type_=Numeric(9, 2)),
    )
    behind = []
    for r in conn.execute(
        statement,
        {"period": period, "sy_start": month.sy_start, "month_end": month.month_end, "threshold": required},
    ).mappings():
        hours = float(r["hours"])
        behind.append(
            {**r, "name": _name(r), "hours": hours, "required": required, "short": round(required - hours, 2)}
        )
    return NamedLists(overdue, behind, required)


def _write_list(path: Path, title: str, as_of: str, columns, rows: list[dict]) -> Path:
    def build(tmp: Path) -> None:
        book = Book(tmp, title)
        ws, row = book.sheet("名单", as_of=as_of, subtitle=f"共 {len(rows)} 人。受限：仅限本区县和市局工作人员使用。")
        book.table(ws, row, columns, rows, freeze_columns=1)
        book.close()

    return write_atomically(path, build)


def write_named_lists(engine: Engine, outbox: Path, period: str, policy: Policy) -> list[Path]:
    """Write both lists for every county (and the whole city for the city's team); their paths."""
    month = report_month(period)
    with engine.connect() as conn:
        lists = named_lists(conn, period, policy)
        city = conn.execute(text("SELECT county_code FROM counties WHERE is_city")).scalar()
        counties = [r[0] for r in conn.execute(text("SELECT county_code FROM counties WHERE NOT is_city"))]
    as_of = f"截至 {month.month_end.isoformat()}（{month.school_year} 学年第 {month.months_elapsed} 个月）"
    paths: list[Path] = []
    scopes = [(code, lambda r, code=code: r["county_code"] == code) for code in counties]
    if city:
        scopes.append((city, lambda r: True))
    for code, keep in scopes:
        folder = Path(outbox) / safe_component(code) / "lists"
        overdue = [r for r in lists.overdue if keep(r)]
        behind = [r for r in lists.behind if keep(r)]
        paths.append(
            _write_list(
                folder / f"{OVERDUE_LIST}_{period}.xlsx", f"{OVERDUE_LIST} {period}", as_of, OVERDUE_COLUMNS, overdue
            )
        )
        paths.append(
            _write_list(
                folder / f"{TRAINING_LIST}_{period}.xlsx",
                f"{TRAINING_LIST} {period}（应达 {lists.required_hours:g} 学时）",
                as_of,
                TRAINING_COLUMNS,
                behind,
            )
        )
    return paths
