"""Teacher flows of the sample: every type, open and closed, overdue ones, cross-county ones.

Rotations (轮岗支教) go mostly from a community's lead school to one of its members for a term or a
year; study placements (跟岗学习) the other way for one to three months or a term; secondments (挂职)
from lead to member for a year; city-recruited teachers (市招县用) from an urban district school to
a county school for one to three years; transfers (调动) move a teacher for good and change the
school on their roster from the transfer date. The sample's "today" is the window's last day: a
flow whose planned end has passed is closed, except about one in ten that is left open (overdue).

Reporting rule (what a county's ``teacher_flows`` file for month M holds): every flow touching one
of the county's schools that is active at some time in M, i.e. started on or before M's last day
and not ended before M's first day; its actual end date is filled only once it lies within M or
earlier. Transfers are reported in the month they start. A flow between two counties is thus
reported by both, as counties really do; for about one in ten of those the receiving county
reports another planned end date (a disagreement for the city to resolve).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass

from teachflow.sample.city import STAGE_GROUPS, City, County, School
from teachflow.sample.params import SampleParams, rng_for
from teachflow.sample.people import Teacher
from teachflow.sample.periods import Period, add_years, month_end
from teachflow.vocabularies import BACKBONE_TIERS

log = logging.getLogger(__name__)

FLOW_TYPE_WEIGHTS = {
    "rotation": 0.45,
    "study_placement": 0.20,
    "secondment": 0.08,
    "city_recruit_county_use": 0.07,
    "transfer": 0.20,
}
OVERDUE_SHARE = 0.10
DISAGREEMENT_SHARE = 0.10
EARLY_END_SHARE = 0.03
_OPEN = dt.date.max


@dataclass(slots=True, eq=False)
class Flow:
    teacher: Teacher
    flow_type: str
    from_school: School
    to_school: School
    start: dt.date
    planned_end: dt.date | None
    actual_end: dt.date | None
    #: The planned end the receiving county reports when it disagrees with the sending county.
    receiver_planned_end: dt.date | None = None

    @property
    def cross_county(self) -> bool:
        return self.from_school.county is not self.to_school.county

    @property
    def counties(self) -> tuple[County, ...]:
        if self.cross_county:
            return (self.from_school.county, self.to_school.county)
        return (self.from_school.county,)

    def overdue_on(self, day: dt.date) -> bool:
        return self.actual_end is None and self.planned_end is not None and self.planned_end < day

    def reported_in(self, period: Period) -> bool:
        if self.flow_type == "transfer":
            return period.first_day <= self.start <= period.last_day
        return self.start <= period.last_day and (self.actual_end is None or self.actual_end >= period.first_day)

    def row(self, county: County, period: Period) -> list:
        """The flow as ``county`` reports it for ``period`` (contract column order, logical values)."""
        planned = self.planned_end
        if self.receiver_planned_end is not None and county is self.to_school.county and self.cross_county:
            planned = self.receiver_planned_end
        actual = self.actual_end if self.actual_end is not None and self.actual_end <= period.last_day else None
        return [
            self.teacher.id_number,
            self.teacher.name,
            self.flow_type,
            self.from_school.code,
            self.to_school.code,
            self.start,
            planned,
            actual,
        ]


def _term_end(start: dt.date) -> dt.date:
    """Autumn term (from September) ends 20 January; spring term (from February/March) 10 July."""
    return dt.date(start.year + 1, 1, 20) if start.month >= 8 else dt.date(start.year, 7, 10)


def _year_end(start: dt.date) -> dt.date:
    return dt.date(start.year + 1, 7, 10) if start.month >= 8 else dt.date(start.year + 1, 1, 20)


class FlowBuilder:
    """Draws flows one at a time, keeping each teacher's flows from overlapping."""

    def __init__(self, params: SampleParams, city: City, teachers: list[Teacher]) -> None:
        self.rng = rng_for(params.seed, "flows")
        self.city = city
        periods = params.periods
        self.window_start = periods[0].first_day
        self.today = periods[-1].last_day
        self.window_months = [p.first_day for p in periods]
        opening_sy = periods[0].school_year_start
        self.term_starts: list[dt.date] = []
        self.term_weights: list[float] = []
        for year in range(opening_sy.year - 2, self.today.year + 1):
            for start in (dt.date(year, 3, 1), dt.date(year, 9, 1)):
                if start <= self.today:
                    self.term_starts.append(start)
                    recent = 1.0 if start >= add_years(opening_sy, -1) else 0.3
                    self.term_weights.append(5.0 if start >= opening_sy else recent)
        self.pool: dict[int, list[Teacher]] = {}
        self.backbone_pool: dict[int, list[Teacher]] = {}
        for teacher in teachers:
            if teacher.stable:
                self.pool.setdefault(teacher.school.index, []).append(teacher)
                if teacher.tier in BACKBONE_TIERS:
                    self.backbone_pool.setdefault(teacher.school.index, []).append(teacher)
        staffed = [s for s in city.schools if s.index in self.pool]
        self.staffed = staffed
        self.urban = [s for s in staffed if s.location == "urban"]
        self.non_urban = [s for s in staffed if s.location != "urban"] or staffed
        self.by_county: dict[str, list[School]] = {}
        self.by_county_location: dict[tuple[str, bool], list[School]] = {}  # (county, urban?) -> schools
        for school in staffed:
            self.by_county.setdefault(school.county.code, []).append(school)
            self.by_county_location.setdefault((school.county.code, school.location == "urban"), []).append(school)
        self.district_urban = [s for s in self.urban if s.county.kind == "district"] or self.urban
        self.county_rural = [s for s in self.non_urban if s.county.kind == "county"] or self.non_urban
        self.communities = city.communities
        self.all_stable = [t for t in teachers if t.stable]

    # --- schools ---------------------------------------------------------------------------------
    def _pick(self, pool: list[School], fits: Callable[[School], bool], tries: int = 40) -> School | None:
        """A random school of ``pool`` that fits (a few draws, then give up)."""
        if not pool:
            return None
        for _ in range(tries):
            school = self.rng.choice(pool)
            if fits(school):
                return school
        return None

    def _elsewhere(self, origin: School, cross: bool | None, urban: bool | None = None) -> School | None:
        """Another school of a fitting stage for a flow from ``origin``: same county unless ``cross`` (None: 85 %)."""
        if cross is None:
            cross = self.rng.random() < 0.15
        stages = STAGE_GROUPS[origin.stage]
        if cross:
            pool = self.urban if urban else self.non_urban if urban is False else self.staffed
            return self._pick(pool, lambda s: s.county is not origin.county and s.stage in stages)
        pool = self.by_county.get(origin.county.code, [])
        if urban is not None:
            pool = self.by_county_location.get((origin.county.code, urban)) or pool
        return self._pick(pool, lambda s: s is not origin and s.stage in stages)

    def _community_pair(self, cross: bool | None, lead_first: bool) -> tuple[School, School] | None:
        rng = self.rng
        for _ in range(20):
            community = rng.choice(self.communities)
            members = [m for m in community.members if m.index in self.pool or lead_first]
            if cross is not None:
                members = [m for m in members if (m.county is not community.lead.county) == cross]
            if members:
                member = rng.choice(members)
                return (community.lead, member) if lead_first else (member, community.lead)
        return None

    def schools_for(self, flow_type: str, cross: bool | None) -> tuple[School, School] | None:
        rng = self.rng
        use_community = bool(self.communities) and rng.random() < 0.65
        if flow_type in ("rotation", "secondment"):
            pair = self._community_pair(cross, lead_first=True) if use_community else None
            if pair is None:
                origin = rng.choice(self.urban or self.non_urban)
                target = self._elsewhere(origin, cross, urban=False)
                pair = (origin, target) if target else None
            return pair
        if flow_type == "study_placement":
            pair = self._community_pair(cross, lead_first=False) if use_community else None
            if pair is None:
                origin = rng.choice(self.non_urban)
                target = self._elsewhere(origin, cross, urban=True)
                pair = (origin, target) if target else None
            return pair
        if flow_type == "city_recruit_county_use":
            origin = rng.choice(self.district_urban)
            stages = STAGE_GROUPS[origin.stage]

            def fits(s: School) -> bool:
                other_county = s.county is not origin.county
                return s is not origin and s.stage in stages and (cross is None or other_county == cross)

            target = self._pick(self.county_rural, fits)
            return (origin, target) if target else None
        raise ValueError(flow_type)

    # --- dates -----------------------------------------------------------------------------------
    def dates_for(self, flow_type: str, overdue: bool) -> tuple[dt.date, dt.date]:
        """Start and planned end of a (non-transfer) flow; ``overdue``: the planned end lies in the past."""
        rng = self.rng
        for _ in range(100):
            start = rng.choices(self.term_starts, self.term_weights)[0]
            if flow_type == "rotation":
                roll = rng.random()
                if roll < 0.4:
                    planned = _term_end(start)
                else:
                    planned = _year_end(start) if roll < 0.9 else add_years(_year_end(start), 1)
            elif flow_type == "study_placement":
                if rng.random() < 0.5:
                    start = Period(start.year, start.month).shift(rng.choice((0, 1, 2))).first_day
                    planned = Period(start.year, start.month).shift(rng.randint(0, 2)).last_day
                else:
                    planned = _term_end(start)
            elif flow_type == "secondment":
                planned = _year_end(start) if rng.random() < 0.7 else add_years(_year_end(start), 1)
            else:  # city_recruit_county_use: from September, 1..3 years
                start = dt.date(start.year if start.month >= 9 else start.year - 1, 9, 1)
                planned = dt.date(start.year + rng.randint(1, 3), 7, 10)
            if start > self.today or (overdue and not planned < self.today):
                continue
            if planned >= self.window_start - dt.timedelta(days=200) or overdue:
                return start, planned
        # no luck drawing (tiny windows): the latest term that is already over
        start = max(s for s in self.term_starts if _term_end(s) < self.today)
        return start, _term_end(start)

    def outcome(self, start: dt.date, planned: dt.date, overdue: bool | None) -> dt.date | None:
        """The actual end as known on the sample's today (None: still away)."""
        rng = self.rng
        if planned >= self.today:
            if rng.random() < EARLY_END_SHARE and (self.today - start).days > 40:
                return start + dt.timedelta(days=rng.randint(30, (self.today - start).days))
            return None
        if overdue or (overdue is None and rng.random() < OVERDUE_SHARE):
            return None
        actual = planned + dt.timedelta(days=rng.choice((0, 0, 0, 0, 1, 3, 7, 10)))
        return actual if actual <= self.today else planned

    # --- teachers --------------------------------------------------------------------------------
    def teacher_at(self, school: School, start: dt.date, busy_end: dt.date, backbone: bool) -> Teacher | None:
        rng = self.rng
        pools = [self.backbone_pool.get(school.index, []), self.pool.get(school.index, [])]
        if not backbone:
            pools = pools[1:]
        for pool in pools:
            for _ in range(min(20, 2 * len(pool))):
                teacher = rng.choice(pool)
                if teacher.since <= start and teacher.transfer_date is None and teacher.is_free(start, busy_end):
                    return teacher
        return None

    # --- flows -----------------------------------------------------------------------------------
    def draw(self, flow_type: str, overdue: bool | None = None, cross: bool | None = None) -> Flow | None:
        if flow_type == "transfer":
            return self.draw_transfer(cross)
        rng = self.rng
        for _ in range(50):
            pair = self.schools_for(flow_type, cross)
            if pair is None:
                continue
            start, planned = self.dates_for(flow_type, bool(overdue))
            actual = self.outcome(start, planned, overdue)
            if actual is not None and actual < self.window_start:
                continue  # over before the window opened: no county would report it
            busy_end = _OPEN if actual is None else actual
            teacher = self.teacher_at(pair[0], start, busy_end, backbone=rng.random() < 0.15)
            if teacher is None:
                continue
            teacher.book(start, busy_end)
            return Flow(teacher, flow_type, pair[0], pair[1], start, planned, actual)
        return None

    def draw_transfer(self, cross: bool | None) -> Flow | None:
        rng = self.rng
        months = self.window_months
        for _ in range(50):
            teacher = rng.choice(self.all_stable)
            month = rng.choices(months, [5.0 if m.month == 9 else 1.0 for m in months])[0]
            start = month if rng.random() < 0.7 else month + dt.timedelta(days=rng.randint(0, 27))
            if teacher.transfer_date is not None or teacher.since > start or not teacher.is_free(start, _OPEN):
                continue
            target = self._elsewhere(teacher.school, cross)
            if target is None:
                continue
            teacher.book(start, _OPEN)
            teacher.transfer_date, teacher.transfer_school = start, target
            return Flow(teacher, "transfer", teacher.school, target, start, None, None)
        return None


