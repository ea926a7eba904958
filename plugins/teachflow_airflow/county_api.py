"""County API settings inside Airflow: one connection ``county_api_<county_code>`` per API county.

The connection holds the county system's base URL and, in its password, the token (so the token
lives in Airflow's secrets backend). The base URL is the connection's host when that is a full URL
(``https://edu.county.example/teachflow``), else ``<schema or https>://<host>[:<port>]``, or the
extra ``base_url`` when given. Extras may tune the client: ``connect_timeout``, ``read_timeout``,
``max_attempts``, ``backoff_base``, ``backoff_max``, ``retry_after_cap``, ``request_deadline``,
``page_size``, ``max_pages``. Without a connection, the ``TEACHFLOW_COUNTY_API_<code>_URL``/``_TOKEN``
environment variables apply (as on the command line); a county with neither drops files instead.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from airflow.sdk import AssetAlias

if TYPE_CHECKING:
    from teachflow.pull.config import CountyApiConfig
    from teachflow.settings import Settings

CONN_PREFIX = "county_api_"

#: The pull attaches a LANDING event to this alias only when a county's pull landed new files.
PULLED = AssetAlias("teachflow_pulled")

_FLOAT_EXTRAS = (
    "connect_timeout",
    "read_timeout",
    "backoff_base",
    "backoff_max",
    "retry_after_cap",
    "request_deadline",
)
_INT_EXTRAS = ("max_attempts", "page_size", "max_pages")

log = logging.getLogger(__name__)


def conn_id(county_code: str) -> str:
    return f"{CONN_PREFIX}{county_code}"


def config_from_connection(county_code: str) -> CountyApiConfig | None:
    """The county's configuration from its Airflow connection, or None if there is none."""
    from airflow.sdk import BaseHook

    from teachflow.pull.config import CountyApiConfig

    try:
        conn = BaseHook.get_connection(conn_id(county_code))
    except Exception:  # AirflowNotFoundException: a file-drop county (or configured by environment)
        return None
    extra = conn.extra_dejson or {}
    host = (conn.host or "").strip()
    if extra.get("base_url"):
        base_url = str(extra["base_url"])
    elif "://" in host:
        base_url = host
    else:
        base_url = f"{conn.schema or 'https'}://{host}" + (f":{conn.port}" if conn.port else "")
    tuning = {name: float(extra[name]) for name in _FLOAT_EXTRAS if name in extra}
    tuning |= {name: int(extra[name]) for name in _INT_EXTRAS if name in extra}
    return CountyApiConfig(
        county_code=county_code,
        base_url=base_url,
        token=conn.password or "",
        source=f"Airflow connection {conn_id(county_code)}",
        **tuning,
    )


def county_api_config(county_code: str) -> CountyApiConfig | None:
    """The connection's configuration, else the environment's, else None (a file-drop county)."""
    from teachflow.pull.config import config_from_env

    return config_from_connection(county_code) or config_from_env(county_code)


def api_county_codes(settings: Settings) -> list[str]:
    """The counties to pull: every county of the reference data (and of the environment's
    ``TEACHFLOW_COUNTY_API_*``) that has a configuration."""
    from teachflow.pull.config import configured_counties_from_env

    candidates = set(configured_counties_from_env()) | set(_reference_county_codes(settings))
    return [code for code in sorted(candidates) if county_api_config(code) is not None]


def _reference_county_codes(settings: Settings) -> list[str]:
    from sqlalchemy import select

    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.schema import counties

    engine = make_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            return list(conn.execute(select(counties.c.county_code)).scalars())
    except Exception as err:  # no reference data yet: the environment's counties only
        log.warning("cannot read the counties from the warehouse (%s); using the environment's only", err)
        return []
    finally:
        engine.dispose()
