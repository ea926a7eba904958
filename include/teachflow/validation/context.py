"""What validation needs to know about the submission besides its rows."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import numpy as np
    import pandas as pd

#: ``(mentor IDs, mentee IDs, days) -> mask``: whether a pairing mentor -> mentee is active on the
#: day (start <= day and (actual end blank or > day)), per row; the IDs are valid ones.
PairingCheck = Callable[["pd.Series", "pd.Series", "pd.Series"], "np.ndarray"]

#: Rated indicators until the scoring model supplies its own list.
DEFAULT_RATED_INDICATORS: frozenset[str] = frozenset({"A2", "B3b", "C1"})


@dataclass(frozen=True)
class ValidationContext:
    """The submitting county, the period and the reference data the rules compare rows with.

    Kept apart from the rows so the same frame can be checked against another county's or
    period's context in tests, and so the pipeline loads the school list once per run.
    """

    county_code: str  # the folder's county (the city's code for assessment_ratings)
    period: str  # "YYYY-MM"
    schools: Mapping[str, str]  # every known school_code -> its county_code
    rated_indicators: frozenset[str] = field(default=DEFAULT_RATED_INDICATORS)
    #: Names a clerk recognises in a message ("2199100006 城中区第一小学 belongs to 城中区").
    school_names: Mapping[str, str] = field(default_factory=dict)  # school_code -> school_name
    county_names: Mapping[str, str] = field(default_factory=dict)  # county_code -> county_name
    #: Configured number limits (a :class:`~teachflow.settings.Settings` field -> its figure) for
    #: the columns whose bound is a setting (``NumberRange.max_setting``); absent: the default.
    number_limits: Mapping[str, float] = field(default_factory=dict)
    #: The warehouse's pairings, for support activities naming a mentee (practices.md §2). None
    #: where no warehouse is at hand (``teachflow check --reference``): that rule is not checked.
    pairing_active: PairingCheck | None = None

    def school_name(self, code: str) -> str:
        return self.school_names.get(code, "")

    def county_name_of_school(self, code: str) -> str:
        """The name of the county a school belongs to (its code when the name is not known)."""
        county = self.schools.get(code, "")
        return self.county_names.get(county) or county

    def county_schools(self) -> list[str]:
        """The school codes of the submitting county."""
        return [code for code, county in self.schools.items() if county == self.county_code]
