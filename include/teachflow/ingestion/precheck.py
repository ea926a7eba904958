"""A county's pre-check: the same parsing and validation as ingestion, nothing loaded.

The portal's upload page calls :func:`precheck` and :func:`write_precheck_feedback`: the same
functions ``teachflow check`` runs (``identity_problems``, ``assess_file``) and the same account of
the file it writes, so a clerk gets the same verdict and the same problems (in the same words)
whether the file is checked at the command line, in the portal, or ingested for real.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from teachflow.contract import DATASETS
from teachflow.ingestion.feedback import FeedbackFiles, write_feedback
from teachflow.ingestion.pipeline import OUTCOME_ZH, Assessment, Reference, assess_file, identity_problems
from teachflow.settings import Settings


@dataclass(frozen=True)
class PrecheckResult:
    """The verdict of a pre-check and the figures a clerk is shown."""

    assessment: Assessment
    rows_total: int
    rows_bad: int
    rows_duplicate: int

    @property
    def rejected(self) -> bool:
        return self.assessment.rejected

    @property
    def rows_loadable(self) -> int:
        return 0 if self.rejected else self.rows_total - self.rows_duplicate - self.rows_bad

    @property
    def verdict_zh(self) -> str:
        if self.rejected:
            return f"预检：{OUTCOME_ZH['rejected']}"
        if self.rows_bad:
            return f"预检：可以入库，其中 {self.rows_bad} 行有错误、不会入库"
        return "预检：可以入库"


def precheck(
    path: Path,
    dataset: str,
    county_code: str,
    period: str,
    reference: Reference,
    settings: Settings,
    today: dt.date | None = None,
) -> PrecheckResult:
    """Judge ``path`` as ingestion would for ``(county_code, period, dataset)``; loads nothing."""
    file_format = Path(path).suffix.lower().lstrip(".")
    problems = identity_problems(county_code, period, dataset, file_format, reference, today or dt.date.today())
    if problems:
        spec = DATASETS.get(dataset, DATASETS["teachers"])
        assessment = Assessment(dataset=spec, problems=problems)
    else:
        assessment = assess_file(Path(path), DATASETS[dataset], county_code, period, reference, settings)
    return PrecheckResult(
        assessment=assessment,
        rows_total=assessment.rows_total,
        rows_bad=len(assessment.bad_rows),
        rows_duplicate=assessment.rows_duplicate,
    )


def write_precheck_feedback(
    out: Path,
    source: Path,
    dataset: str,
    county_code: str,
    period: str,
    result: PrecheckResult,
    county_name: str = "",
) -> FeedbackFiles:
    """The pre-check's feedback files (XLSX, CSV, status JSON) in the folder ``out``, with the same
    account of the file ``teachflow check`` writes (outcome ``checked``, what would load, names)."""
    from teachflow import calendar

    assessment = result.assessment
    would_load = result.rows_loadable
    bad = result.rows_bad
    return write_feedback(
        out,
        county_code,
        period,
        dataset,
        assessment.problems,
        {
            "file": str(source),
            "county_code": county_code,
            "county_name": county_name,
            "period": period,
            "dataset": dataset,
            "processed_at": calendar.now_utc().isoformat(timespec="seconds"),
            "outcome": "checked",
            "outcome_zh": (
                "不能入库，正式报送时整个文件将被退回"
                if assessment.rejected
                else f"可以入库，将入库 {would_load} 行" + (f"；有错误的 {bad} 行不会入库" if bad else "")
            ),
            "would_be": "rejected" if assessment.rejected else "accepted",
            "rows_total": result.rows_total,
            "rows_loaded": would_load,
            "rows_rejected": result.rows_total if assessment.rejected else bad,
            "rows_duplicate": result.rows_duplicate,
        },
        names=assessment.row_names,
        folder=out,
    )
