"""Pairings (结对) and support activities (帮扶活动) of the sample city (practices.md §1, §2).

In every community, a few teachers of the lead school mentor 1-3 teachers of its member schools
("1+N" 结对, 名师带徒). Most pairings start in the window's first September (the school year's
start), the rest in the other months; a planned end a school year later; one in ten ends early,
inside the window. Mentors host activities for their mentees' schools every month a pairing is
active (听课, 示范课, 送教... onsite or through 同步互动课堂).

Reporting, as a county does it: the pairings file of M lists the pairings started or ended in M;
the activities file of M holds the activities of M. Both go to each county holding one of the two
schools (a lead school's mentor and another county's member school: both counties report it).
Only teachers on every roster of the window, never transferred, are paired, so every row's schools
are the teachers' schools all along.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from teachflow.sample.city import City, County, School
from teachflow.sample.params import SampleParams, rng_for
from teachflow.sample.people import Teacher
from teachflow.sample.periods import Period

#: Share of member-school teachers paired with a mentor of their community's lead school.
MENTEE_SHARE = 0.08
_ACTIVITY_TYPES = (
    ("lesson_observation", 0.25),
    ("demonstration_lesson", 0.15),
    ("open_lesson", 0.10),
    ("lecture", 0.08),
    ("joint_research", 0.15),
    ("joint_lesson_prep", 0.12),
    ("guidance", 0.08),
    ("outreach", 0.05),
    ("teacher_training", 0.02),
)
_LESSON_TYPES = ("lesson_observation", "demonstration_lesson", "open_lesson")
_TOPICS = (
    "大单元教学设计", "作业设计与评价", "课堂提问策略", "新课标解读", "复习课教学", "实验教学", "阅读教学", "分层教学",
)  # fmt: skip


@dataclass(frozen=True)
class Pairing:
    mentor: Teacher
    mentee: Teacher
    pairing_type: str
    start: dt.date
    planned_end: dt.date
    actual_end: dt.date | None

    @property
    def counties(self) -> tuple[County, ...]:
        ours, theirs = self.mentor.school.county, self.mentee.school.county
        return (ours,) if ours is theirs else (ours, theirs)

    def active_in(self, period: Period) -> bool:
        return self.start <= period.last_day and (self.actual_end is None or self.actual_end > period.first_day)

    def reported_in(self, period: Period) -> bool:
        """Started or ended in ``period`` (what a county's file of that month lists)."""
        ended = self.actual_end is not None and period.first_day <= self.actual_end <= period.last_day
        return period.first_day <= self.start <= period.last_day or ended

    def row(self, period: Period) -> list:
        actual = self.actual_end if self.actual_end is not None and self.actual_end <= period.last_day else None
        return [
            self.mentor.id_number,
            self.mentor.name,
            self.mentor.school.code,
            self.mentee.id_number,
            self.mentee.name,
            self.mentee.school.code,
            self.pairing_type,
            self.start,
            self.planned_end,
            actual,
        ]


def _steady(teacher: Teacher) -> bool:
    return teacher.first_index == 0 and teacher.last_index < 0 and teacher.transfer_date is None


def build_pairings(params: SampleParams, city: City, teachers: list[Teacher]) -> list[Pairing]:
    """Every pairing of the window, community by community."""
    rng = rng_for(params.seed, "pairings")
    periods = params.periods
    septembers = [p for p in periods if p.month == 9]
    main_start = (septembers[0] if septembers else periods[0]).first_day
    by_school: dict[str, list[Teacher]] = {}
    for teacher in teachers:
        if _steady(teacher):
            by_school.setdefault(teacher.school.code, []).append(teacher)
    pairings: list[Pairing] = []
    for community in city.communities:
        mentors = list(by_school.get(community.lead.code, []))
        rng.shuffle(mentors)
        mentees = [t for member in community.members for t in by_school.get(member.code, [])]
        mentees = rng.sample(mentees, round(len(mentees) * MENTEE_SHARE))
        while mentees and mentors:
            mentor = mentors.pop()
            for mentee in [mentees.pop() for _ in range(min(len(mentees), rng.randint(1, 3)))]:
                if rng.random() < 0.7:
                    start = main_start
                else:
                    start = rng.choice(periods).first_day + dt.timedelta(days=rng.randrange(20))
                planned = dt.date(start.year + 1, 7, 15) if start.month >= 8 else dt.date(start.year, 7, 15)
                if planned <= start:
                    planned = start + dt.timedelta(days=300)
                actual = None
                last_day = periods[-1].last_day
                if rng.random() < 0.1 and (last_day - start).days > 40:
                    actual = start + dt.timedelta(days=rng.randint(30, (last_day - start).days))
                kind = "mentor_apprentice" if rng.random() < 0.6 else "one_plus_n"
                pairings.append(Pairing(mentor, mentee, kind, start, planned, actual))
    return pairings


def pairings_by_report(pairings: list[Pairing], periods: list[Period]) -> dict[tuple[str, int], list[Pairing]]:
    """(county code, period index) -> the pairings that county reports that month."""
    reports: dict[tuple[str, int], list[Pairing]] = {}
    for index, period in enumerate(periods):
        for pairing in pairings:
            if pairing.reported_in(period):
                for county in pairing.counties:
                    reports.setdefault((county.code, index), []).append(pairing)
    return reports


def activity_rows(params: SampleParams, pairings: list[Pairing], period: Period) -> dict[str, list[list]]:
    """County code -> its activity rows of ``period`` (logical values, contract order).

    A mentor's activities go to the mentee's school; one row per (host, day, type, school), so two
    mentees at one school share a lesson, counted once (their participants summed into it).
    """
    rng = rng_for(params.seed, "activities", period)
    rows: dict[tuple, list] = {}
    counties: dict[tuple, tuple[County, ...]] = {}
    types, weights = zip(*_ACTIVITY_TYPES, strict=True)
    for pairing in pairings:
        if not pairing.active_in(period):
            continue
        first = max(pairing.start, period.first_day)
        # Active on d: start <= d < actual end (practices.md §1); the day it ended is no longer.
        ended = pairing.actual_end - dt.timedelta(days=1) if pairing.actual_end is not None else None
        last = min(ended or period.last_day, period.last_day)
        if last < first:
            continue
        for _ in range(rng.randint(1, 2)):
            day = first + dt.timedelta(days=rng.randrange((last - first).days + 1))
            kind = rng.choices(types, weights)[0]
            school: School = pairing.mentee.school
            key = (pairing.mentor.id_number, day, kind, school.code)
            online = rng.random() < 0.3
            participants = rng.randint(1, 30)
            periods_ = rng.randint(1, 2) if kind in _LESSON_TYPES else rng.choice((1, 2, 3, 4))
            if key in rows:
                rows[key][7] += participants
                continue
            mentee = pairing.mentee.id_number if kind == "guidance" else None
            rows[key] = [
                pairing.mentor.id_number,
                pairing.mentor.name,
                pairing.mentor.school.code,
                school.code,
                day,
                kind,
                "online" if online else "onsite",
                participants,
                periods_,
                mentee,
                "yes" if rng.random() < 0.2 else None,
                rng.choice(_TOPICS),
            ]
            counties[key] = pairing.counties
    by_county: dict[str, list[list]] = {}
    for key in sorted(rows, key=lambda k: (k[1], k[0], k[2], k[3])):
        for county in counties[key]:
            by_county.setdefault(county.code, []).append(rows[key])
    return by_county
