"""The Great Expectations suites, built from the dataset registry and kept as JSON in ``expectations/``.

Each dataset's declaration (:mod:`teachflow.datasets`: columns, required flags, vocabularies,
widths, number limits, date orders) makes its suite. ``teachflow expectations build`` writes them to
``expectations/<dataset>.json``; they are committed so a reviewer sees every rule change as data in
a pull request, and loaded from there at run time. A test keeps the files equal to what
:func:`build_suite` produces, so the JSON and the contract cannot drift apart.

Each expectation's ``meta`` says which teachflow problem a failing row becomes:
``problem_code``, optionally ``params`` (fixed message fields) and ``limit_column`` (a column whose
value in the same row fills the message's ``{limit}``), so :mod:`gx_runner` maps failures generically.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from teachflow.datasets import DATASETS, Column, Dataset, NumberRange
from teachflow.ingestion.parsing.values import allowed_labels, allowed_labels_en
from teachflow.settings import project_root
from teachflow.vocabularies import VOCABULARIES

if TYPE_CHECKING:
    import great_expectations as gx

# ASCII digits only: Python's \d also takes full-width digits, which must be reported, not passed.
SCHOOL_CODE_PATTERN = r"^[0-9]{10}$"
SCHOOL_YEAR_PATTERN = r"^[0-9]{4}-[0-9]{4}$"

NOTES = "Generated from teachflow.datasets by `teachflow expectations build`; do not edit by hand."


def expectations_dir() -> Path:
    """Where the suites live: TEACHFLOW_EXPECTATIONS_DIR, else the checkout's ``expectations/``."""
    value = os.environ.get("TEACHFLOW_EXPECTATIONS_DIR")
    return Path(value) if value else project_root() / "expectations"


def suite_path(dataset: str, folder: Path | None = None) -> Path:
    return (folder or expectations_dir()) / f"{dataset}.json"


def _column_expectations(dataset: Dataset, col: Column) -> list[Any]:
    """The expectations of one column, in a fixed order (not null, vocabulary, pattern, length, range, order)."""
    import great_expectations.expectations as gxe

    where = f"{dataset.name}.{col.name}"
    found: list[Any] = []
    if col.required:
        found.append(
            gxe.ExpectColumnValuesToNotBeNull(
                column=col.name,
                description=f"{where} is required",
                meta={"problem_code": "required_missing"},
            )
        )
    if col.kind == "vocab" and col.vocabulary:
        vocab = VOCABULARIES[col.vocabulary]
        found.append(
            gxe.ExpectColumnValuesToBeInSet(
                column=col.name,
                value_set=list(vocab.codes),
                description=f"{where} is a code of vocabulary {vocab.name}",
                meta={
                    "problem_code": "vocab_unknown",
                    "params": {"allowed": allowed_labels(vocab), "allowed_en": allowed_labels_en(vocab)},
                },
            )
        )
    if col.kind == "school_code":
        found.append(
            gxe.ExpectColumnValuesToMatchRegex(
                column=col.name,
                regex=SCHOOL_CODE_PATTERN,
                description=f"{where} has 10 digits",
                meta={"problem_code": "school_code_format"},
            )
        )
    if col.kind == "school_year":
        found.append(
            gxe.ExpectColumnValuesToMatchRegex(
                column=col.name,
                regex=SCHOOL_YEAR_PATTERN,
                description=f"{where} looks like 2025-2026 (teachflow checks the years are consecutive)",
                meta={"problem_code": "school_year_format"},
            )
        )
    if col.max_length is not None:
        found.append(
            gxe.ExpectColumnValueLengthsToBeBetween(
                column=col.name,
                max_value=col.max_length,
                description=f"{where} has at most {col.max_length} characters (the warehouse column's width)",
                meta={"problem_code": "text_too_long", "params": {"limit": str(col.max_length)}},
            )
        )
    bounds = col.limits
    if bounds is not None:
        meta: dict[str, Any] = {"problem_code": "number_range", "params": _range_params(col, bounds)}
        if bounds.max_setting:  # the configured figure replaces max_value when the suite is loaded
            meta["max_setting"] = bounds.max_setting
        found.append(
            gxe.ExpectColumnValuesToBeBetween(
                column=col.name,
                min_value=bounds.min_value,
                max_value=bounds.max_value,
                strict_min=bounds.strict_min,
                strict_max=bounds.strict_max,
                description=f"{where}: {bounds.limit_text_en(col.name)}",
                meta=meta,
            )
        )
    if col.not_before is not None:
        later, earlier = col.name, col.not_before
        found.append(
            gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                column_A=later,
                column_B=earlier,
                or_equal=True,
                ignore_row_if="either_value_is_missing",
                description=f"{where} is not before {earlier}",
                meta={"problem_code": "date_order", "limit_column": earlier},
            )
        )
    return found


