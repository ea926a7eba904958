"""
### county_ingest: counties' files from the landing zone into the warehouse

Every 15 minutes (``TEACHFLOW_INGEST_SCHEDULE``), whenever ``county_api_pull`` lands files (the
landing Asset; those files skip the quiet time, since the pull renames them into place whole) and
on demand:

1. **discover**: list the landing zone (``<landing>/<county>/<YYYY-MM>/<dataset>.<csv|xlsx>``, any
   fsspec URL) and keep the complete files the submission ledger has not taken yet;
2. **ingest**, one mapped task per file, labelled ``county/dataset/period``: archive the bytes,
   record them in the ledger, parse, validate (Great Expectations suites in ``expectations/`` plus
   teachflow's rules), merge what passed in one transaction, and write the county's feedback to the
   outbox. A rejected or failing file only fails or rejects itself: the other counties go on.
3. **discover_wave2** / **ingest_wave2**: the same for the datasets whose rules read what the first
   wave merges (``Dataset.ingest_after``: support activities after pairings, so that a county may
   send a pairing and the activities naming it in one drop), once every first-wave task has ended.

A **rejected** file ends its mapped task as *skipped* (not a green success), labelled
``county/dataset/period · 已退回 rejected``; its outcome is still the task's XCom. A quarantined
file fails its task with the alert's words (``AlertedFailure``): the ``on_failure_callback``
(``DataTeamNotifier``) e-mails the data team once, as for any failed task.
A run triggered by the county portal names its file in ``conf["files"]``, which skips the quiet time.

Each accepted submission emits an event on its dataset's Asset (``teachflow://warehouse/<dataset>``)
with the county and period in ``extra``, so the report DAGs follow the data.
The domain code lives in ``include/teachflow`` (``teachflow.ingestion.pipeline``); this file only wires it.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import AssetOrTimeSchedule, TriggerRule, dag, task

from teachflow_airflow.alerts import on_failure
from teachflow_airflow.assets import DATASET_ASSETS, INGEST_WAVES, INGESTED, LANDING
from teachflow_airflow.timetables import bureau_cron

#: A cron expression, or "none" to run only when the pull lands files and on demand.
SCHEDULE = os.environ.get("TEACHFLOW_INGEST_SCHEDULE", "*/15 * * * *")


def pulled_files(context) -> frozenset[str]:
    """Landing paths known to be whole: those the county API pull reported in the events that
    triggered this run, and those the county portal named in the run's ``conf["files"]``."""
    events = context.get("triggering_asset_events") or {}
    pulled = {
        path for asset_events in events.values() for event in asset_events for path in event.extra.get("files", [])
    }
    dag_run = context.get("dag_run")
    conf = (getattr(dag_run, "conf", None) or {}) if dag_run is not None else {}
    portal = conf.get("files") if isinstance(conf, dict) else None
    if isinstance(portal, list):
        pulled |= {p for p in portal if isinstance(p, str)}
    return frozenset(pulled)


