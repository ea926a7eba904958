"""The sample's reference data: the city, its counties, schools and education communities.

County codes follow the administrative scheme (行政区划代码): province, prefecture, then 02.. for
urban districts (区) and 21.. for counties (县); the city's own code ends in 00 (e.g. 450200).
School codes follow MOE's 10-digit scheme (type, province, 6-digit sequence). Districts hold
mostly urban schools, counties mostly town and rural ones; every community has one urban lead
school and 2..6 member schools, mostly town/rural, from its own county or others.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

from teachflow.atomic_files import open_atomically
from teachflow.contract import REFERENCE_FILES
from teachflow.sample.files import FileRecord
from teachflow.sample.params import SampleParams, rng_for
from teachflow.vocabularies import LOCATION, STAGE

DISTRICTS_PER_PREFECTURE = 8
COUNTIES_PER_PREFECTURE = 16

#: First two digits of the school code by stage (the "school type" part of MOE's scheme).
SCHOOL_TYPE_PREFIX = {
    "kindergarten": "11",
    "primary": "21",
    "nine_year": "22",
    "junior": "31",
    "senior": "33",
    "complete_secondary": "34",
}

_NAME_FIRST = "云青桂瑞嘉永清宁泰安龙凤丰长平新望鹿柳松榕杉梧岚溪泉华德福兴明康乐和顺富"
_NAME_SECOND = "江川山阳溪泉城源丰宁安平湖林水峰河浦港岭州洲塘坪岗田"
_FIRST_DISTRICTS = ("城中", "城东", "城西", "城北", "江南", "江北", "新城", "高新")
_VILLAGES = "东西南北中上下前后大小新高长石桥塘坪岭湾寨"

_LOCATION_WEIGHTS = {"district": (0.75, 0.20, 0.05), "county": (0.15, 0.40, 0.45)}
_STAGES = ("primary", "junior", "nine_year", "senior", "complete_secondary", "kindergarten")
_STAGE_WEIGHTS = {
    "urban": (0.46, 0.20, 0.08, 0.07, 0.05, 0.14),
    "town": (0.48, 0.20, 0.12, 0.05, 0.03, 0.12),
    "rural": (0.65, 0.10, 0.15, 0.0, 0.0, 0.10),
}
#: Stages that can share a community (a primary lead takes primary and nine-year members, ...).
STAGE_GROUPS = {
    "primary": {"primary", "nine_year"},
    "nine_year": {"primary", "nine_year", "junior"},
    "junior": {"junior", "nine_year", "complete_secondary"},
    "complete_secondary": {"junior", "complete_secondary", "senior"},
    "senior": {"senior", "complete_secondary"},
    "kindergarten": {"kindergarten"},
}


@dataclass(eq=False)
class County:
    code: str
    name: str
    kind: str  # "district" (区, mostly urban) or "county" (县, mostly town and rural)
    index: int


@dataclass(eq=False)
class School:
    code: str
    name: str
    county: County
    location: str
    stage: str
    index: int
    community: Community | None = None

    @property
    def role(self) -> str | None:
        if self.community is None:
            return None
        return "lead" if self.community.lead is self else "member"


@dataclass(eq=False)
class Community:
    code: str
    name: str
    lead: School
    members: list[School] = field(default_factory=list)

    @property
    def schools(self) -> list[School]:
        return [self.lead, *self.members]


@dataclass
class City:
    code: str
    name: str
    counties: list[County]
    schools: list[School]
    communities: list[Community]
    #: School-code sequences not used by any school, for the "unknown school" mistake.
    spare_sequences: list[int]
    _by_code: dict[str, School] = field(default_factory=dict, init=False, repr=False)

    def school(self, code: str) -> School:
        if not self._by_code:
            self._by_code.update((s.code, s) for s in self.schools)
        return self._by_code[code]

    def schools_of(self, county: County) -> list[School]:
        return [s for s in self.schools if s.county is county]

    def unknown_school_code(self, rng: random.Random) -> str:
        """A well-formed school code that no school of the sample has."""
        prefix = SCHOOL_TYPE_PREFIX[rng.choice(_STAGES)]
        return f"{prefix}{self.code[:2]}{rng.choice(self.spare_sequences):06d}"


def _chinese_number(n: int) -> str:
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    if n < 100:
        return digits[n // 10] + "十" + (digits[n % 10] if n % 10 else "")
    return str(n)


def _place_name(rng: random.Random, used: set[str], suffix: str) -> str:
    for _ in range(1000):
        name = rng.choice(_NAME_FIRST) + rng.choice(_NAME_SECOND)
        if name[0] != name[1] and name + suffix not in used:
            used.add(name + suffix)
            return name + suffix
    raise RuntimeError("ran out of place names")  # pragma: no cover - 1,000 tries over ~1,000 names


def build_counties(params: SampleParams) -> tuple[str, list[County]]:
    """The city's name and its counties: per prefecture first districts (02..), then counties (21..)."""
    rng = rng_for(params.seed, "counties")
    used: set[str] = set()
    city_name = _place_name(rng, used, "市")
    counties: list[County] = []
    remaining = params.counties
    prefecture = int(params.prefecture_code)
    while remaining:
        size = min(remaining, DISTRICTS_PER_PREFECTURE + COUNTIES_PER_PREFECTURE)
        n_districts = min(DISTRICTS_PER_PREFECTURE, (size + 1) // 2)
        prefix = f"{params.province_code}{prefecture:02d}"
        for i in range(size):
            if i < n_districts:
                code, kind = f"{prefix}{2 + i:02d}", "district"
                fixed = _FIRST_DISTRICTS[i] + "区" if prefecture == int(params.prefecture_code) else None
                name = fixed if fixed and fixed not in used else _place_name(rng, used, "区")
                used.add(name)
            else:
                code, kind = f"{prefix}{21 + i - n_districts:02d}", "county"
                name = _place_name(rng, used, "县")
            counties.append(County(code, name, kind, len(counties)))
        remaining -= size
        prefecture += 1
    return city_name, counties


def _spread(total: int, weights: list[float], minimum: int) -> list[int]:
    """Split ``total`` into parts proportional to ``weights`` (each at least ``minimum``), largest remainder."""
    base = [minimum] * len(weights)
    rest = total - minimum * len(weights)
    scale = sum(weights)
    shares = [rest * w / scale for w in weights]
    parts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in order[: rest - sum(parts)]:
        parts[i] += 1
    return [b + p for b, p in zip(base, parts, strict=True)]


def _school_name(school_county: County, location: str, stage: str, rng: random.Random, counters: dict) -> str:
    full = school_county.name
    if location == "urban":
        key = (school_county.code, stage)
        counters[key] = counters.get(key, 0) + 1
        n = _chinese_number(counters[key])
        return {
            "primary": f"{full}第{n}小学",
            "junior": f"{full}第{n}中学",
            "nine_year": f"{full}第{n}实验学校",
            "senior": f"{full}第{n}高级中学",
            "complete_secondary": f"{full}第{n}完全中学",
            "kindergarten": f"{full}第{n}幼儿园",
        }[stage]
    town = rng.choice(_NAME_FIRST) + rng.choice(_NAME_SECOND)
    if location == "town":
        return {
            "primary": f"{town}镇中心小学",
            "junior": f"{town}镇中学",
            "nine_year": f"{town}镇九年一贯制学校",
            "senior": f"{town}镇高级中学",
            "complete_secondary": f"{town}镇中学",
            "kindergarten": f"{town}镇中心幼儿园",
        }[stage]
    village = rng.choice(_VILLAGES) + rng.choice("村屯坪寨")
    return {
        "primary": f"{town}乡{village}小学",
        "junior": f"{town}乡初级中学",
        "nine_year": f"{town}乡九年一贯制学校",
        "senior": f"{town}乡中学",
        "complete_secondary": f"{town}乡中学",
        "kindergarten": f"{town}乡{village}幼儿园",
    }[stage]


def _unique_school_name(
    county: County, location: str, stage: str, rng: random.Random, counters: dict, taken: set[str]
) -> str:
    """A school name no other school has: a few fresh draws, then the county's name in front, then a branch."""
    for attempt in range(6):
        name = _school_name(county, location, stage, rng, counters)
        if attempt >= 3:
            name = county.name + name
        if name not in taken:
            taken.add(name)
            return name
    branch = 2
    while f"{name}{_chinese_number(branch)}分校" in taken:
        branch += 1
    name = f"{name}{_chinese_number(branch)}分校"
    taken.add(name)
    return name


def build_schools(params: SampleParams, counties: list[County]) -> tuple[list[School], list[int]]:
    """Schools spread over the counties (counties hold more, smaller schools than districts)."""
    rng = rng_for(params.seed, "schools")
    per_county = _spread(params.n_schools, [1.0 if c.kind == "district" else 1.3 for c in counties], 2)
    sequences = rng.sample(range(1, 1_000_000), params.n_schools + 64)
    schools: list[School] = []
    counters: dict = {}
    names: set[str] = set()
    for county, count in zip(counties, per_county, strict=True):
        for i in range(count):
            if i < 2:  # the county seat's primary and junior school are urban and good lead candidates
                location, stage = "urban", ("primary", "junior")[i]
            else:
                location = rng.choices(("urban", "town", "rural"), _LOCATION_WEIGHTS[county.kind])[0]
                stage = rng.choices(_STAGES, _STAGE_WEIGHTS[location])[0]
            name = _unique_school_name(county, location, stage, rng, counters, names)
            code = f"{SCHOOL_TYPE_PREFIX[stage]}{params.province_code}{sequences[len(schools)]:06d}"
            schools.append(School(code, name, county, location, stage, len(schools)))
    return schools, sequences[len(schools) :]


def build_communities(params: SampleParams, city_code: str, schools: list[School]) -> list[Community]:
    """One urban lead school and 2..6 members each; a school joins at most one community."""
    rng = rng_for(params.seed, "communities")
    n = params.n_communities
    leads = [s for s in schools if s.location == "urban" and s.stage != "kindergarten"]
    rng.shuffle(leads)
    leads.sort(key=lambda s: s.county.kind != "district")  # districts' urban schools lead first
    if len(leads) < n:
        leads += [s for s in schools if s.location == "town" and s.stage != "kindergarten"]
    leads = leads[:n]
    used = set(map(id, leads))
    free = [s for s in schools if id(s) not in used]
    rng.shuffle(free)
    by_county: dict[str, list[School]] = {}
    for school in free:
        by_county.setdefault(school.county.code, []).append(school)

    def take(pool: list[School], k: int, fits) -> list[School]:
        """Up to k unused schools of the pool that fit, scanning from a random place."""
        taken: list[School] = []
        if not pool or k <= 0:
            return taken
        start = rng.randrange(len(pool))
        for j in range(len(pool)):
            school = pool[(start + j) % len(pool)]
            if id(school) not in used and fits(school):
                taken.append(school)
                used.add(id(school))
                if len(taken) == k:
                    break
        return taken

    communities: list[Community] = []
    spare = len(free) - 2 * n
    for i, lead in enumerate(leads):
        community = Community(f"JGT{city_code}{i + 1:03d}", f"{lead.name}教育共同体", lead)
        lead.community = community
        communities.append(community)
        wanted = 2 + min(spare, rng.randint(0, 4))
        spare -= wanted - 2
        group = STAGE_GROUPS[lead.stage]

        def fits(s: School, group: set = group) -> bool:
            return s.stage in group and s.location != "urban"

        members = take(by_county.get(lead.county.code, []), wanted // 2, fits)  # about half from its own county
        members += take(free, wanted - len(members), fits)
        members += take(free, wanted - len(members), lambda s: s.stage != "kindergarten")
        members += take(free, wanted - len(members), lambda s: True)
        community.members = members
        for member in members:
            member.community = community
    return communities


def build_city(params: SampleParams) -> City:
    city_name, counties = build_counties(params)
    schools, spare = build_schools(params, counties)
    communities = build_communities(params, params.city_code, schools)
    return City(params.city_code, city_name, counties, schools, communities, spare)


def write_reference(city: City, folder: Path, root: Path) -> list[FileRecord]:
    """counties.csv, schools.csv and communities.csv: UTF-8, the contract's headers, Chinese labels."""
    rows = {
        "counties": [(city.code, city.name)] + [(c.code, c.name) for c in city.counties],
        "schools": [
            (s.code, s.name, s.county.code, LOCATION.label_of(s.location), STAGE.label_of(s.stage))
            for s in city.schools
        ],
        "communities": [
            (c.code, c.name, s.code, s.role)
            for c in city.communities
            for s in c.schools  # lead first
        ],
    }
    records = []
    for name, header in REFERENCE_FILES.items():
        path = folder / f"{name}.csv"
        with open_atomically(path, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(header)
            writer.writerows(rows[name])
        records.append(
            FileRecord(path.relative_to(root).as_posix(), "csv", "utf-8", len(rows[name]), dataset=f"reference/{name}")
        )
    return records
