"""
### daily_digest: 每日报送情况, one short Chinese text per county and one for the city

At 08:00 Asia/Shanghai every day (cycle.md): for each county, the files received in the last day
and what became of each (rejected rows counted, the feedback's link), what is still pending (days
left) or missing (days overdue), and submissions rejected with nothing in force; for the city,
every county's line and what needs following up.

- Written to ``<outbox>/<county>/digest/<YYYY-MM-DD>.txt`` (the city's under its own code) and
  shown in the county portal.
- E-mailed to the portal accounts with an address (a county's clerks; city staff get the city's)
  when SMTP is configured: the ``smtp_default`` connection, else ``TEACHFLOW_SMTP_HOST``.
- Submissions that became **missing** (past their due day) since the last digest alert the data
  team once (``DataTeamNotifier`` to ``TEACHFLOW_ALERT_EMAIL``).

Links point at ``TEACHFLOW_PORTAL_URL`` when set. The domain code is ``teachflow.digest``.
"""

from __future__ import annotations

import datetime as dt

from airflow.sdk import dag, task
from airflow.timetables.trigger import CronTriggerTimetable

from teachflow_airflow.alerts import on_failure


@dag(
    dag_id="daily_digest",
    schedule=CronTriggerTimetable("0 8 * * *", timezone="Asia/Shanghai"),
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["teachflow", "digest", "counties"],
    default_args={
        "owner": "teachflow-data",
        "retries": 1,
        "retry_delay": dt.timedelta(minutes=10),
        "on_failure_callback": on_failure(),
    },
)
def daily_digest():
    @task
    def write_and_send() -> dict:
        """Every digest written, e-mailed where it can be; the data team alerted of new gaps."""
        import os

        from airflow.sdk import get_current_context

        from teachflow import calendar
        from teachflow.digest import run_daily_digest
        from teachflow.warehouse.engine import make_engine
        from teachflow_airflow.alerts import DataTeamNotifier, smtp_settings
        from teachflow_airflow.runtime import task_settings

        context = get_current_context()
        moment = context.get("logical_date") or context["dag_run"].run_after or calendar.now_utc()
        settings = task_settings()
        engine = make_engine(settings.warehouse_url)
        try:
            run = run_daily_digest(
                engine,
                settings.outbox,
                now=moment,
                due_day=settings.due_day,
                portal_url=os.environ.get("TEACHFLOW_PORTAL_URL") or None,
                smtp=smtp_settings(),
            )
        finally:
            engine.dispose()
        for path in run.written:
            print(f"wrote {path}")
        if run.newly_missing:
            lines = [f"{s.county_code} {s.period} {s.dataset}: {s.status_zh}" for s in run.newly_missing]
            DataTeamNotifier(
                subject=f"【teachflow 告警】{len(lines)} 项报送逾期未报",
                body="以下报送已过截止日仍未收到：\n" + "\n".join(lines),
            ).notify(context)
        return {
            "written": len(run.written),
            "mailed": [code for code, _ in run.mailed],
            "newly_missing": len(run.newly_missing),
        }

    write_and_send()


daily_digest()
