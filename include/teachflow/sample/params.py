"""The sample city's size and shape: one value object built from the command's flags.

Sizes not given are derived from the number of teachers so that ``--teachers 600000`` alone gives
a province of a realistic shape (about 48 teachers a school, 12.5 schools a community, 4 % of the
teachers moving, two training records per teacher and month).
"""

from __future__ import annotations

import random
from dataclasses import asdict, dataclass
from typing import Literal

from teachflow.sample.periods import Period, window

FileFormat = Literal["mixed", "csv"]

TEACHERS_PER_SCHOOL = 48
SCHOOLS_PER_COMMUNITY = 12.5
FLOW_SHARE = 0.04
TRAINING_RECORDS_PER_TEACHER_MONTH = 2
#: Mistakes stay under this share of a file's rows, so files load with quarantined rows
#: instead of being rejected (the pipeline's default limit is 5 %).
MAX_MISTAKE_SHARE = 0.04
#: Counties a sample can have: up to 24 a prefecture (8 districts, 16 counties), prefectures 02..99.
MAX_COUNTIES = 24 * 98


class SampleParamsError(ValueError):
    """Flags that cannot make a city (the message says which and why)."""


@dataclass(frozen=True)
class SampleParams:
    seed: int = 2026
    counties: int = 8
    schools: int | None = None
    communities: int | None = None
    teachers: int = 12_000
    months: int = 6
    last_period: str = "2026-10"
    flows: int | None = None
    training_records: int | None = None
    #: The worst realistic day (issue 18): the first ``heavy_counties`` counties send
    #: ``heavy_training_rows`` training records a month each (a whole county's year dropped at once),
    #: the others their share of ``training_records`` as usual.
    heavy_counties: int = 0
    heavy_training_rows: int = 0
    file_format: FileFormat = "mixed"
    mistakes: float = 0.01
    province_code: str = "45"
    prefecture_code: str = "02"

    @property
    def n_schools(self) -> int:
        if self.schools is not None:
            return self.schools
        return max(self.counties * 3, round(self.teachers / TEACHERS_PER_SCHOOL))

    @property
    def n_communities(self) -> int:
        if self.communities is not None:
            return self.communities
        return max(1, round(self.n_schools / SCHOOLS_PER_COMMUNITY))

    @property
    def n_flows(self) -> int:
        return self.flows if self.flows is not None else round(self.teachers * FLOW_SHARE)

    @property
    def n_training_records(self) -> int:
        if self.training_records is not None:
            return self.training_records
        return self.teachers * self.months * TRAINING_RECORDS_PER_TEACHER_MONTH

    @property
    def periods(self) -> list[Period]:
        return window(Period.parse(self.last_period), self.months)

    @property
    def city_code(self) -> str:
        return f"{self.province_code}{self.prefecture_code}00"

    def check(self) -> None:
        """Raise SampleParamsError for flags that cannot make a consistent city."""
        try:
            Period.parse(self.last_period)
        except ValueError as err:
            raise SampleParamsError(f"--last-period: {err}") from err
        problems = []
        if not 1 <= self.counties <= MAX_COUNTIES:
            problems.append(f"--counties must be 1..{MAX_COUNTIES}")
        if self.n_schools < 2 * self.counties:
            problems.append("--schools must be at least 2 per county")
        if self.n_communities < 0 or self.n_communities * 3 > self.n_schools:
            problems.append("--communities: each community needs 3 schools (a lead and two members)")
        if self.teachers < 2 * self.n_schools:
            problems.append("--teachers must be at least 2 per school")
        if self.months < 1:
            problems.append("--months must be at least 1")
        if self.n_flows < 0 or self.n_training_records < 0:
            problems.append("--flows and --training-records may not be negative")
        if self.heavy_counties < 0 or self.heavy_training_rows < 0 or self.heavy_counties > self.counties:
            problems.append("--heavy-training: COUNTIES:ROWS, at most --counties counties, no negative numbers")
        if not 0 <= self.mistakes <= MAX_MISTAKE_SHARE:
            problems.append(f"--mistakes must be between 0 and {MAX_MISTAKE_SHARE} (files must stay loadable)")
        if problems:
            raise SampleParamsError("; ".join(problems))

    def as_manifest(self) -> dict:
        """Every parameter, the derived sizes included, for the manifest."""
        values = asdict(self)
        values.update(
            schools=self.n_schools,
            communities=self.n_communities,
            flows=self.n_flows,
            training_records=self.n_training_records,
            periods=[str(p) for p in self.periods],
        )
        return values


def rng_for(seed: int, *labels: object) -> random.Random:
    """A generator of its own for one part of the sample (e.g. one file).

    Seeding each part from the seed and its name keeps a part's content independent of how many
    numbers the other parts drew, and string seeds hash the same in every process.
    """
    return random.Random("/".join([str(seed), *map(str, labels)]))
