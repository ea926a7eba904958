"""What a report rests on: each county's expected submissions, their status, and refusals.

``../shared/spec/cycle.md`` ("Coverage of a report"): every monthly report and every assessment
says, per county and dataset, the status at the moment it was computed, whether it was late, and
which roster stands in when a county's roster is missing; its first lines say in plain Chinese
what is missing. A report for a month after today, or a month no county has sent data for, is
refused with a one-line reason (:class:`ReportRefused`), so nobody reads "259 overdue flows, 0 %
on track" off an empty month.

The statuses come from :mod:`teachflow.submission_status` (one derivation for the portal, the
digest and the reports); this module adds the stand-in roster, the plain sentences and the
``report_coverage`` rows.

Decisions where the spec is silent:
- "Sent data for month M" means a ledger row of a county dataset for period M that was accepted
  at some time (``accepted`` or ``superseded``); a month holding only rejected files is refused.
- The current month may be reported (a mid-month look); only months starting after today are future.
- An assessment's coverage lists every period of the school year up to the month before the run
  (the current month is not due yet), collapsed per county and dataset into one sentence each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, delete, func, insert, select

from teachflow import calendar
from teachflow.datasets import DATASETS
from teachflow.submission_status import SubmissionStatus, statuses
from teachflow.warehouse.schema import counties, report_coverage, roster_entries, submissions

#: Ledger statuses of a file that was accepted (perhaps replaced by a newer one since).
_ACCEPTED_EVER = ("accepted", "superseded")

#: The datasets the reports rest on: the registry's that feed the monthly report (not the city-only ones).
COUNTY_DATASETS: tuple[str, ...] = tuple(
    name for name, dataset in DATASETS.items() if dataset.feeds_rotation_report and not dataset.city_only
)


class ReportRefused(ValueError):
    """A report that must not be produced; the message is one line, Chinese then English."""


def dataset_zh(dataset: str) -> str:
    return DATASETS[dataset].title_zh if dataset in DATASETS else dataset


@dataclass(frozen=True)
class CoverageRow:
    county_code: str
    county_name: str
    status: SubmissionStatus
    #: teachers only: the earlier roster used in place of this period's (None: this period's is in,
    #: or there is no roster at all — see ``has_roster``).
    stand_in_period: str | None = None
    has_roster: bool = True

    @property
    def period(self) -> str:
        return self.status.period

    @property
    def dataset(self) -> str:
        return self.status.dataset

    @property
    def is_complete(self) -> bool:
        """On time and whole: nothing to say about it."""
        return self.status.status == "accepted" and not self.status.late


@dataclass(frozen=True)
class Coverage:
    """The coverage block of one report."""

    report: str  # rotation | assessment
    report_key: str  # YYYY-MM or YYYY-YYYY
    computed_at: dt.datetime
    rows: tuple[CoverageRow, ...]
    lines_zh: tuple[str, ...]

    @property
    def complete(self) -> bool:
        return all(r.is_complete for r in self.rows)


def _county_names(conn: Connection) -> dict[str, str]:
    query = select(counties.c.county_code, counties.c.county_name).where(counties.c.is_city.is_(False))
    return {code: name for code, name in conn.execute(query)}


def _latest_roster_periods(conn: Connection, up_to: str) -> dict[str, str]:
    """county -> the latest roster period ≤ ``up_to``."""
    rows = conn.execute(
        select(roster_entries.c.county_code, func.max(roster_entries.c.period))
        .where(roster_entries.c.period <= up_to)
        .group_by(roster_entries.c.county_code)
    )
    return dict(rows.all())


def _has_accepted_data(conn: Connection, periods: Sequence[str]) -> bool:
    found = conn.execute(
        select(submissions.c.submission_id)
        .where(
            submissions.c.period.in_(list(periods)),
            submissions.c.dataset.in_(list(COUNTY_DATASETS)),
            submissions.c.status.in_(_ACCEPTED_EVER),
        )
        .limit(1)
    ).first()
    return found is not None


def check_month_reportable(conn: Connection, period: str, *, today: dt.date | None = None) -> None:
    """Raise :class:`ReportRefused` for a month after today or a month without any county's data."""
    today = today or calendar.today_local()
    if calendar.month_start(period) > today:
        raise ReportRefused(
            f"{period} 尚未到来，不能出月报（今天是 {today.isoformat()}）。"
            f" / {period} is in the future (today is {today.isoformat()}): no report."
        )
    if not _has_accepted_data(conn, [period]):
        raise ReportRefused(
            f"尚无任何区县报送 {period} 的数据，不出月报。 / No county has sent data for {period} yet: no report."
        )


