"""The sample's teachers: valid resident IDs, Chinese names, tiers, titles and school histories.

Nobody here is real: names are drawn from short lists of common surnames and given-name
characters, IDs are built from an area code, a random birth date, a random sequence and the
correct ISO 7064 check character. Each teacher's time at the current school is drawn so that about
a third have been there six years or more by 1 September (the rotation-eligibility rule), and a few
join in September (new hires) or leave after August (retirements) when the window holds a September.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from itertools import accumulate

from teachflow.resident_id import check_character
from teachflow.sample.city import City, School
from teachflow.sample.params import SampleParams, rng_for
from teachflow.sample.periods import Period

_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任"
    "沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛段雷侯龙史陶黎贺顾毛郝龚邵万钱覃莫蒙农"
)
#: Rough weights (cumulative, for random.choices): the first ten surnames are far more common than the rest.
_SURNAME_CUMULATIVE = tuple(accumulate(8.0 if i < 10 else 3.0 if i < 30 else 1.0 for i in range(len(_SURNAMES))))
_GIVEN_FEMALE = "芳丽静敏燕婷娟霞玲琳雪梅红艳慧洁颖倩璐欣怡佳雯蕾萍莉娜琴月露晶岚瑶秀兰凤英华丹薇妍"
_GIVEN_MALE = "伟强磊军勇杰涛斌超明刚平辉鹏华飞鑫波宁宇浩凯健俊帆峰林志东亮海文龙旭晨阳毅坤彬锋"
_GIVEN_ANY = "家子思嘉雨天立建国春秋永晓振德安新佳一诗梓"

_SUBJECTS = {
    "primary": (
        ("语文", 30), ("数学", 25), ("英语", 10), ("科学", 6), ("道德与法治", 5), ("音乐", 6), ("体育", 7),
        ("美术", 6), ("信息技术", 5),
    ),
    "secondary": (
        ("语文", 16), ("数学", 16), ("英语", 14), ("物理", 8), ("化学", 6), ("生物", 6), ("历史", 6),
        ("地理", 5), ("道德与法治", 6), ("体育", 7), ("音乐", 3), ("美术", 3), ("信息技术", 4),
    ),
    "kindergarten": (("学前教育", 1),),
}  # fmt: skip

#: Birth places other than the sample's own counties (area codes of other prefectures).
_OTHER_AREAS = ("450102", "450305", "450421", "450521", "450881", "452122", "431102", "440103", "360102", "520102")

#: Share of teachers drawn with a long stay (6+ years) at their school; fewer end up eligible,
#: because young teachers cannot have stayed that long.
_LONG_STAY_SHARE = 0.40
_NEW_HIRE_SHARE = 0.03


@dataclass(slots=True, eq=False)
class Teacher:
    """One teacher; ``school``/``since`` hold where they were when the window opened."""

    seq: int
    id_number: str
    name: str
    gender: str  # M | F
    school: School
    subject: str
    title: str
    tier: str
    employment_start: dt.date
    since: dt.date
    first_index: int  # first period (index into the window) the teacher is on a roster
    last_index: int  # last period on a roster
    activity: float  # how much training the teacher takes, relative to the others
    transfer_date: dt.date | None = None
    transfer_school: School | None = None
    busy: list | None = None  # (start, end) of the teacher's flows, to keep them from overlapping

    def placement_on(self, day: dt.date) -> tuple[School, dt.date]:
        """The school the teacher belongs to on ``day`` and since when (a transfer moves both)."""
        if self.transfer_date is not None and self.transfer_date <= day:
            return self.transfer_school, self.transfer_date  # type: ignore[return-value]
        return self.school, self.since

    @property
    def stable(self) -> bool:
        """On every roster of the window (neither hired nor retired within it)."""
        return self.first_index == 0 and self.last_index < 0

    def is_free(self, start: dt.date, end: dt.date) -> bool:
        return all(end < b_start or start > b_end for b_start, b_end in self.busy or ())

    def book(self, start: dt.date, end: dt.date) -> None:
        if self.busy is None:
            self.busy = []
        self.busy.append((start, end))


class IdFactory:
    """Unique, valid 18-character resident IDs (area code, birth date, sequence, check character)."""

    def __init__(self, rng: random.Random, home_areas: list[str]) -> None:
        self._rng = rng
        self._home_areas = home_areas
        self._seen: set[str] = set()

    def make(self, home_area: str, birth: dt.date, gender: str) -> str:
        rng = self._rng
        while True:
            roll = rng.random()
            if roll < 0.6:
                area = home_area
            else:
                area = rng.choice(self._home_areas) if roll < 0.85 else rng.choice(_OTHER_AREAS)
            sequence = rng.randrange(0, 500) * 2 + (1 if gender == "M" else 0)  # odd: male, even: female
            if sequence == 0:
                continue
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            id_number = first17 + check_character(first17)
            if id_number not in self._seen:
                self._seen.add(id_number)
                return id_number


def make_name(rng: random.Random, gender: str) -> str:
    surname = rng.choices(_SURNAMES, cum_weights=_SURNAME_CUMULATIVE)[0]
    pool = _GIVEN_FEMALE if gender == "F" else _GIVEN_MALE
    if rng.random() < 0.3:
        return surname + rng.choice(pool)
    first = rng.choice(_GIVEN_ANY) if rng.random() < 0.4 else rng.choice(pool)
    return surname + first + rng.choice(pool)


def _title_for(age: int, rng: random.Random) -> str:
    roll = rng.random()
    if age < 28:
        return "none" if roll < 0.3 else "third" if roll < 0.6 else "second"
    if age < 36:
        return "second" if roll < 0.45 else "first" if roll < 0.95 else "senior"
    if age < 46:
        return "second" if roll < 0.1 else "first" if roll < 0.6 else "senior"
    return "first" if roll < 0.4 else "senior" if roll < 0.99 else "senior_full"


def _tier_for(age: int, rng: random.Random) -> str:
    """About 6 % rising stars (young), 12-13 % backbone or above (policy sense), the rest none."""
    roll = rng.random()
    if roll < 0.08:
        return "rising_star" if age < 40 else "none"
    if roll < 0.17:
        return "backbone" if age >= 28 else "rising_star"
    if roll < 0.195:
        return "subject_leader" if age >= 35 else "backbone"
    if roll < 0.205:
        return "famous" if age >= 40 else "backbone"
    return "none"


#: Subject names and cumulative weights by kind of school, for random.choices.
_SUBJECT_CHOICES = {
    key: ([name for name, _ in pairs], list(accumulate(weight for _, weight in pairs)))
    for key, pairs in _SUBJECTS.items()
}


def _subject_for(school: School, rng: random.Random) -> str:
    key = "kindergarten" if school.stage == "kindergarten" else "primary" if school.stage == "primary" else "secondary"
    names, cumulative = _SUBJECT_CHOICES[key]
    return rng.choices(names, cum_weights=cumulative)[0]


def _school_sizes(params: SampleParams, city: City) -> list[int]:
    location_weight = {"urban": 3.0, "town": 1.8, "rural": 0.7}
    stage_weight = {
        "primary": 1.0,
        "junior": 1.2,
        "nine_year": 1.1,
        "senior": 1.6,
        "complete_secondary": 1.8,
        "kindergarten": 0.5,
    }
    weights = [location_weight[s.location] * stage_weight[s.stage] for s in city.schools]
    total = params.teachers
    base = 2
    rest = total - base * len(weights)
    scale = sum(weights)
    shares = [rest * w / scale for w in weights]
    sizes = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (sizes[i] - shares[i], i))
    for i in order[: rest - sum(sizes)]:
        sizes[i] += 1
    return [base + s for s in sizes]


def _september_index(periods: list[Period]) -> int | None:
    """Index of the first September after the window's first month: when hires join and retirees have left."""
    for i, period in enumerate(periods):
        if i > 0 and period.month == 9:
            return i
    return None


