"""The demo's API county: one sample county's files served by the reference server and pulled back.

``teachflow sample`` drops every county's files into the landing zone. For the demo, one county
plays a county with its own system: its files move from the landing zone into a source folder
(``<data_dir>/county_api_source``), the reference server serves that folder on loopback, and the
puller brings them back into the landing zone through the API, before ``county_ingest`` runs.
Running it again gives the same landing zone.
"""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

from teachflow.calendar import is_period
from teachflow.contract import FILE_FORMATS
from teachflow.pull.config import CountyApiConfig
from teachflow.pull.puller import PullResult, pull_county
from teachflow.pull.server import CountyApiServer
from teachflow.settings import Settings

log = logging.getLogger("teachflow.pull")

DEMO_TOKEN = "demo-token-not-for-production"


def demo_source(settings: Settings) -> Path:
    return settings.data_dir / "county_api_source"


def move_county_to_source(landing: Path, source: Path, county_code: str) -> list[str]:
    """Move the county's contract-shaped files (``<YYYY-MM>/<dataset>.<csv|xlsx>``) from the landing
    zone into the source folder, replacing what is there; the relative paths moved."""
    moved = []
    county_folder = landing / county_code
    if not county_folder.is_dir():
        return moved
    for path in sorted(county_folder.glob("*/*")):
        stem, _, ext = path.name.rpartition(".")
        if not (path.is_file() and is_period(path.parent.name) and ext in FILE_FORMATS and stem):
            continue
        if path.name.startswith("."):
            continue
        target = source / county_code / path.parent.name / path.name
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(path, target)
        moved.append(f"{county_code}/{path.parent.name}/{path.name}")
    return moved


def run_demo_pull(settings: Settings, county_code: str) -> PullResult:
    """Serve ``county_code``'s sample files from the reference server on 127.0.0.1 (a free port) and
    pull them back into the landing zone through the API. The landing zone must be a local folder."""
    landing = Path(settings.landing)
    if "://" in settings.landing:
        raise ValueError(f"the demo pull needs a local landing folder, not {settings.landing}")
    source = demo_source(settings)
    moved = move_county_to_source(landing, source, county_code)
    log.info("demo: county %s's %d file(s) now served from %s", county_code, len(moved), source)
    source.joinpath(county_code).mkdir(parents=True, exist_ok=True)
    with CountyApiServer(source, DEMO_TOKEN) as server:
        config = CountyApiConfig(county_code, server.county_url(county_code), DEMO_TOKEN, source="the demo")
        result = pull_county(config, str(landing), max_file_bytes=settings.max_file_bytes)
    result.raise_for_failures()
    return result