def check_year_scorable(conn: Connection, year: calendar.SchoolYear, *, today: dt.date | None = None) -> None:
    """Raise :class:`ReportRefused` for a school year not begun or without any county's data."""
    today = today or calendar.today_local()
    if year.start > today:
        raise ReportRefused(
            f"{year} 学年尚未开始，不能考核（今天是 {today.isoformat()}）。"
            f" / School year {year} has not begun (today is {today.isoformat()}): no assessment."
        )
    if not _has_accepted_data(conn, year.periods):
        raise ReportRefused(
            f"尚无任何区县报送 {year} 学年的数据，不能考核。 / No county has sent data for school year {year}: "
            "no assessment."
        )


def _rows(conn: Connection, periods: Sequence[str], at: dt.datetime, due_day: int) -> list[CoverageRow]:
    names = _county_names(conn)
    found = statuses(conn, periods, at=at, due_day=due_day, datasets=COUNTY_DATASETS)
    out: list[CoverageRow] = []
    latest_by_period = {p: _latest_roster_periods(conn, p) for p in sorted(set(periods))}
    for st in found:
        stand_in, has_roster = None, True
        if st.dataset == "teachers":
            latest = latest_by_period[st.period].get(st.county_code)
            has_roster = latest is not None
            if latest is not None and latest < st.period:
                stand_in = latest
        out.append(CoverageRow(st.county_code, names.get(st.county_code, st.county_code), st, stand_in, has_roster))
    return out


def _phrase(row: CoverageRow) -> str | None:
    """What is wrong with one submission, without the county and period (None when it is simply in)."""
    st = row.status
    what = dataset_zh(row.dataset)
    stand_in = ""
    if row.dataset == "teachers" and st.status in ("pending", "missing", "rejected", "processing"):
        if row.stand_in_period:
            stand_in = f"，沿用 {row.stand_in_period} 名册"
        elif not row.has_roster:
            stand_in = "，且无更早名册可沿用（该区县教师不计入）"
    due = calendar.format_local(st.due_at - dt.timedelta(minutes=1))
    match st.status:
        case "missing":
            return f"{what}逾期未报（截止 {due}）{stand_in}"
        case "pending":
            return f"{what}待报送（截止 {due}）{stand_in}"
        case "rejected":
            return f"{what}已退回，无可用数据{stand_in}"
        case "processing":
            return f"{what}处理中{stand_in}"
        case "rejected_previous_in_force":
            return f"{what}最新文件已退回，沿用此前已入库的文件"
        case "accepted_with_rejections":
            return f"{what}部分入库（{st.rows_rejected or 0} 行未入库）"
    return None


#: Order of the counties' lines: what leaves the report without data first.
_SEVERITY = {"missing": 0, "rejected": 0, "processing": 1, "pending": 1, "rejected_previous_in_force": 2}


