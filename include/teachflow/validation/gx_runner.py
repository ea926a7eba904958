"""Run a GX suite on a typed frame and turn every failing row into a :class:`Problem`.

``import great_expectations`` takes seconds (~3.4 s here), so it happens on first use, and one
ephemeral context (in memory, nothing written to disk) serves the whole process. :func:`warm_up`
starts that import in a background thread, so it overlaps with work that leaves the GIL free
instead of adding to it: reading the file (pyarrow), or for a training file on PostgreSQL the
``COPY`` that runs while it is validated (see ``pipeline.validate_while_copying``). GX's default result lists 20
failing values; the COMPLETE format returns every one, so a county sees all its bad rows at once.

GX's ``unexpected_index_list`` holds every failing row's position in the frame (GX caps only
``unexpected_list``, the values, at 200); the row number and the value as written are then read
from the frame at those positions, vectorized, into one batch of columns
(:mod:`teachflow.problem_table`). Naming ``_row`` in ``unexpected_index_column_names``
gives the same rows, but GX fetches each failing row's cells with one ``.at`` lookup (~60 µs a row:
over a minute for a million-row file that fails throughout, against a few seconds this way).
"""

from __future__ import annotations

import functools
import logging
import threading
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow.compute as pc

from teachflow.problem_table import ProblemBatch, ProblemTable, batch_of, text_array
from teachflow.validation.values import ROW_COLUMN

if TYPE_CHECKING:
    import great_expectations as gx

log = logging.getLogger(__name__)

#: Every failing row (index and value); no SQL-like query text (costly on big files).
RESULT_FORMAT: dict[str, Any] = {"result_format": "COMPLETE", "return_unexpected_index_query": False}


class SuiteRunError(RuntimeError):
    """GX could not evaluate an expectation (e.g. a column is missing): never read as a pass."""


_CONTEXT_LOCK = threading.Lock()


def warm_up() -> None:
    """Import GX and build the context in a background thread, once per process.

    Whoever needs the context first (this thread or the caller) builds it; the other waits on the
    lock. A failure is not cached: the caller's own call raises it.
    """
    if not _CONTEXT_LOCK.locked() and _batch_definition.cache_info().currsize == 0:
        threading.Thread(target=_warm_up_quietly, name="gx-warm-up", daemon=True).start()


def _warm_up_quietly() -> None:
    try:
        batch_definition()
    except Exception:  # the caller's own call raises it where it is handled
        log.debug("warming up Great Expectations failed", exc_info=True)


def batch_definition() -> Any:
    """The process's one ephemeral GX context, as a batch definition taking a whole DataFrame."""
    with _CONTEXT_LOCK:
        return _batch_definition()


@functools.cache
def _batch_definition() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # GX stamps each pandas batch with an MD5 of the whole frame (pandas' hash of every cell: ~3 s
    # per million rows of text). The stamp only labels the batch, which we never store; frames
    # "smaller" than this threshold (in bytes) get it, so 0 skips it.
    pandas_execution_engine.HASH_THRESHOLD = 0
    context = gx.get_context(mode="ephemeral")
    context.variables.progress_bars = ProgressBarsConfig(globally=False)
    asset = context.data_sources.add_pandas("teachflow").add_dataframe_asset("typed_frame")
    return asset.add_batch_definition_whole_dataframe("whole_frame")


def _raised(exception_info: Any) -> str | None:
    """The message of an exception GX caught while evaluating, if any.

    GX reports it either flat or keyed by metric, depending on where it failed.
    """
    if not isinstance(exception_info, dict):
        return None
    if exception_info.get("raised_exception"):
        return str(exception_info.get("exception_message"))
    for info in exception_info.values():
        if isinstance(info, dict) and info.get("raised_exception"):
            return str(info.get("exception_message"))
    return None


def _domain_columns(kwargs: dict[str, Any]) -> list[str]:
    """The columns an expectation reads, in the order GX reports their values."""
    return [kwargs[key] for key in ("column", "column_A", "column_B") if key in kwargs]


