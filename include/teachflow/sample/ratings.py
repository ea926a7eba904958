"""The city's assessment ratings: scores by expert, bureau and recipient evaluators.

For every school of a community and each rated indicator of the joint assessment (A2 management
co-building, B3 joint teaching research, C1 joint activities; reports.md), several evaluators of
each group give a score of 50..100 around the school's own level, so communities differ.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from teachflow.sample.city import City
from teachflow.sample.params import rng_for

RATED_INDICATORS = ("A2", "B3", "C1")
#: Evaluator group -> (id prefix, how many evaluators of that group rate each school).
EVALUATORS = {"expert": ("ZJ", 3), "bureau": ("JG", 2), "recipient": ("FW", 4)}


def rating_rows(seed: int, city: City, school_year: str, render: Callable[[list], list]) -> Iterator[tuple[list, list]]:
    rng = rng_for(seed, "ratings", school_year)
    for community in city.communities:
        for school in community.schools:
            level = rng.uniform(62, 94)
            for indicator in RATED_INDICATORS:
                bias = rng.uniform(-5, 5)
                for group, (prefix, count) in EVALUATORS.items():
                    for n in range(1, count + 1):
                        score = round(min(100, max(50, rng.gauss(level + bias, 6))))
                        logical = [school.code, school_year, indicator, group, f"{prefix}{n:02d}", score]
                        yield logical, render(logical)