def _lines_month(rows: Sequence[CoverageRow], period: str) -> tuple[str, ...]:
    """One sentence per county with something to say, the counties without usable data first, e.g.
    ``城东区 2026-10：教师名册逾期未报（截止 2026-11-05 23:59），沿用 2026-09 名册；迟报：培训记录。``"""
    by_county: dict[str, list[CoverageRow]] = {}
    for r in rows:
        by_county.setdefault(r.county_code, []).append(r)
    lines: list[tuple[int, str, str]] = []
    for code, county_rows in by_county.items():
        phrases = [p for p in (_phrase(r) for r in county_rows) if p]
        late = [r for r in county_rows if r.status.late]
        if late:
            received = max((r.status.received_at for r in late if r.status.received_at), default=None)
            when = f"（最晚 {calendar.format_local(received)} 收到）" if received else ""
            phrases.append("迟报：" + "、".join(dataset_zh(r.dataset) for r in late) + when)
        if phrases:
            severity = min((_SEVERITY.get(r.status.status, 3) for r in county_rows), default=3)
            name = county_rows[0].county_name
            lines.append((severity, code, f"{name} {period}：" + "；".join(phrases) + "。"))
    if not lines:
        return (f"各区县 {period} 的教师名册、交流轮岗和培训记录均已按时入库。",)
    return tuple(text for _, _, text in sorted(lines))


def period_ranges(periods: Sequence[str]) -> str:
    """``["2025-09", "2025-10", "2025-11", "2026-02"]`` -> ``2025-09 至 2025-11、2026-02``."""
    ordered = sorted(set(periods))
    runs: list[list[str]] = []
    for p in ordered:
        if runs and calendar.shift_period(runs[-1][-1], 1) == p:
            runs[-1].append(p)
        else:
            runs.append([p])
    return "、".join(r[0] if len(r) == 1 else f"{r[0]} 至 {r[-1]}" for r in runs)


def _lines_year(rows: Sequence[CoverageRow], year: calendar.SchoolYear) -> tuple[str, ...]:
    """Counties without any roster first; then each problem (missing, rejected, late) with its months,
    said once for "各区县" when every county and dataset shares it, else per county and dataset."""
    lines: list[str] = []
    counties = {r.county_code: r.county_name for r in rows}
    for code, name in sorted(counties.items()):
        rosters_in = [r for r in rows if r.county_code == code and r.dataset == "teachers"]
        if not any(r.status.in_force_submission_id for r in rosters_in):
            lines.append(f"{name}本学年未报送任何教师名册：其学校的 A1、B1 记 0 分（无名册）。")
    problems: dict[tuple[str, str, str], list[str]] = {}  # (label, county, dataset) -> periods
    for r in rows:
        if r.status.status in ("missing", "rejected"):
            problems.setdefault((r.status.status_zh, r.county_code, r.dataset), []).append(r.period)
        if r.status.late:
            problems.setdefault(("迟报", r.county_code, r.dataset), []).append(r.period)
    by_label: dict[tuple[str, tuple[str, ...]], set[tuple[str, str]]] = {}
    for (label, county, dataset), periods in problems.items():
        by_label.setdefault((label, tuple(sorted(periods))), set()).add((county, dataset))
    everyone = {(c, d) for c in counties for d in COUNTY_DATASETS}
    for (label, periods), who in sorted(by_label.items(), key=lambda item: (item[0][0] != "逾期未报", item[0])):
        when = period_ranges(periods)
        if who == everyone:
            lines.append(f"各区县三类数据 {when} {label}。")
            continue
        datasets_of: dict[str, list[str]] = {}
        for county, dataset in who:
            datasets_of.setdefault(county, []).append(dataset)
        counties_of: dict[tuple[str, ...], list[str]] = {}
        for county, datasets in datasets_of.items():
            key = tuple(d for d in COUNTY_DATASETS if d in datasets)
            counties_of.setdefault(key, []).append(county)
        for datasets, codes in sorted(counties_of.items(), key=lambda item: sorted(item[1])):
            what = "三类数据" if len(datasets) == len(COUNTY_DATASETS) else "、".join(map(dataset_zh, datasets))
            names = "、".join(counties[c] for c in sorted(codes))
            lines.append(f"{names} {what}：{when} {label}。")
    if not lines:
        return (f"{year} 学年至今各区县数据均已按时入库。",)
    return tuple(lines)


