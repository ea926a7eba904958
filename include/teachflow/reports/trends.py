"""The school year so far: month-by-month figures, change from last month, ranks, what is still needed.

Everything here is derived from rows already stored in ``report_rotation_monthly`` (reports.md,
"Derived figures for people"); nothing new is stored, so the table's figures stay the ones the
tests check. Definitions:

- ``rotation_needed`` = max(0, ⌈target × eligible_teachers⌉ − rotated_sy); ``backbone_needed`` =
  max(0, ⌈target × rotated_sy⌉ − backbone_rotated_sy);
- change from last month: the month's figure minus the previous month's; the figures that restart
  with the school year (``rotated_sy``, ``backbone_rotated_sy``, the rate, the share and the
  training on-track share, which counts hours since 1 September) have no change in September;
- rank: by ``rotation_rate`` descending, blanks last, ties share the lower number (1, 2, 2, 4).

``ceil`` works on the rate target as a decimal (0.10 × 125 = 12.5 → 13), never on a float product
that may land a hair above an integer.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Decimal

from sqlalchemy import Connection, select

from teachflow import calendar
from teachflow.policy import Policy
from teachflow.warehouse.schema import report_rotation_monthly

#: Figures whose change from last month the outputs show.
CHANGE_FIGURES = (
    "active_out",
    "overdue_out",
    "rotated_sy",
    "backbone_rotated_sy",
    "rotation_rate",
    "backbone_share",
    "training_on_track_share",
)
#: Figures that restart on 1 September: no change is shown in September.
SCHOOL_YEAR_FIGURES = frozenset(
    {"rotated_sy", "backbone_rotated_sy", "rotation_rate", "backbone_share", "training_on_track_share"}
)


def _number(value) -> float | None:
    return None if value is None else float(value)


def needed(target: float, base: int, done: int) -> int:
    """max(0, ⌈target × base⌉ − done), exact for decimal targets such as 0.10."""
    product = Decimal(str(target)) * Decimal(int(base))
    return max(0, math.ceil(product) - int(done))


def rotation_needed(row: dict, policy: Policy) -> int:
    return needed(policy.rotation_target, row["eligible_teachers"], row["rotated_sy"])


def backbone_needed(row: dict, policy: Policy) -> int:
    return needed(policy.backbone_target, row["rotated_sy"], row["backbone_rotated_sy"])


def changes(row: dict, previous: dict | None) -> dict[str, float | None]:
    """Figure -> this month minus last month (None where there is no comparable figure)."""
    september = calendar.parse_period(row["period"])[1] == 9
    out: dict[str, float | None] = {}
    for name in CHANGE_FIGURES:
        now, before = _number(row.get(name)), _number(previous.get(name)) if previous else None
        if previous is None or now is None or before is None or (september and name in SCHOOL_YEAR_FIGURES):
            out[name] = None
        else:
            out[name] = round(now - before, 6)
    return out


def competition_ranks(rows: list[dict], key: str = "rotation_rate") -> dict[str, int | None]:
    """scope_code -> rank by ``key`` descending; blanks get no rank; ties share (1, 2, 2, 4)."""
    values = [float(r[key]) for r in rows if r.get(key) is not None]
    ranks: dict[str, int | None] = {}
    for r in rows:
        value = r.get(key)
        ranks[r["scope_code"]] = None if value is None else 1 + sum(v > float(value) for v in values)
    return ranks


@dataclass(frozen=True)
class MonthView:
    """A month's rows enriched for people: rank, change, still needed; keyed by scope kind."""

    period: str
    rows: dict[str, list[dict]]
    #: Earlier months of the same school year and this one: period -> scope kind -> rows.
    trend: dict[str, dict[str, list[dict]]]
    previous_period: str
    has_previous: bool


def _stored(conn: Connection, periods: list[str]) -> dict[str, dict[str, list[dict]]]:
    report = report_rotation_monthly
    out: dict[str, dict[str, list[dict]]] = {p: {"city": [], "county": [], "community": []} for p in periods}
    for r in conn.execute(
        select(report).where(report.c.period.in_(periods)).order_by(report.c.period, report.c.scope_code)
    ).mappings():
        out[r["period"]][r["scope"]].append(dict(r))
    return out


