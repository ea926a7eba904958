"""One scoring run: read the warehouse, score the year, store it, write the Excel and HTML.

The DAG's tasks and ``teachflow score`` call these functions; nothing here knows about Airflow.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine

from teachflow import calendar
from teachflow.calendar import SchoolYear
from teachflow.policy import Policy
from teachflow.reports.coverage import read_coverage, store_coverage, year_coverage
from teachflow.scoring.breakdown import PolicyFigures
from teachflow.scoring.computed import community_schools, school_figures
from teachflow.scoring.model import ScoringModel
from teachflow.scoring.rated import rating_group_means
from teachflow.scoring.score import YearScores, score_year
from teachflow.scoring.store import read_run, register_model, replace_scores
from teachflow.settings import Settings, load_settings


@dataclass(frozen=True)
class RunSummary:
    school_year: str
    model_hash: str
    provisional: bool
    schools: int
    communities: int
    flagged: list[str]
    revision: int = 1
    #: Months of the year the run's B1 hours are prorated to (12: the whole year).
    months_elapsed: int = 12

    def text(self) -> str:
        kind = "provisional" if self.provisional else "final"
        flagged = ", ".join(self.flagged) or "none"
        prorated = f", training hours prorated to {self.months_elapsed} month(s)" if self.months_elapsed < 12 else ""
        return (
            f"Joint assessment {self.school_year} ({kind}, model {self.model_hash[:12]}, revision {self.revision}"
            f"{prorated}): {self.schools} school(s), {self.communities} communit(ies); flagged for review: {flagged}"
        )


def policy_figures(settings: Settings | None, year: SchoolYear, as_of_period: str) -> PolicyFigures:
    """The policy figures (Settings, as the monthly report uses them) with B1's hours prorated to
    the months of ``year`` up to ``as_of_period`` (the whole year when it is the last period)."""
    return PolicyFigures.of(settings.policy if settings else Policy(), calendar.months_elapsed(as_of_period))


def as_of_period(year: SchoolYear, provisional: bool, moment: dt.datetime) -> str:
    """The last month a run counts: the whole year for a final run; else the month before the run
    (a run on 1 November counts September and October), kept inside the year."""
    if not provisional:
        return year.last_period
    before = calendar.previous_period(calendar.to_local(moment))
    return min(max(before, year.first_period), year.last_period)


def compute_year(
    engine: Engine, year: SchoolYear, model: ScoringModel, policy: PolicyFigures | None = None
) -> YearScores:
    """Scores of every school and community for the year, read in one consistent transaction."""
    if policy is None:
        policy = policy_figures(None, year, year.last_period)
    with engine.connect() as conn:
        schools = community_schools(conn)
        figures = school_figures(
            conn, year, eligibility_years=policy.eligibility_years, hours_required=policy.hours_required
        )
        ratings = rating_group_means(conn, year, model.renamed_codes())
    return score_year(schools, figures, ratings, model, policy)


def score_and_store(
    engine: Engine,
    school_year: str,
    model: ScoringModel,
    *,
    provisional: bool,
    computed_at: dt.datetime | None = None,
    settings: Settings | None = None,
) -> RunSummary:
    """Compute the year and replace its rows for this model, with its coverage, in one transaction.

    The revision goes up when a rerun changes a score (a late submission), as the monthly report's.
    """
    year = SchoolYear.parse(school_year)
    computed_at = computed_at or dt.datetime.now(dt.UTC).replace(microsecond=0)
    policy = policy_figures(settings, year, as_of_period(year, provisional, computed_at))
    scores = compute_year(engine, year, model, policy)
    due_day = settings.due_day if settings else 5
    with engine.begin() as conn:
        official = (settings or load_settings()).official_scoring_model
        register_model(conn, model, official_model=official)
        revision = replace_scores(
            conn, str(year), model.sha256, scores, provisional=provisional, computed_at=computed_at
        )
        store_coverage(conn, year_coverage(conn, year, at=computed_at, due_day=due_day))
    return RunSummary(
        school_year=str(year),
        model_hash=model.sha256,
        provisional=provisional,
        schools=len(scores.schools),
        communities=len(scores.communities),
        flagged=[c.community_code for c in scores.communities if c.review_flag],
        revision=revision,
        months_elapsed=policy.months_elapsed,
    )


@dataclass(frozen=True)
class Outputs:
    xlsx: Path
    html: Path


def output_stem(model: ScoringModel, school_year: str) -> str:
    """``教共体捆绑考核_v2025_2025-2026``: the model's name and version keep two models' files apart."""
    from teachflow.ingestion.feedback import safe_component

    return safe_component(f"{model.name}_v{model.version}_{school_year}")


def publish(
    engine: Engine, reports_dir: Path, school_year: str, model: ScoringModel, settings: Settings | None = None
) -> Outputs:
    """Excel and HTML of a stored run under ``<reports>/assessment/<school-year>/``."""
    from teachflow.scoring.excel import write_workbook
    from teachflow.scoring.html import write_page

    run = read_run(engine, school_year, model.sha256)
    year = SchoolYear.parse(school_year)
    with engine.connect() as conn:
        coverage = read_coverage(conn, "assessment", school_year, due_day=settings.due_day if settings else 5)
    policy = policy_figures(settings, year, as_of_period(year, run.provisional, run.computed_at or calendar.now_utc()))
    context = OutputContext(coverage.lines_zh if coverage else (), policy)
    folder = Path(reports_dir) / "assessment" / school_year
    folder.mkdir(parents=True, exist_ok=True)
    stem = output_stem(model, school_year)
    return Outputs(
        xlsx=write_workbook(run, model, folder / f"{stem}.xlsx", context),
        html=write_page(run, model, folder / f"{stem}.html", context),
    )


@dataclass(frozen=True)
class OutputContext:
    """What the outputs show beside the stored scores: the coverage lines and the policy figures used."""

    coverage_lines: tuple[str, ...]
    policy: PolicyFigures


def rescore_final_years(
    engine: Engine, settings: Settings, changed_periods: list[str], model: ScoringModel
) -> list[RunSummary]:
    """Re-run the final scores of the school years holding ``changed_periods`` that have final scores
    stored for ``model`` (a late or corrected submission); the revision rises only if a score changed."""
    from sqlalchemy import select

    from teachflow.warehouse.schema import assessment_community_scores as cs

    years = sorted({str(SchoolYear.of_period(p)) for p in changed_periods if calendar.is_period(p)})
    if not years:
        return []
    with engine.connect() as conn:
        final = set(
            conn.execute(
                select(cs.c.school_year)
                .where(cs.c.school_year.in_(years), cs.c.model_hash == model.sha256, cs.c.provisional.is_(False))
                .distinct()
            ).scalars()
        )
    out = []
    for year in sorted(final):
        out.append(score_and_store(engine, year, model, provisional=False, settings=settings))
        publish(engine, settings.reports, year, model, settings)
    return out
