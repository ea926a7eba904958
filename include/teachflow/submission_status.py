"""The status of each expected submission ``(county, period, dataset)``, read from the ledger.

``../shared/spec/cycle.md`` names the statuses a clerk, the portal, the digest and a report's
coverage block speak of; this module is the one place that derives them, so they cannot drift:

==============================  ==================  =============================================
status                          中文                when
==============================  ==================  =============================================
``pending``                     待报送              nothing received, not yet due
``missing``                     逾期未报            nothing received, past due
``processing``                  处理中              the newest file is received, not yet finished
``accepted``                    已入库              newest accepted submission, no rejected rows
``accepted_with_rejections``    部分入库            newest accepted submission has rejected rows
``rejected``                    已退回              newest file rejected, nothing in force
``rejected_previous_in_force``  已退回（沿用上次）  newest file rejected, an earlier one in force
==============================  ==================  =============================================

Ledger rows that are ``duplicate`` (same bytes as an earlier file: nothing changed) or
``abandoned`` (a failed take whose bytes a later take finished) do not count as "the newest file".
``quarantined`` (a file that failed too often) counts as a rejection. A submission is **late**
when the first file accepted for it arrived after the due moment (``calendar.due_at``).

Only what was received up to ``at`` is considered, so a report can state the status "at the moment
it was computed" and tests can ask for any moment.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import Connection, select

from teachflow import calendar
from teachflow.datasets import county_datasets
from teachflow.warehouse.schema import counties, submissions

STATUS_ZH: dict[str, str] = {
    "pending": "待报送",
    "missing": "逾期未报",
    "processing": "处理中",
    "accepted": "已入库",
    "accepted_with_rejections": "部分入库",
    "rejected": "已退回",
    "rejected_previous_in_force": "已退回（沿用上次）",
}

STATUS_EN: dict[str, str] = {
    "pending": "pending",
    "missing": "missing",
    "processing": "processing",
    "accepted": "accepted",
    "accepted_with_rejections": "accepted with rejections",
    "rejected": "rejected",
    "rejected_previous_in_force": "rejected, previous in force",
}

#: Statuses that mean "the city has nothing usable from this county for this month" — shown first.
NEEDS_ACTION = ("missing", "rejected")

#: Ledger statuses that are not "a file of its own" for the status (see the module docstring).
_IGNORED = ("duplicate", "abandoned")
_REJECTED = ("rejected", "quarantined")
_ACCEPTED_EVER = ("accepted", "superseded")


@dataclass(frozen=True)
class SubmissionStatus:
    """Where one expected submission stands at a moment."""

    county_code: str
    period: str
    dataset: str
    status: str
    #: The first accepted file arrived after the due moment.
    late: bool
    due_at: dt.datetime
    #: The newest file's ledger row (None when nothing was received).
    submission_id: int | None = None
    received_at: dt.datetime | None = None
    #: The accepted submission whose rows the warehouse holds (None if none).
    in_force_submission_id: int | None = None
    rows_total: int | None = None
    rows_loaded: int | None = None
    rows_rejected: int | None = None

    @property
    def status_zh(self) -> str:
        return STATUS_ZH[self.status]

    @property
    def status_en(self) -> str:
        return STATUS_EN[self.status]

    @property
    def label_zh(self) -> str:
        """The status as a clerk reads it, e.g. ``部分入库（27 行未入库）`` or ``已入库（迟报）``."""
        text = self.status_zh
        if self.status == "accepted_with_rejections" and self.rows_rejected:
            text += f"（{self.rows_rejected} 行未入库）"
        if self.late:
            text += "（迟报）"
        return text


@dataclass(frozen=True)
class _LedgerRow:
    submission_id: int
    county_code: str
    period: str
    dataset: str
    status: str
    received_at: dt.datetime
    rows_total: int | None
    rows_loaded: int | None
    rows_rejected: int | None


def _aware(moment: dt.datetime) -> dt.datetime:
    """SQLite hands back naive datetimes; the ledger stores UTC."""
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def status_of(
    county_code: str,
    period: str,
    dataset: str,
    rows: Sequence[_LedgerRow],
    *,
    at: dt.datetime,
    due_day: int,
) -> SubmissionStatus:
    """The status of one identity from its ledger rows (any order), as cycle.md defines it."""
    due = calendar.due_at(period, due_day)
    relevant = sorted(
        (r for r in rows if r.status not in _IGNORED and _aware(r.received_at) <= at),
        key=lambda r: r.submission_id,
    )
    accepted_ever = [r for r in relevant if r.status in _ACCEPTED_EVER]
    late = bool(accepted_ever) and _aware(accepted_ever[0].received_at) > due
    in_force = next((r for r in reversed(relevant) if r.status == "accepted"), None)
    base = {
        "county_code": county_code,
        "period": period,
        "dataset": dataset,
        "late": late,
        "due_at": due,
        "in_force_submission_id": in_force.submission_id if in_force else None,
    }
    if not relevant:
        return SubmissionStatus(status="pending" if at <= due else "missing", **base)
    newest = relevant[-1]
    if newest.status == "received":
        status = "processing"
    elif newest.status in _REJECTED:
        status = "rejected_previous_in_force" if in_force else "rejected"
    elif newest.rows_rejected:
        status = "accepted_with_rejections"
    else:
        status = "accepted"
    return SubmissionStatus(
        status=status,
        submission_id=newest.submission_id,
        received_at=_aware(newest.received_at),
        rows_total=newest.rows_total,
        rows_loaded=newest.rows_loaded,
        rows_rejected=newest.rows_rejected,
        **base,
    )


def county_codes(conn: Connection) -> list[str]:
    """The counties that owe submissions: the reference counties, without the city's own row."""
    return list(
        conn.execute(select(counties.c.county_code).where(counties.c.is_city.is_(False)).order_by("county_code"))
        .scalars()
        .all()
    )


def statuses(
    conn: Connection,
    periods: Iterable[str],
    *,
    at: dt.datetime | None = None,
    due_day: int = 5,
    county_codes_: Sequence[str] | None = None,
    datasets: Sequence[str] | None = None,
) -> list[SubmissionStatus]:
    """Every expected submission of ``periods`` × counties × ``datasets``, sorted by county, period, dataset.

    ``county_codes_`` defaults to every reference county (not the city); ``at`` to now;
    ``datasets`` to every dataset a county sends (the registry's).
    """
    datasets = county_datasets() if datasets is None else datasets
    at = _aware(at) if at else calendar.now_utc()
    wanted_periods = sorted(set(periods))
    codes = list(county_codes_) if county_codes_ is not None else county_codes(conn)
    if not wanted_periods or not codes:
        return []
    query = select(
        submissions.c.submission_id,
        submissions.c.county_code,
        submissions.c.period,
        submissions.c.dataset,
        submissions.c.status,
        submissions.c.received_at,
        submissions.c.rows_total,
        submissions.c.rows_loaded,
        submissions.c.rows_rejected,
    ).where(
        submissions.c.period.in_(wanted_periods),
        submissions.c.county_code.in_(codes),
        submissions.c.dataset.in_(list(datasets)),
    )
    by_identity: dict[tuple[str, str, str], list[_LedgerRow]] = {}
    for row in conn.execute(query):
        by_identity.setdefault((row.county_code, row.period, row.dataset), []).append(_LedgerRow(*row))
    return [
        status_of(code, period, dataset, by_identity.get((code, period, dataset), ()), at=at, due_day=due_day)
        for code in sorted(codes)
        for period in wanted_periods
        for dataset in datasets
    ]
