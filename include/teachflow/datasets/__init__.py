"""The dataset registry: each kind of county submission declared once, in a module of its own.

``teachers.py``, ``teacher_flows.py``, ``training_records.py``, ``assessment_ratings.py`` each
build one :class:`Dataset` (columns with Chinese and English headers, kinds, vocabularies,
limits, examples and hints; row rules; natural key; snapshot or keyed resubmission; the merge
into the warehouse; the Asset) and are registered here, in the order counties read them.
Parsing, the GX suites, the CLI's choices, the Assets, the API contract's dataset list, the
templates, the data dictionary and the county guide's tables all read :data:`DATASETS`.

To add a dataset: write ``<name>.py`` beside these (copy the closest one), add it to
:data:`_MODULES`, write its warehouse migration, and teach the sample generator to produce it
(README "Adding a dataset").
"""

from __future__ import annotations

import importlib

from teachflow.datasets.declaration import Column, ColumnKind, Dataset, NumberRange, Resubmission

__all__ = [
    "DATASETS",
    "Column",
    "ColumnKind",
    "Dataset",
    "NumberRange",
    "Resubmission",
    "county_datasets",
    "register",
    "unregister",
]

#: The dataset modules, in the order counties and reports list the datasets.
_MODULES = ("teachers", "teacher_flows", "training_records", "assessment_ratings")

#: name -> declaration; filled from :data:`_MODULES` at import, and by :func:`register`.
DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add a declaration to the registry (a name is registered once)."""
    if dataset.name in DATASETS and DATASETS[dataset.name] is not dataset:
        raise ValueError(f"dataset {dataset.name!r} is declared twice")
    DATASETS[dataset.name] = dataset
    return dataset


def unregister(name: str) -> None:
    """Take a dataset out again (tests register throwaway datasets)."""
    DATASETS.pop(name, None)


def county_datasets() -> tuple[str, ...]:
    """Datasets a county folder may hold (the city folder also takes the city-only ones)."""
    return tuple(d.name for d in DATASETS.values() if not d.city_only)


for _name in _MODULES:
    register(importlib.import_module(f"teachflow.datasets.{_name}").DATASET)