def month_view(conn: Connection, period: str, rows: dict[str, list[dict]], policy: Policy) -> MonthView:
    """``rows`` (the month's stored rows by scope kind) with rank, change and needed added to each row."""
    year = calendar.SchoolYear.of_period(period)
    months = [p for p in year.periods if p <= period]
    previous = calendar.shift_period(period, -1)
    stored = _stored(conn, sorted({*months, previous}))
    before = {(r["scope"], r["scope_code"]): r for kind in stored[previous].values() for r in kind}
    enriched: dict[str, list[dict]] = {}
    for kind, kind_rows in rows.items():
        ranks = competition_ranks(kind_rows) if kind != "city" else {}
        enriched[kind] = [
            {
                **r,
                "rank": ranks.get(r["scope_code"]),
                "rotation_needed": rotation_needed(r, policy),
                "backbone_needed": backbone_needed(r, policy),
                "change": changes(r, before.get((r["scope"], r["scope_code"]))),
            }
            for r in kind_rows
        ]
    trend = {p: stored[p] for p in months if any(stored[p].values())}
    return MonthView(period, enriched, trend, previous, bool(before))


# --- the generated summary ----------------------------------------------------------------------------


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


def _points(delta: float) -> str:
    return f"{abs(delta) * 100:.1f} 个百分点"


def coverage_sentence(coverage) -> str | None:
    """What is missing, in one sentence: the counties without usable data by name, the rest counted."""
    if coverage is None:
        return None
    from teachflow.reports.coverage import dataset_zh

    gaps, late, partial = [], set(), set()
    for row in coverage.rows:
        status = row.status.status
        if status in ("missing", "rejected"):
            text = f"{row.county_name}{dataset_zh(row.dataset)}{row.status.status_zh}"
            if row.stand_in_period:
                text += f"（沿用 {row.stand_in_period} 名册）"
            gaps.append(text)
        if row.status.late:
            late.add(row.county_code)
        if status == "accepted_with_rejections":
            partial.add(row.county_code)
    parts = []
    if gaps:
        parts.append("、".join(gaps[:3]) + (f"等 {len(gaps)} 项" if len(gaps) > 3 else ""))
    if late:
        parts.append(f"{len(late)} 个区县有迟报")
    if partial:
        parts.append(f"{len(partial)} 个区县有部分行未入库")
    return "数据方面：" + "；".join(parts) + "（详见数据覆盖）。" if parts else None


def summary_zh(view: MonthView, policy: Policy, coverage=None) -> list[str]:
    """Three to five Chinese sentences from the figures: the level, what rose, what fell, who is behind,
    what is missing."""
    city = view.rows["city"][0] if view.rows["city"] else None
    counties = view.rows["county"]
    sentences: list[str] = []
    if city is None:
        return ["本月无全市数据。"]
    rate, share = _number(city["rotation_rate"]), _number(city["backbone_share"])
    status = "已达到" if city["rotation_target_met"] else "尚未达到"
    first = (
        f"截至 {view.period} 月末，全市本学年已交流教师 {city['rotated_sy']} 人，交流比例 {_pct(rate)}，"
        f"{status} {_pct(policy.rotation_target)} 的目标"
    )
    if not city["rotation_target_met"] and rate is not None:
        first += f"，还需交流 {city['rotation_needed']} 人"
    sentences.append(first + "。")
    backbone = f"其中骨干教师 {city['backbone_rotated_sy']} 人，占 {_pct(share)}"
    if share is not None and not city["backbone_target_met"]:
        backbone += f"，低于 {_pct(policy.backbone_target)} 的目标，还需骨干教师 {city['backbone_needed']} 人"
    sentences.append(backbone + f"；培训进度达标比例 {_pct(_number(city['training_on_track_share']))}。")
    change = city["change"]
    moves = []
    for name, label in (("rotation_rate", "交流比例"), ("training_on_track_share", "培训进度达标比例")):
        delta = change.get(name)
        if delta:
            moves.append(f"{label}{'上升' if delta > 0 else '下降'} {_points(delta)}")
    if change.get("overdue_out"):
        delta = int(change["overdue_out"])
        moves.append(f"逾期未返{'增加' if delta > 0 else '减少'} {abs(delta)} 人次")
    if moves:
        sentences.append("与上月相比，" + "，".join(moves) + "。")
    behind = [r for r in counties if r["rotation_target_met"] is False]
    behind.sort(key=lambda r: -r["rotation_needed"])
    if behind:
        named = "、".join(f"{r['scope_name']}（还需 {r['rotation_needed']} 人）" for r in behind[:3])
        more = f"等 {len(behind)} 个区县" if len(behind) > 3 else ""
        sentences.append(f"交流比例未达标的有{named}{more}。")
    elif counties:
        sentences.append("各区县交流比例均已达标。")
    data_sentence = coverage_sentence(coverage)
    if data_sentence:
        sentences.append(data_sentence)
    return sentences[:5]