def suite_columns(suite: gx.ExpectationSuite) -> list[str]:
    """Every column a suite reads, in suite order."""
    names: list[str] = []
    for expectation in suite.expectations:
        for name in _domain_columns(expectation.configuration.kwargs):
            if name not in names:
                names.append(name)
    return names


def run_suite(frame: pd.DataFrame, suite: gx.ExpectationSuite) -> ProblemTable:
    """Every failing row of every expectation, one batch of problems each (unsorted).

    GX fingerprints each frame it is given and ``Batch.validate`` would build the batch twice; the
    V1 validator it delegates to builds it once, from only the columns the suite reads.
    """
    from great_expectations.validator.v1_validator import Validator

    if frame.empty:
        return ProblemTable()
    columns = suite_columns(suite)
    missing = [name for name in [ROW_COLUMN, *columns] if name not in frame.columns]
    if missing:
        raise SuiteRunError(f"{suite.name}: the frame lacks column(s) {', '.join(missing)}")
    by_position = frame[columns].set_axis(pd.RangeIndex(len(frame)), axis=0)
    suite = _failing_part(by_position, suite)
    if not suite.expectations:  # every row passed every expectation (the usual case)
        return ProblemTable()
    validator = Validator(
        batch_definition=batch_definition(),
        batch_parameters={"dataframe": by_position},
        result_format=RESULT_FORMAT,
    )
    outcome = validator.validate_expectation_suite(suite)
    problems = ProblemTable()
    for result in outcome.results:
        config = result.expectation_config
        failure = _raised(result.exception_info)
        if failure is not None:
            raise SuiteRunError(f"{suite.name}: {config.type} {config.kwargs} failed to run: {failure}")
        if not result.success:
            problems += _problems_of(frame, config.kwargs, config.meta or {}, result.result)
    log.debug("suite %s: %d problem(s) on %d row(s)", suite.name, len(problems), len(frame))
    return problems


def _failing_part(by_position: pd.DataFrame, suite: gx.ExpectationSuite) -> gx.ExpectationSuite:
    """The suite's expectations that some row fails, found by a pass that only counts failures.

    Listing the failing rows (the COMPLETE format) makes GX copy the whole frame once per
    expectation (its null filter, even when it drops no row): ~1 s of a million-row file that
    passes, against ~0.25 s to count. So every expectation is first only counted (BOOLEAN_ONLY),
    and the rows are listed for those that failed: a clean file never pays for the listing.
    """
    import great_expectations as gx
    from great_expectations.validator.v1_validator import Validator

    counting = Validator(
        batch_definition=batch_definition(),
        batch_parameters={"dataframe": by_position},
        result_format={"result_format": "BOOLEAN_ONLY"},
    )
    failing = []
    for result in counting.validate_expectation_suite(suite).results:
        config = result.expectation_config
        failure = _raised(result.exception_info)
        if failure is not None:
            raise SuiteRunError(f"{suite.name}: {config.type} {config.kwargs} failed to run: {failure}")
        if not result.success:
            failing.append(config.to_domain_obj())
    return gx.ExpectationSuite(name=suite.name, expectations=failing)


def _problems_of(
    frame: pd.DataFrame, kwargs: dict[str, Any], meta: dict[str, Any], result: dict[str, Any]
) -> ProblemBatch:
    """One expectation's failures as a batch of problems, read from its meta (see suites.py)."""
    code = meta["problem_code"]
    column = meta.get("column") or _domain_columns(kwargs)[0]
    limit_column = meta.get("limit_column")
    fixed = dict(meta.get("params") or {})
    if "unexpected_index_list" not in result:
        raise SuiteRunError(f"{code} on {column}: GX returned no row list (result format not COMPLETE?)")
    positions = np.asarray(result["unexpected_index_list"], dtype=np.int64)
    if len(positions) != result.get("unexpected_count", len(positions)):
        raise SuiteRunError(f"{code} on {column}: GX listed {len(positions)} of {result['unexpected_count']} rows")
    rows = frame[ROW_COLUMN].to_numpy()[positions]
    limits = {"limit": pc.fill_null(text_array(frame[limit_column], positions), "")} if limit_column else {}
    return batch_of(code, column, rows, text_array(frame[column], positions), fixed, limits)