def month_coverage(conn: Connection, period: str, *, at: dt.datetime | None = None, due_day: int = 5) -> Coverage:
    """The coverage of the monthly report of ``period`` at ``at`` (default now)."""
    at = at or calendar.now_utc()
    rows = _rows(conn, [period], at, due_day)
    return Coverage("rotation", period, at, tuple(rows), _lines_month(rows, period))


def year_coverage(
    conn: Connection, year: calendar.SchoolYear, *, at: dt.datetime | None = None, due_day: int = 5
) -> Coverage:
    """The coverage of an assessment of ``year``: its periods up to the last one already due at ``at``."""
    at = at or calendar.now_utc()
    periods = [p for p in year.periods if calendar.due_at(p, due_day) <= at] or [year.first_period]
    rows = _rows(conn, periods, at, due_day)
    return Coverage("assessment", str(year), at, tuple(rows), _lines_year(rows, year))


def store_coverage(conn: Connection, coverage: Coverage) -> int:
    """Replace the report's rows in ``report_coverage`` (caller's transaction); the row count."""
    conn.execute(
        delete(report_coverage).where(
            report_coverage.c.report == coverage.report, report_coverage.c.report_key == coverage.report_key
        )
    )
    rows = [
        {
            "report": coverage.report,
            "report_key": coverage.report_key,
            "county_code": r.county_code,
            "period": r.period,
            "dataset": r.dataset,
            "status": r.status.status,
            "late": r.status.late,
            "rows_rejected": r.status.rows_rejected,
            "stand_in_period": r.stand_in_period,
            "due_at": r.status.due_at,
            "computed_at": coverage.computed_at,
        }
        for r in coverage.rows
    ]
    if rows:
        conn.execute(insert(report_coverage), rows)
    return len(rows)


def read_coverage(conn: Connection, report: str, report_key: str, *, due_day: int = 5) -> Coverage | None:
    """The stored coverage of a report, with its sentences rebuilt (None if none is stored)."""
    from teachflow.submission_status import SubmissionStatus

    names = _county_names(conn)
    stored = (
        conn.execute(
            select(report_coverage)
            .where(report_coverage.c.report == report, report_coverage.c.report_key == report_key)
            .order_by(report_coverage.c.county_code, report_coverage.c.period, report_coverage.c.dataset)
        )
        .mappings()
        .all()
    )
    if not stored:
        return None
    received = dict(
        conn.execute(
            select(
                submissions.c.county_code + "|" + submissions.c.period + "|" + submissions.c.dataset,
                func.max(submissions.c.received_at),
            )
            .where(
                submissions.c.period.in_({r["period"] for r in stored}),
                submissions.c.received_at <= stored[0]["computed_at"],
            )
            .group_by(submissions.c.county_code, submissions.c.period, submissions.c.dataset)
        ).all()
    )
    latest_by_period = {p: _latest_roster_periods(conn, p) for p in {r["period"] for r in stored}}
    rows = []
    for r in stored:
        key = f"{r['county_code']}|{r['period']}|{r['dataset']}"
        st = SubmissionStatus(
            county_code=r["county_code"],
            period=r["period"],
            dataset=r["dataset"],
            status=r["status"],
            late=bool(r["late"]),
            due_at=calendar.due_at(r["period"], due_day),
            received_at=received.get(key),
            in_force_submission_id=1
            if r["status"] in ("accepted", "accepted_with_rejections", "rejected_previous_in_force")
            else None,
            rows_rejected=r["rows_rejected"],
        )
        has_roster = latest_by_period[r["period"]].get(r["county_code"]) is not None
        rows.append(
            CoverageRow(
                r["county_code"], names.get(r["county_code"], r["county_code"]), st, r["stand_in_period"], has_roster
            )
        )
    computed_at = stored[0]["computed_at"]
    if report == "rotation":
        lines = _lines_month(rows, report_key)
    else:
        lines = _lines_year(rows, calendar.SchoolYear.parse(report_key))
    return Coverage(report, report_key, computed_at, tuple(rows), lines)
