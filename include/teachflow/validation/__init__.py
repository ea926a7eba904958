"""Validation of a typed submission frame: the GX suite of its dataset plus teachflow's own rules.

``validate`` returns every problem of every row (not a sample), sorted as the county reads its
file: by row, then by the contract's column order. ``find_duplicates`` separates harmless exact
repeats from conflicting versions of one record. Great Expectations is imported on first use.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from teachflow.datasets import DATASETS
from teachflow.problem_table import ProblemTable
from teachflow.problems import Problem
from teachflow.validation.context import ValidationContext
from teachflow.validation.duplicates import find_duplicates
from teachflow.validation.rules import check_rules

__all__ = ["ValidationContext", "find_duplicates", "validate"]


def validate(
    frame: pd.DataFrame,
    dataset: str,
    ctx: ValidationContext,
    prior: ProblemTable | Iterable[Problem] = (),
) -> ProblemTable:
    """Every problem of the typed frame: the dataset's GX suite, then the teachflow rules.

    ``prior`` are the problems normalize already found; a cell that has one (other than a warning)
    gets no second problem here, e.g. an unreadable date is ``date_invalid``, not also
    ``required_missing``. The result is a table of columns (:mod:`teachflow.problem_table`); it
    iterates as, and compares equal to, the list of :class:`Problem` values.
    """
    from teachflow.validation.gx_runner import run_suite
    from teachflow.validation.suites import load_suite

    ds = DATASETS[dataset]
    found = run_suite(frame, load_suite(dataset, limits=ctx.number_limits)) + check_rules(frame, dataset, ctx)
    found = found.without_cells(ProblemTable.of(prior))
    # File-level problems first, then by row; within a row by column, row-wide problems last.
    rows = found.flat()["row"]
    return found.sorted(
        [rows, found.column_ranks(ds.column_names, len(ds.column_names), len(ds.column_names)), found.code_ranks()]
    )
