"""
### joint_assessment: the education communities' joint assessment (教共体捆绑考核)

Scores every school and community for a school year (reports.md, "Joint assessment scoring"):
computed indicators from the warehouse, rated ones from the evaluators' scores, the n/a rescaling,
bundling (荣辱共担), community score, grade, rank and the bottom-10 % review flag.

**When** (one DAG, on the 1st of every month at 03:00 China time, and on the day after August's
files are due, 6 September by default):
- the runs of **September** score the school year that has just ended: provisional on the 1st
  (August's files may still come), **final** on the 6th, after the due day (reports.md);
  a late submission that changes an input re-runs the final score (``rotation_report_refresh``)
  with a new revision;
- the runs of the other months score the **current** school year, marked **provisional**, with
  B1's 72 学时 prorated to the months elapsed;
- **on demand**, trigger with ``{"school_year": "2024-2025"}`` for any year (final if it has ended,
  else provisional) and optionally ``{"model": "/path/to/model.yaml"}``.
The year is derived from the run's own date (logical date, else run_after, in Asia/Shanghai),
never from the data interval.

**Tasks**: ``target`` (which year, final or provisional, which model) → ``score`` (compute and
replace the year's rows for this model's hash in one transaction: idempotent per year and model
version; what the year's data rests on into ``report_coverage``) → ``publish`` (Excel and HTML
under ``<reports>/assessment/<school-year>/``, named after the model's name and version).

The scoring model is ``include/teachflow/scoring/joint_assessment.yaml`` unless
``TEACHFLOW_SCORING_MODEL`` or the ``model`` parameter names another file. A broken model fails
``target`` with each problem and its line. The domain code lives in ``teachflow.scoring``.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import Param, dag, task

from teachflow_airflow.calendar_params import SCHOOL_YEAR_PARAM
from teachflow_airflow.timetables import bureau_cron

#: The day after August's files are due (TEACHFLOW_DUE_DAY, 5 by default): the final run.
FINAL_DAY = min(int(os.environ.get("TEACHFLOW_DUE_DAY") or 5) + 1, 28)


@dag(
    dag_id="joint_assessment",
    schedule=bureau_cron("0 3 1 * *", f"0 3 {FINAL_DAY} 9 *"),  # shown as "0 3 1 * *, 0 3 6 9 * Asia/Shanghai"
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["teachflow", "assessment", "scores"],
    params={
        "school_year": Param(
            None,
            type=["null", "string"],
            pattern=SCHOOL_YEAR_PARAM,
            description="School year to score, e.g. 2025-2026 (blank: decided by the run's date)",
        ),
        "model": Param(None, type=["null", "string"], description="Scoring model YAML (blank: the default)"),
    },
    default_args={"owner": "teachflow-data", "retries": 2, "retry_delay": dt.timedelta(minutes=5)},
)
def joint_assessment():
    @task
    def target(params: dict | None = None) -> dict:
        """Which school year this run scores, final or provisional, and with which model."""
        from airflow.sdk import get_current_context

        from teachflow.calendar import format_local
        from teachflow.reports.coverage import check_year_scorable
        from teachflow.scoring.model import load_model
        from teachflow.scoring.years import target_for_run
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        context = get_current_context()
        when = context.get("logical_date") or context["dag_run"].run_after
        run_date = format_local(when)
        params = params or {}
        settings = task_settings()
        chosen = target_for_run(when, params.get("school_year") or None, due_day=settings.due_day)
        engine = make_engine(settings.warehouse_url)
        try:
            with engine.connect() as conn:  # a year not begun or without data stops here, with the reason
                check_year_scorable(conn, chosen.school_year)
        finally:
            engine.dispose()
        model = load_model(params.get("model") or None)  # a broken model stops the run here, with its lines
        kind = "provisional" if chosen.provisional else "final"
        print(f"Run of {run_date}: school year {chosen.school_year}, {kind}, model {model.source} {model.sha256[:12]}")
        return {
            "school_year": str(chosen.school_year),
            "provisional": chosen.provisional,
            "model": params.get("model") or None,
            "model_hash": model.sha256,
        }

    @task
    def score(chosen: dict) -> dict:
        """Compute the year's scores and replace its rows for this model version."""
        import dataclasses

        from teachflow.scoring.model import load_model
        from teachflow.scoring.run import score_and_store
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        model = load_model(chosen["model"])
        if model.sha256 != chosen["model_hash"]:
            raise RuntimeError("the scoring model file changed during the run; trigger it again")
        engine = make_engine(task_settings().warehouse_url)
        try:
            summary = score_and_store(
                engine, chosen["school_year"], model, provisional=chosen["provisional"], settings=task_settings()
            )
        finally:
            engine.dispose()
        print(summary.text())
        return {**dataclasses.asdict(summary), "model": chosen["model"]}

    @task
    def publish(summary: dict) -> dict:
        """Excel (ranking, per-school scores, breakdown) and the HTML page with the ranking chart."""
        from teachflow.scoring.model import load_model
        from teachflow.scoring.run import publish as write_outputs
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        settings = task_settings()
        model = load_model(summary["model"])
        engine = make_engine(settings.warehouse_url)
        try:
            outputs = write_outputs(engine, settings.reports, summary["school_year"], model, settings)
        finally:
            engine.dispose()
        print(f"Excel: {outputs.xlsx}\nHTML:  {outputs.html}")
        return {"xlsx": str(outputs.xlsx), "html": str(outputs.html)}

    publish(score(target()))


joint_assessment()