@dag(
    dag_id="county_ingest",
    # On the clock, and as soon as the county API pull lands new files.
    schedule=(
        [LANDING]
        if SCHEDULE.strip().lower() == "none"
        else AssetOrTimeSchedule(timetable=bureau_cron(SCHEDULE), assets=[LANDING])
    ),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["teachflow", "ingest", "counties"],
    default_args={
        "owner": "teachflow-data",
        "retries": 2,
        "retry_delay": dt.timedelta(minutes=2),
        "on_failure_callback": on_failure(),
    },
)
def county_ingest():
    @task
    def discover(wave: int = 0, **context) -> list[dict]:
        """New, complete files in the landing zone (paths, sizes, mtimes) of the datasets of ``wave``."""
        import dataclasses

        from teachflow.datasets import ingest_wave
        from teachflow.ingestion.pipeline import discover as discover_files
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        settings = task_settings()
        engine = make_engine(settings.warehouse_url)
        try:
            files = discover_files(engine, settings, known_complete=pulled_files(context))
        finally:
            engine.dispose()
        files = [f for f in files if ingest_wave(f.dataset) == wave]
        print(f"{len(files)} new file(s) of wave {wave + 1} in {settings.landing}")
        return [dataclasses.asdict(f) for f in files]

    # multiple_outputs=False: a task returning a dict would otherwise push one XCom per key as well
    # (~11 calls to the API server per file, ~0.2 s of a ~1 s task; issue 18); nothing reads them.
    @task(map_index_template="{{ submission_label }}", outlets=[INGESTED], multiple_outputs=False)
    def ingest(submission: dict, *, outlet_events=None) -> dict:
        """One county's file: archive, ledger, validate, merge or reject, feedback."""
        import dataclasses

        from airflow.sdk import get_current_context

        from teachflow.ingestion.landing import LandingFile
        from teachflow.ingestion.pipeline import ingest_file, load_reference_data
        from teachflow.scoring.model import rated_indicator_codes
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.runtime import task_settings

        file = LandingFile(**submission)
        get_current_context()["submission_label"] = file.label  # names the mapped task in the UI
        settings = task_settings()
        engine = make_engine(settings.warehouse_url)
        try:
            reference = load_reference_data(engine, rated_indicator_codes)  # read if a ratings file is judged
            outcome = ingest_file(engine, settings, file, reference)
        finally:
            engine.dispose()
        print(outcome.summary())
        if outcome.status == "rejected":
            _show_rejection(file.label, dataclasses.asdict(outcome))
        if outcome.status == "quarantined":
            _fail_quarantined(file.label, outcome.submission_id)
        if outcome.status == "failed":
            # Red in the UI, without Airflow's quick retries: the failure is recorded in the ledger and
            # the county told; the next scheduled run takes the file again, and after
            # TEACHFLOW_MAX_FAILED_TAKES failures it is quarantined (the ALERT line in this log).
            from airflow.sdk.exceptions import AirflowFailException

            raise AirflowFailException(f"{file.label}: {outcome.status} (submission {outcome.submission_id})")
        if outcome.status == "accepted" and file.dataset in DATASET_ASSETS:
            outlet_events[INGESTED].add(
                DATASET_ASSETS[file.dataset],
                extra={
                    "county_code": file.county_code,
                    "period": file.period,
                    "submission_id": outcome.submission_id,
                },
            )
        return dataclasses.asdict(outcome)

    # Wave by wave (teachflow.datasets.ingest_wave): a dataset whose rules read another's merged
    # rows (support activities name pairings) is discovered and ingested after that one's files of
    # the run have ended, whatever their outcome; within a wave files are mapped tasks side by side.
    previous = ingest.expand(submission=discover())
    for wave in range(1, INGEST_WAVES):
        found = discover.override(task_id=f"discover_wave{wave + 1}", trigger_rule=TriggerRule.ALL_DONE)(wave=wave)
        previous >> found
        previous = ingest.override(task_id=f"ingest_wave{wave + 1}").expand(submission=found)


def _show_rejection(label: str, result: dict) -> None:
    """End a rejected file's task as *skipped*, labelled with what happened (the outcome kept as XCom)."""
    from airflow.sdk import get_current_context
    from airflow.sdk.exceptions import AirflowSkipException

    context = get_current_context()
    context["submission_label"] = f"{label} · 已退回 rejected"
    context["ti"].xcom_push(key="return_value", value=result)
    raise AirflowSkipException(
        f"{label}: 已退回 rejected; rows {result['rows_total']}, problems {result['problem_count']}"
    )


def _fail_quarantined(label: str, submission_id: int | None) -> None:
    """A file that failed too often is quarantined: its task fails (red, no retry) with the words
    of the data team's alert; the DAG's ``on_failure_callback`` e-mails them, once."""
    from airflow.sdk import get_current_context

    from teachflow_airflow.alerts import AlertedFailure

    get_current_context()["submission_label"] = f"{label} · 已隔离 quarantined"
    raise AlertedFailure(
        subject=f"【teachflow 告警】文件已隔离 {label}",
        body=f"{label} 多次处理失败，已隔离（ledger 第 {submission_id} 行）。请查看任务日志。",
    )


county_ingest()
