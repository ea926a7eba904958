"""Training records: programmes of every level and form, attended by the roster's teachers.

Each month has a catalogue of programmes (code, name, level, form, dates, hours, organiser) shared
by all counties: a programme ends within its month and every attendee gets the same dates and
hours. A county's file for month M holds its share of the records (in proportion to its roster),
spread over its teachers by how keen each one is (some take none); a teacher attends a programme
at most once, so the natural key (teacher, programme, start) never repeats. Rows are produced one
at a time: a million-row file is never held in memory.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import accumulate

from teachflow.sample.params import rng_for
from teachflow.sample.periods import Period
from teachflow.sample.rosters import RosterEntry

#: Smallest catalogue a month has; it grows when a teacher needs more distinct programmes.
MIN_PROGRAMMES = 400
_CHUNK = 100_000

#: Level, share of programmes, code prefix.
_LEVELS = (
    ("national", 0.05, "GP"),
    ("provincial", 0.15, "SP"),
    ("city", 0.30, "CP"),
    ("county", 0.35, "XP"),
    ("school", 0.15, "XB"),
)
_MODES = (("in_person", 0.5), ("online", 0.35), ("placement", 0.15))
_TOPICS = (
    "新课标背景下的大单元教学设计", "义务教育课程标准解读", "班主任工作能力提升", "信息技术与学科教学融合",
    "心理健康教育", "师德师风建设", "作业设计与评价", "课堂教学观察与诊断", "教育科研方法", "乡村教师素养提升",
    "骨干教师领航", "家校共育实务", "劳动教育课程实施", "校园安全与应急管理", "课堂提质增效", "跨学科主题学习设计",
    "人工智能教育应用", "幼儿园游戏活动指导", "中考命题研究", "学科核心素养导向的教学",
)  # fmt: skip
_FORMS = {
    "in_person": ("专题培训", "集中研修", "高级研修班"),
    "online": ("网络研修", "线上专题学习", "网络培训"),
    "placement": ("跟岗实践", "影子研修", "跟岗学习"),
}
_LEVEL_PREFIX = {"national": "国培计划·", "provincial": "省培·", "city": "", "county": "", "school": "校本研修·"}


@dataclass(frozen=True, slots=True)
class Programme:
    code: str
    name: str
    level: str
    mode: str
    start: dt.date
    end: dt.date
    hours: int
    organizer: str

    @property
    def fields(self) -> list:
        """The programme's part of a record: program_code .. organizer in contract order."""
        return [self.code, self.name, self.level, self.mode, self.start, self.end, self.hours, self.organizer]


class ProgrammeCatalogue:
    """The programmes of each month; programme i of a month is the same whatever else was drawn."""

    def __init__(self, seed: int, city_name: str) -> None:
        self._seed = seed
        self._organizers = {
            "national": "教育部教师工作司",
            "provincial": "省教育厅师资培训中心",
            "city": f"{city_name}教师发展中心",
            "county": "县（区）教师发展中心",
            "school": "学校教研室",
        }
        self._months: dict[Period, list[Programme]] = {}

    def of(self, period: Period, count: int) -> list[Programme]:
        programmes = self._months.setdefault(period, [])
        while len(programmes) < count:
            programmes.append(self._programme(period, len(programmes)))
        return programmes

    def _programme(self, period: Period, index: int) -> Programme:
        rng = rng_for(self._seed, "programme", period, index)
        level, _, prefix = rng.choices(_LEVELS, [w for _, w, _ in _LEVELS])[0]
        mode = rng.choices([m for m, _ in _MODES], [w for _, w in _MODES])[0]
        if mode == "in_person":
            days = rng.randint(1, 5)
            hours = days * rng.choice((4, 6, 8))
        elif mode == "online":
            days = rng.randint(7, 45)
            hours = rng.choice((10, 12, 15, 20, 24, 30, 40, 50))
        else:
            days = rng.randint(5, 30)
            hours = min(120, days * rng.choice((4, 6, 8)))
        end = period.first_day + dt.timedelta(days=rng.randrange(period.last_day.day))
        start = end - dt.timedelta(days=days - 1)
        name = _LEVEL_PREFIX[level] + rng.choice(_TOPICS) + rng.choice(_FORMS[mode])
        code = f"{prefix}{period.year:04d}{period.month:02d}{index + 1:04d}"
        return Programme(code, name, level, mode, start, end, hours, self._organizers[level])


def _attendance(entries: list[RosterEntry], n_records: int, rng: random.Random) -> list[int]:
    """How many records each roster teacher gets: ``n_records`` drawn in proportion to their keenness."""
    counts = [0] * len(entries)
    if not entries:
        return counts
    cumulative = list(accumulate(entry[0].activity for entry in entries))
    population = range(len(entries))
    left = n_records
    while left:
        size = min(left, _CHUNK)
        for i in rng.choices(population, cum_weights=cumulative, k=size):
            counts[i] += 1
        left -= size
    return counts


def training_rows(
    entries: list[RosterEntry],
    n_records: int,
    period: Period,
    catalogue: ProgrammeCatalogue,
    rng: random.Random,
    render: Callable[[list], list],
) -> Iterator[tuple[list, list]]:
    """The records of one county and month, teacher by teacher, as (logical, rendered) rows."""
    counts = _attendance(entries, n_records, rng)
    size = max(MIN_PROGRAMMES, max(counts, default=0))
    programmes = catalogue.of(period, size)
    rendered: dict[int, list] = {}
    pool = range(size)
    for (teacher, _, _), count in zip(entries, counts, strict=True):
        if not count:
            continue
        for j in rng.sample(pool, count):
            fields = programmes[j].fields
            cells = rendered.get(j)
            if cells is None:
                cells = rendered[j] = render([None, None, *fields])[2:]
            yield [teacher.id_number, teacher.name, *fields], [teacher.id_number, teacher.name, *cells]
