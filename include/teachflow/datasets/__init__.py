"""The dataset registry: each kind of county submission declared once, in a module of its own.

``teachers.py``, ``teacher_flows.py``, ``training_records.py``, ``pairings.py``,
``support_activities.py``, ``assessment_ratings.py`` each build one :class:`Dataset` named
``DATASET`` (columns with Chinese and English headers, kinds, vocabularies, limits, examples and
hints; row rules; natural key; snapshot or keyed resubmission; the merge into the warehouse; the
Asset). Every module of this package that declares a ``DATASET`` is found and registered at
import, ordered by its ``order``.
Parsing, the GX suites, the CLI's choices, the Assets, the API contract's dataset list, the
templates, the data dictionary and the county guide's tables all read :data:`DATASETS`.

To add a dataset: write ``<name>.py`` beside these (copy the closest one), add its warehouse
table (``warehouse/schema.py`` and a migration), and teach the sample generator to produce it
(README "Where do I ...").
"""

from __future__ import annotations

import importlib
import pkgutil

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

#: name -> declaration; filled from this package's modules at import, and by :func:`register`.
DATASETS: dict[str, Dataset] = {}


def register(dataset: Dataset) -> Dataset:
    """Add a declaration to the registry, with the vocabularies and problem types it brings.

    A name (of a dataset, a vocabulary, a problem code) means one thing: declaring it twice
    differently is an error, not a silent override.
    """
    from teachflow.problems import CATALOG
    from teachflow.vocabularies import VOCABULARIES

    if dataset.name in DATASETS and DATASETS[dataset.name] is not dataset:
        raise ValueError(f"dataset {dataset.name!r} is declared twice")
    for vocabulary in dataset.vocabularies:
        if VOCABULARIES.setdefault(vocabulary.name, vocabulary) != vocabulary:
            raise ValueError(f"dataset {dataset.name!r}: vocabulary {vocabulary.name!r} is declared twice")
    for problem_type in dataset.problem_types:
        if CATALOG.setdefault(problem_type.code, problem_type) != problem_type:
            raise ValueError(f"dataset {dataset.name!r}: problem {problem_type.code!r} is declared twice")
    DATASETS[dataset.name] = dataset
    return dataset


def unregister(name: str) -> None:
    """Take a dataset out again, with what it brought (tests register throwaway datasets)."""
    from teachflow.problems import CATALOG
    from teachflow.vocabularies import VOCABULARIES

    dataset = DATASETS.pop(name, None)
    for vocabulary in dataset.vocabularies if dataset else ():
        VOCABULARIES.pop(vocabulary.name, None)
    for problem_type in dataset.problem_types if dataset else ():
        CATALOG.pop(problem_type.code, None)


def county_datasets() -> tuple[str, ...]:
    """Datasets a county folder may hold (the city folder also takes the city-only ones)."""
    return tuple(d.name for d in DATASETS.values() if not d.city_only)


def ingest_wave(name: str) -> int:
    """The wave in which a run takes the files of dataset ``name``: 0 for a dataset that reads no
    other dataset's files of the run, else one after the latest wave of those it is ingested after.

    Within a wave files are independent and may be taken in parallel (Airflow's mapped tasks); a
    wave starts when the one before it has ended, so a county's pairings and the activities that
    name them can arrive in the same month's drop. A file of an unknown dataset is in wave 0 (it is
    rejected there).
    """
    dataset = DATASETS.get(name)
    if dataset is None:
        return 0
    return max((ingest_wave(before) + 1 for before in dataset.ingest_after), default=0)


def ingest_waves() -> int:
    """How many waves the registry's datasets need (``county_ingest`` maps one task per wave)."""
    return 1 + max((ingest_wave(name) for name in DATASETS), default=0)


def _declared_here() -> list[Dataset]:
    """The ``DATASET`` of every module of this package, in their declared order."""
    found = []
    for module in pkgutil.iter_modules(__path__):
        declared = getattr(importlib.import_module(f"{__name__}.{module.name}"), "DATASET", None)
        if isinstance(declared, Dataset):
            found.append(declared)
    return sorted(found, key=lambda d: (d.order, d.name))


for _dataset in _declared_here():
    register(_dataset)
