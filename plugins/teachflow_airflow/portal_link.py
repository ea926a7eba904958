"""The Airflow UI's link to the county portal's city page (an Airflow 3 plugin external view).

No ``url_route``: the link opens the portal itself, which refuses to be framed (X-Frame-Options).

The data team opens 县区报送门户 from Airflow's navigation bar; the address is
``TEACHFLOW_PORTAL_URL`` (default ``http://127.0.0.1:8090``, what ``make demo`` starts).
"""

from __future__ import annotations

import os

from airflow.plugins_manager import AirflowPlugin


def portal_url() -> str:
    return os.environ.get("TEACHFLOW_PORTAL_URL", "http://127.0.0.1:8090").rstrip("/")


class TeachflowPortalPlugin(AirflowPlugin):
    name = "teachflow_portal"
    external_views = [  # noqa: RUF012 - Airflow reads the class attribute
        {
            "name": "县区报送门户 County portal",
            "href": f"{portal_url()}/city",
            "destination": "nav",
            "category": "browse",
        }
    ]
