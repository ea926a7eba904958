"""The city's assessment ratings: scores by expert, bureau and recipient evaluators.

For every school of a community and each rated indicator of the joint assessment (A2 management
co-building, B3b joint teaching research quality, C1 joint activities; reports.md, practices.md §7),
several evaluators of each group give a score of 50..100 around the school's own level, so
communities differ. When mistakes are on, one evaluator (:data:`LEGACY_EVALUATOR`) still writes
B3b as B3, the code before the split: the city is told it was read as B3b (a labelled warning).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

from teachflow.sample.city import City
from teachflow.sample.params import rng_for

RATED_INDICATORS = ("A2", "B3b", "C1")
#: Evaluator group -> (id prefix, how many evaluators of that group rate each school).
EVALUATORS = {"expert": ("ZJ", 3), "bureau": ("JG", 2), "recipient": ("FW", 4)}
#: The evaluator (group, number) whose B3b rows say B3 when mistakes are on.
LEGACY_EVALUATOR = ("bureau", 2)
#: The indicator the legacy evaluator names the old way, and the code it writes instead.
LEGACY_INDICATOR, LEGACY_CODE = "B3b", "B3"


def legacy_rows(city: City) -> list[int]:
    """Indexes (0-based data rows of :func:`rating_rows`) of the legacy evaluator's B3b ratings."""
    per_indicator = sum(n for _, n in EVALUATORS.values())
    group, number = LEGACY_EVALUATOR
    offset = sum(n for g, (_, n) in EVALUATORS.items() if list(EVALUATORS).index(g) < list(EVALUATORS).index(group))
    at = RATED_INDICATORS.index(LEGACY_INDICATOR) * per_indicator + offset + number - 1
    schools = sum(len(c.schools) for c in city.communities)
    return [school * len(RATED_INDICATORS) * per_indicator + at for school in range(schools)]


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