def build_teachers(params: SampleParams, city: City) -> list[Teacher]:
    """Every teacher of the window, school by school."""
    rng = rng_for(params.seed, "teachers")
    periods = params.periods
    window_start = periods[0].first_day
    window_end = periods[-1].last_day
    reference_sy = periods[-1].school_year_start
    last_september = dt.date(window_start.year if window_start.month >= 9 else window_start.year - 1, 9, 1)
    september = _september_index(periods)
    ids = IdFactory(rng, [c.code for c in city.counties])
    dates: dict[dt.date, dt.date] = {}  # one object per distinct date keeps 600,000 teachers small

    def shared(day: dt.date) -> dt.date:
        return dates.setdefault(day, day)

    teachers: list[Teacher] = []
    for school, size in zip(city.schools, _school_sizes(params, city), strict=True):
        for _ in range(size):
            gender = "F" if rng.random() < 0.72 else "M"
            new_hire = september is not None and rng.random() < _NEW_HIRE_SHARE
            oldest = 59 if gender == "M" else 56
            age = rng.randint(22, 25) if new_hire else min(int(rng.triangular(23, 60, 38)), oldest)
            birth = dt.date(window_end.year - age, 1, 1) + dt.timedelta(days=rng.randrange(365))
            id_number = ids.make(school.county.code, birth, gender)
            first_index, last_index = 0, -1
            if new_hire:
                employment_start = since = periods[september].first_day  # type: ignore[index]
                first_index = september  # type: ignore[assignment]
                title, tier = rng.choice(("none", "none", "third")), "none"
            else:
                start_year = birth.year + rng.randint(21, 24)
                roll = rng.random()
                month = 9 if roll < 0.7 else 8 if roll < 0.9 else 7
                employment_start = min(dt.date(start_year, month, 1), last_september)
                since = _since(rng, employment_start, reference_sy, last_september)
                title, tier = _title_for(age, rng), _tier_for(age, rng)
                if september is not None and age >= (58 if gender == "M" else 55) and rng.random() < 0.6:
                    last_index = september - 1  # retires after August
            teachers.append(
                Teacher(
                    seq=len(teachers),
                    id_number=id_number,
                    name=make_name(rng, gender),
                    gender=gender,
                    school=school,
                    subject=_subject_for(school, rng),
                    title=title,
                    tier=tier,
                    employment_start=shared(employment_start),
                    since=shared(since),
                    first_index=first_index,
                    last_index=last_index,
                    activity=rng.choice((0.2, 0.6, 1.0, 1.0, 1.4, 2.0)),
                )
            )
    return teachers


def _since(rng: random.Random, employment_start: dt.date, reference_sy: dt.date, latest: dt.date) -> dt.date:
    """When the teacher came to the current school: a long stay (6+ years) for a share, else recent."""
    first_year = employment_start.year + (employment_start.month > 9)
    if rng.random() < _LONG_STAY_SHARE and reference_sy.year - 6 >= first_year:
        year = rng.randint(first_year, reference_sy.year - 6)
    else:
        year = rng.randint(max(first_year, reference_sy.year - 5), reference_sy.year)
    since = dt.date(year, 9, 1)
    if rng.random() < 0.15:  # some came in spring term or mid-year
        since = dt.date(year, rng.choice((2, 3, 4)), 1)
    return max(employment_start, min(since, latest))
