"""The county-submission contract (spec: submissions.md): file formats, reference files, the city's code.

The datasets themselves are declared once each, in :mod:`teachflow.datasets` (one module per
dataset); they are re-exported here so existing imports keep working.
"""

from __future__ import annotations

from teachflow.datasets import DATASETS, Column, ColumnKind, Dataset, county_datasets

# Declarations of the datasets: teachflow.datasets (one module per dataset). Re-exported here for
# the many modules that import the contract; TEACHERS & co. name the registry's declarations.
TEACHERS, TEACHER_FLOWS, TRAINING_RECORDS, ASSESSMENT_RATINGS = (
    DATASETS[name] for name in ("teachers", "teacher_flows", "training_records", "assessment_ratings")
)

__all__ = [
    "ASSESSMENT_RATINGS",
    "DATASETS",
    "FILE_FORMATS",
    "REFERENCE_FILES",
    "TEACHERS",
    "TEACHER_FLOWS",
    "TRAINING_RECORDS",
    "Column",
    "ColumnKind",
    "Dataset",
    "county_datasets",
    "is_city_code",
]

#: File extensions the landing zone accepts.
FILE_FORMATS: tuple[str, ...] = ("csv", "xlsx")

#: Reference files kept by the city, with their exact headers (UTF-8 CSV).
REFERENCE_FILES: dict[str, tuple[str, ...]] = {
    "counties": ("county_code", "county_name"),
    "schools": ("school_code", "school_name", "county_code", "location", "stage"),
    "communities": ("community_code", "community_name", "school_code", "role"),
}


def is_city_code(county_code: str) -> bool:
    """The city's own 6-digit code ends in 00 (e.g. 450200); its counties' codes do not."""
    return len(county_code) == 6 and county_code.isdigit() and county_code.endswith("00")
