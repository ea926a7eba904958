"""
### rotation_report_monthly: the monthly rotation report (交流轮岗月报)

**rotation_report_monthly** runs at 06:00 (Beijing time) on the 6th of each month for the month
before: the counties' files for month M are due by the 5th of M+1.

1. **report_month**: the month to report, derived explicitly: the ``month`` param of a manual run
   (``{"month": "2026-10"}``), else the month before the run's logical date (or before
   ``run_after`` for a manual run without one), read on Beijing time. Never ``data_interval_start``:
   Airflow 3's CronTriggerTimetable makes the data interval empty.
2. **compute**: every figure of reports.md for the city, each county and each community, computed
   in the warehouse by set-based SQL into ``report_rotation_monthly``, and the overdue flows into
   ``report_rotation_overdue``; in the same transaction the 帮扶与结对 section (pairings and
   support activities, practices.md §6) into ``report_support_monthly`` and
   ``report_support_by_type``. A row gets a new ``revision`` only when one of its figures changed,
   so a rerun of the same data changes nothing: the DAG is idempotent per month.
   What the figures rest on (each county's submissions and their status, late files, stand-in
   rosters) goes into ``report_coverage``; a month after today or without any county's data fails
   with the reason (cycle.md). Earlier unreported months of the school year are computed first,
   so that the trend is complete.
3. **publish**: the Excel workbook and the HTML page under ``<reports>/rotation/<YYYY-MM>/``,
   written atomically; the named lists (逾期未返名单, 培训进度滞后名单) under
   ``<outbox>/<county>/lists/`` only (restricted: names).

Backfill past months with ``airflow backfill create --dag-id rotation_report_monthly --from-date
2026-06-01 --to-date 2026-11-30`` (runs dated the 6th of June..November report May..October).

**rotation_report_refresh** follows the ingestion Assets (rosters, flows, training records, and the
pairings and support activities of the 帮扶与结对 section): when a late or corrected submission is
merged, it re-runs every month *already reported* from the earliest period named in the triggering
events' ``extra["period"]`` on (a roster of month P is the latest roster of later months too), one
mapped task per month. Months whose figures did not change
keep their revision and files; a month never reported waits for its run on the 6th. The same
submissions re-run the **final** joint-assessment scores of their school year, if any are stored
(``reassess``; the revision rises only if a score changed).
The domain code lives in ``teachflow.reports``; this file only wires it.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import Param, dag, get_current_context, task

from teachflow_airflow.assets import DATASET_ASSETS, REPORT_INPUTS
from teachflow_airflow.calendar_params import MONTH_PARAM
from teachflow_airflow.timetables import bureau_cron

DEFAULT_ARGS = {"owner": "teachflow-data", "retries": 2, "retry_delay": dt.timedelta(minutes=5)}
TAGS = ["teachflow", "report", "rotation"]


def _refresh_schedule():
    first, *rest = (DATASET_ASSETS[name] for name in REPORT_INPUTS)
    for asset in rest:
        first = first | asset
    return first


@dag(
    dag_id="rotation_report_monthly",
    schedule=bureau_cron("0 6 6 * *"),  # shown as "0 6 6 * * Asia/Shanghai"
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    params={
        "month": Param(
            None,
            type=["null", "string"],
            pattern=MONTH_PARAM,
            description="Report month YYYY-MM (blank: the month before the run's date)",
        )
    },
    doc_md=__doc__,
    tags=TAGS,
    default_args=DEFAULT_ARGS,
)
def rotation_report_monthly():
    @task
    def report_month() -> str:
        """The month this run reports on."""
        from teachflow.reports.rotation_run import month_for_run

        context = get_current_context()
        dag_run = context["dag_run"]
        period = month_for_run(context["params"].get("month"), dag_run.logical_date, dag_run.run_after)
        print(f"Report month: {period}")
        return period

    @task
    def compute(period: str) -> dict:
        """Figures of every scope into report_rotation_monthly (new revision only where changed), and
        what they rest on into report_coverage; a future or empty month fails here with the reason."""
        import dataclasses

        from teachflow.reports.rotation_run import compute_month
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        settings = task_settings()
        engine = make_engine(settings.warehouse_url)
        try:
            result, filled = compute_month(engine, settings, period)
        finally:
            engine.dispose()
        if filled:
            print(f"Earlier months computed first (for the trend): {', '.join(filled)}")
        print(result.summary())
        if result.support is not None:
            print(result.support.summary())
        return dataclasses.asdict(result)

    @task
    def publish(result: dict) -> list[str]:
        """The Excel workbook and the HTML page of the month, from the stored figures, and the
        counties' named lists (restricted: written to the outbox only)."""
        from teachflow.reports.rotation_run import publish_month
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        settings = task_settings()
        engine = make_engine(settings.warehouse_url)
        try:
            paths = publish_month(engine, settings, result["period"])
        finally:
            engine.dispose()
        for path in paths:
            print(path)
        return [str(p) for p in paths]

    publish(compute(report_month()))


@dag(
    dag_id="rotation_report_refresh",
    schedule=_refresh_schedule(),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=TAGS,
    default_args=DEFAULT_ARGS,
)
def rotation_report_refresh():
    @task
    def months_changed() -> list[str]:
        """Reported months that the triggering submissions may have changed."""
        from teachflow.reports.months import months_to_refresh
        from teachflow.reports.rotation import reported_periods
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        events = get_current_context().get("triggering_asset_events") or {}
        changed = sorted({(e.extra or {}).get("period") for evs in events.values() for e in evs} - {None})
        engine = make_engine(task_settings().warehouse_url)
        try:
            months = months_to_refresh(changed, reported_periods(engine))
        finally:
            engine.dispose()
        print(f"Submissions for {changed or 'no period'}; months to refresh: {months or 'none'}")
        return months

    @task(map_index_template="{{ report_period }}", multiple_outputs=False)  # one XCom, not one per key
    def refresh(period: str) -> dict:
        """Recompute one month; rewrite its files only if a figure changed."""
        from teachflow.reports.rotation_run import run_rotation_report
        from teachflow_airflow.runtime import task_settings

        get_current_context()["report_period"] = period
        run = run_rotation_report(task_settings(), period, only_if_changed=True)
        print(run.result.summary())
        if run.result.support is not None:
            print(run.result.support.summary())
        return {"period": period, "revision": run.result.revision, "files": [str(p) for p in run.paths]}

    @task
    def reassess(months: list[str]) -> list[str]:
        """Final assessment scores of the school years these submissions touch, re-run (default model)."""
        from teachflow.scoring.model import load_model
        from teachflow.scoring.run import rescore_final_years
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        events = get_current_context().get("triggering_asset_events") or {}
        changed = sorted({(e.extra or {}).get("period") for evs in events.values() for e in evs} - {None})
        settings = task_settings()
        engine = make_engine(settings.warehouse_url)
        try:
            runs = rescore_final_years(engine, settings, changed, load_model(None))
        finally:
            engine.dispose()
        for run in runs:
            print(run.text())
        return [run.school_year for run in runs]

    changed_months = months_changed()
    refresh.expand(period=changed_months)
    reassess(changed_months)


rotation_report_monthly()
rotation_report_refresh()
