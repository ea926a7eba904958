"""One scoring run: read the warehouse, score the year, store it, write the Excel and HTML.

The DAG's tasks and ``teachflow score`` call these functions; nothing here knows about Airflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from teachflow.scoring.computed import community_schools, school_figures
from teachflow.scoring.model import ScoringModel
from teachflow.scoring.rated import rating_group_means
from teachflow.scoring.score import YearScores, score_year
from teachflow.scoring.store import read_run, replace_scores
from teachflow.scoring.years import SchoolYear


@dataclass(frozen=True)
class RunSummary:
    school_year: str
    model_hash: str
    provisional: bool
    schools: int
    communities: int
    flagged: list[str]

    def text(self) -> str:
        kind = "provisional" if self.provisional else "final"
        flagged = ", ".join(self.flagged) or "none"
        return (
            f"Joint assessment {self.school_year} ({kind}, model {self.model_hash[:12]}): "
            f"{self.schools} school(s), {self.communities} communit(ies); flagged for review: {flagged}"
        )


def compute_year(engine: Engine, year: SchoolYear, model: ScoringModel) -> YearScores:
    """Scores of every school and community for the year, read in one consistent transaction."""
    measures = {i.measure: i.params for i in model.indicators if i.kind == "computed"}
    rotation = measures.get("rotation_fulfilment", {"eligibility_years": 6})
    training = measures.get("training_compliance", {"hours": 72})
    with engine.connect() as conn:
        schools = community_schools(conn)
        figures = school_figures(
            conn,
            year,
            eligibility_years=int(rotation.get("eligibility_years", 6)),
            hours_required=float(training.get("hours", 72)),
        )
        ratings = rating_group_means(conn, year)
    return score_year(schools, figures, ratings, model)


def score_and_store(
    engine: Engine,
    school_year: str,
    model: ScoringModel,
    *,
    provisional: bool,
    computed_at: dt.datetime | None = None,
) -> RunSummary:
    """Compute the year and replace its rows for this model, in one transaction."""
    year = SchoolYear.parse(school_year)
    scores = compute_year(engine, year, model)
    with engine.begin() as conn:
        replace_scores(
            conn,
            str(year),
            model.sha256,
            scores,
            provisional=provisional,
            computed_at=computed_at or dt.datetime.now(dt.UTC).replace(microsecond=0),
        )
    return RunSummary(
        school_year=str(year),
        model_hash=model.sha256,
        provisional=provisional,
        schools=len(scores.schools),
        communities=len(scores.communities),
        flagged=[c.community_code for c in scores.communities if c.review_flag],
    )


@dataclass(frozen=True)
class Outputs:
    xlsx: Path
    html: Path


def publish(engine: Engine, reports_dir: Path, school_year: str, model: ScoringModel) -> Outputs:
    """Excel and HTML of a stored run under ``<reports>/assessment/<school-year>/``."""
    from teachflow.scoring.excel import write_workbook
    from teachflow.scoring.html import write_page

    run = read_run(engine, school_year, model.sha256)
    folder = Path(reports_dir) / "assessment" / school_year
    folder.mkdir(parents=True, exist_ok=True)
    return Outputs(
        xlsx=write_workbook(run, model, folder / f"joint_assessment_{school_year}.xlsx"),
        html=write_page(run, model, folder / f"joint_assessment_{school_year}.html"),
    )
