"""Monthly rosters: each county's full list of teachers as it stands on the month's last day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from teachflow.resident_id import birth_date_of
from teachflow.sample.city import School
from teachflow.sample.people import Teacher

RosterEntry = tuple[Teacher, School, dt.date]  # the teacher, their school that month, since when


def rosters_for(teachers: list[Teacher], index: int, last_day: dt.date) -> dict[str, list[RosterEntry]]:
    """County code -> the teachers on its roster for period ``index`` (ending ``last_day``), by school."""
    keyed: dict[str, list[tuple[int, int, RosterEntry]]] = {}
    for teacher in teachers:
        if teacher.first_index > index or 0 <= teacher.last_index < index:
            continue
        school, since = teacher.placement_on(last_day)
        keyed.setdefault(school.county.code, []).append((school.index, teacher.seq, (teacher, school, since)))
    rosters = {}
    for code, entries in keyed.items():
        entries.sort(key=lambda e: (e[0], e[1]))
        rosters[code] = [e[2] for e in entries]
    return rosters


def roster_row(entry: RosterEntry) -> list:
    """One roster line in contract column order (logical values)."""
    teacher, school, since = entry
    return [
        teacher.id_number,
        teacher.name,
        teacher.gender,
        birth_date_of(teacher.id_number),
        school.code,
        teacher.subject,
        teacher.title,
        teacher.tier,
        teacher.employment_start,
        since,
    ]


def roster_rows(entries: list[RosterEntry], render: Callable[[list], list]) -> Iterator[tuple[list, list]]:
    for entry in entries:
        logical = roster_row(entry)
        yield logical, render(logical)