def _disagree(flow: Flow, rng: random.Random) -> None:
    """The receiving county reports another planned end (a month later, or the other term end)."""
    assert flow.planned_end is not None
    if rng.random() < 0.5:
        flow.receiver_planned_end = month_end(flow.planned_end + dt.timedelta(days=31))
    else:
        other = _year_end(flow.start) if flow.planned_end == _term_end(flow.start) else _term_end(flow.start)
        flow.receiver_planned_end = other if other != flow.planned_end else flow.planned_end + dt.timedelta(days=30)


def build_flows(params: SampleParams, city: City, teachers: list[Teacher]) -> list[Flow]:
    """``params.n_flows`` flows (fewer only if the schools run out of free teachers).

    The first ones are fixed so that even a tiny sample shows every case: one of each type, an
    overdue rotation and a rotation between two counties whose reports disagree.
    """
    builder = FlowBuilder(params, city, teachers)
    rng = builder.rng
    multi_county = len(city.counties) > 1
    fixed: list[Callable[[], Flow | None]] = [
        lambda: builder.draw("rotation", overdue=False),
        lambda: builder.draw("study_placement"),
        lambda: builder.draw("secondment"),
        lambda: builder.draw("city_recruit_county_use"),
        lambda: builder.draw("transfer"),
        lambda: builder.draw("rotation", overdue=True),
    ]
    if multi_county:
        fixed.append(lambda: builder.draw("rotation", overdue=False, cross=True))
    types, weights = zip(*FLOW_TYPE_WEIGHTS.items(), strict=True)
    flows: list[Flow] = []
    disagreements = 0
    for i in range(params.n_flows):
        flow = fixed[i]() if i < len(fixed) else builder.draw(rng.choices(types, weights)[0])
        if flow is None:
            continue
        disagreeing = disagreements == 0 or rng.random() < DISAGREEMENT_SHARE
        if flow.cross_county and flow.flow_type != "transfer" and disagreeing:
            _disagree(flow, rng)
            disagreements += 1
        flows.append(flow)
    if len(flows) < params.n_flows:
        log.warning("drew %d flows of the %d asked: the schools ran out of free teachers", len(flows), params.n_flows)
    flows.sort(key=lambda f: (f.start, f.teacher.seq, f.to_school.code))
    return flows


def flows_by_report(flows: list[Flow], periods: list[Period]) -> dict[tuple[str, int], list[Flow]]:
    """For each (county code, period index) the flows that county reports that month, in flow order."""
    reports: dict[tuple[str, int], list[Flow]] = {}
    for flow in flows:
        for index, period in enumerate(periods):
            if flow.reported_in(period):
                for county in flow.counties:
                    reports.setdefault((county.code, index), []).append(flow)
    return reports