def _range_params(col: Column, bounds: NumberRange) -> dict[str, str]:
    """The ``{limit}`` and ``{limit_en}`` of a ``number_range`` line: the bounds in words."""
    return {"limit": bounds.limit_text(col.header_zh), "limit_en": bounds.limit_text_en(col.name)}


def _configured_limits(dataset: str, raw: dict[str, Any], limits: Mapping[str, float]) -> None:
    """Put the configured upper bounds (settings named by ``meta.max_setting``) into a loaded
    suite's JSON, with the feedback's words for them, in place.

    The committed suite holds the settings' defaults (it is built from the declaration); a figure
    an operator sets (e.g. ``TEACHFLOW_ACTIVITY_MAX_PARTICIPANTS``) takes effect here, at run time,
    without rebuilding the suites.
    """
    columns = {c.name: c for c in DATASETS[dataset].columns}
    for expectation in raw.get("expectations", []):
        meta, kwargs = expectation.get("meta") or {}, expectation.get("kwargs") or {}
        setting = meta.get("max_setting")
        if setting is None or setting not in limits or kwargs.get("max_value") == limits[setting]:
            continue
        col = columns[kwargs["column"]]
        assert col.limits is not None
        bounds = col.limits.with_max(limits[setting])
        kwargs["max_value"] = bounds.max_value
        meta["params"] = {**(meta.get("params") or {}), **_range_params(col, bounds)}


def build_suite(dataset: str) -> gx.ExpectationSuite:
    """The suite of a dataset, from the contract (what ``expectations/<dataset>.json`` must hold)."""
    import great_expectations as gx

    ds = DATASETS[dataset]
    expectations = [e for col in ds.columns for e in _column_expectations(ds, col)]
    return gx.ExpectationSuite(
        name=f"teachflow.{dataset}",
        expectations=expectations,
        meta={"dataset": dataset, "great_expectations_version": gx.__version__},
        notes=NOTES,
    )


def suite_json_text(dataset: str) -> str:
    """The exact text committed as ``expectations/<dataset>.json``."""
    return json.dumps(build_suite(dataset).to_json_dict(), indent=2, ensure_ascii=False) + "\n"


def write_suites(folder: Path | None = None) -> list[Path]:
    """(Re)write every dataset's suite file; returns the paths written."""
    target = folder or expectations_dir()
    target.mkdir(parents=True, exist_ok=True)
    written = []
    for dataset in DATASETS:
        path = suite_path(dataset, target)
        path.write_text(suite_json_text(dataset), encoding="utf-8")
        written.append(path)
    return written


def stale_suites(folder: Path | None = None) -> list[Path]:
    """Suite files that are missing or differ from what the contract produces."""
    target = folder or expectations_dir()
    stale = []
    for dataset in DATASETS:
        path = suite_path(dataset, target)
        if not path.exists() or path.read_text(encoding="utf-8") != suite_json_text(dataset):
            stale.append(path)
    return stale


class SuiteError(RuntimeError):
    """A suite file is missing or does not load completely."""


def load_suite(
    dataset: str, folder: Path | None = None, limits: Mapping[str, float] | None = None
) -> gx.ExpectationSuite:
    """Load ``expectations/<dataset>.json`` as a GX suite, with the configured ``limits``
    (setting name -> figure, :attr:`ValidationContext.number_limits`) in place of the defaults.

    GX logs and skips an expectation it cannot parse; a silently shorter suite would let bad rows
    through, so a suite that loses expectations on the way is an error here.
    """
    import great_expectations as gx

    path = suite_path(dataset, folder)
    if not path.exists():
        raise SuiteError(f"No expectation suite for {dataset!r} at {path}; run `teachflow expectations build`.")
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
        if limits:
            _configured_limits(dataset, raw, limits)
        suite = gx.ExpectationSuite(**raw)
    except (ValueError, TypeError) as err:  # bad JSON, or kwargs an expectation rejects (pydantic)
        raise SuiteError(f"{path} does not load: {err}") from err
    if len(suite.expectations) != len(raw.get("expectations", [])):
        raise SuiteError(f"{path}: {len(raw['expectations']) - len(suite.expectations)} expectation(s) did not load")
    for expectation in suite.expectations:
        if "problem_code" not in (expectation.meta or {}):
            raise SuiteError(f"{path}: expectation {expectation.expectation_type} has no meta.problem_code")
    return suite
