"""
### county_api_pull: counties' own systems into the landing zone, over the county API

Some counties keep their data in their own system and cannot drop files. Their systems publish the
city's API contract (``docs/county-api.yaml``, explained in ``docs/county-api.md``) and this DAG
pulls from them every hour (``TEACHFLOW_PULL_SCHEDULE``):

1. **api_counties**: the counties with an Airflow connection ``county_api_<county_code>`` (base URL,
   token in the password) or ``TEACHFLOW_COUNTY_API_<code>_URL``/``_TOKEN``; the others drop files;
2. **pull**, one mapped task per county, labelled with its code: list what the county offers, skip
   what was pulled before (SHA-256 / ETag), download the rest with timeouts and bounded retries,
   check size and SHA-256, and rename it atomically into ``<landing>/<county>/<YYYY-MM>/<dataset>.<ext>``.
   One county being down fails only its own task (retried); a wrong token or URL fails it at once,
   with a message that names the connection to fix.

When a county's pull landed new files, the task emits the landing Asset (``teachflow://landing``),
so ``county_ingest`` runs without waiting for its next quarter hour.
The domain code lives in ``include/teachflow/pull``; this file only wires it.
"""

from __future__ import annotations

import datetime as dt
import os

from airflow.sdk import dag, task

from teachflow_airflow.county_api import PULLED
from teachflow_airflow.timetables import bureau_cron

SCHEDULE = os.environ.get("TEACHFLOW_PULL_SCHEDULE", "0 * * * *")


@dag(
    dag_id="county_api_pull",
    schedule=bureau_cron(SCHEDULE),  # the cron on the bureau's clock, shown with its timezone
    start_date=dt.datetime(2026, 1, 1, tzinfo=dt.UTC),
    catchup=False,
    max_active_runs=1,
    doc_md=__doc__,
    tags=["teachflow", "pull", "counties"],
    default_args={
        "owner": "teachflow-data",
        "retries": 3,
        "retry_delay": dt.timedelta(minutes=2),
        "retry_exponential_backoff": True,
        "execution_timeout": dt.timedelta(minutes=45),
    },
)
def county_api_pull():
    @task
    def api_counties() -> list[str]:
        """County codes with an API configured (codes only: tokens never go through XCom)."""
        from teachflow_airflow.county_api import api_county_codes
        from teachflow_airflow.runtime import task_settings

        codes = api_county_codes(task_settings())
        print(f"{len(codes)} API county(ies): {', '.join(codes) or '(none)'}")
        return codes

    # One XCom (the dict), not one more per key: see county_ingest.ingest.
    @task(map_index_template="{{ county_label }}", outlets=[PULLED], multiple_outputs=False)
    def pull(county_code: str, *, outlet_events=None) -> dict:
        """One county: list, skip what is here, download, verify, land atomically."""
        import dataclasses

        from airflow.sdk import get_current_context
        from airflow.sdk.exceptions import AirflowFailException, AirflowSkipException

        from teachflow.pull.client import CountyApiError
        from teachflow.pull.config import CountyApiConfigError
        from teachflow.pull.puller import pull_county
        from teachflow_airflow.assets import LANDING
        from teachflow_airflow.county_api import county_api_config
        from teachflow_airflow.runtime import task_settings

        get_current_context()["county_label"] = county_code
        settings = task_settings()
        try:
            config = county_api_config(county_code)
            if config is None:
                raise AirflowSkipException(f"county {county_code} no longer has an API configured")
            result = pull_county(config, settings.landing, max_file_bytes=settings.max_file_bytes)
            print(result.summary())
            result.raise_for_failures()
        except CountyApiConfigError as err:
            raise AirflowFailException(str(err)) from err
        except CountyApiError as err:
            if not err.transient:  # a wrong token, URL or answer: retrying will not fix it
                raise AirflowFailException(str(err)) from err
            raise
        if result.landed:
            outlet_events[PULLED].add(LANDING, extra={"county_code": county_code, "files": result.landed})
        return dataclasses.asdict(result)

    pull.expand(county_code=api_counties())


county_api_pull()
