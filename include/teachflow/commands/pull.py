"""``teachflow pull`` and ``teachflow serve-county-api``: the county API without a scheduler."""

from __future__ import annotations

import argparse
import os
import re
import signal
import sys
from pathlib import Path

from teachflow.calendar import is_period
from teachflow.settings import load_settings


def _period(value: str) -> str:
    if not is_period(value):
        raise argparse.ArgumentTypeError(f"{value!r} is not a month YYYY-MM")
    return value


def _county(value: str) -> str:
    if not re.fullmatch(r"[0-9]{6}", value, re.ASCII):
        raise argparse.ArgumentTypeError(f"{value!r} is not a 6-digit county code")
    return value


def register(sub: argparse._SubParsersAction) -> None:
    pull = sub.add_parser(
        "pull",
        help="pull submissions from counties' own systems (county API) into the landing zone",
        description=(
            "For every county with TEACHFLOW_COUNTY_API_<code>_URL and _TOKEN set (or only --county), "
            "list the submissions its system offers, download what is new or changed, check size and "
            "SHA-256, and land it atomically as <landing>/<county>/<YYYY-MM>/<dataset>.<ext>. "
            "The same as the county_api_pull DAG. Exit status 1 if any county or file failed."
        ),
    )
    pull.add_argument("--county", type=_county, action="append", help="only this county (repeatable)")
    pull.add_argument("--period", type=_period, help="only this month, YYYY-MM (default: all the county offers)")
    pull.add_argument("--landing", help="landing zone URL or folder (default: TEACHFLOW_LANDING)")
    pull.set_defaults(func=_pull)

    serve = sub.add_parser(
        "serve-county-api",
        help="serve a folder laid out like the landing zone through the county API (reference server)",
        description=(
            "The reference server of the county API contract (docs/county-api.yaml): serves "
            "<root>/<county>/<YYYY-MM>/<dataset>.<ext>; each county's base URL is "
            "http://HOST:PORT/counties/<county>. For demos and for county developers; not for production."
        ),
    )
    serve.add_argument("--root", type=Path, required=True, help="folder laid out like the landing zone")
    serve.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    serve.add_argument("--port", type=int, default=8765, help="port (default: 8765; 0 picks a free one)")
    serve.add_argument(
        "--token", help="the bearer token clients must send (default: TEACHFLOW_COUNTY_API_SERVER_TOKEN)"
    )
    serve.set_defaults(func=_serve)


def _pull(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.pull.config import (
        CountyApiConfigError,
        config_from_env,
        configured_counties_from_env,
        env_token_name,
        env_url_name,
    )
    from teachflow.pull.puller import pull_counties

    settings = load_settings()
    landing = args.landing or settings.landing
    counties = args.county or configured_counties_from_env()
    configs = []
    try:
        for county in counties:
            config = config_from_env(county)
            if config is None:
                raise CommandError(
                    f"county {county} has no API configured: set {env_url_name(county)} and "
                    f"{env_token_name(county)} (a county without them drops files instead)"
                )
            configs.append(config)
    except CountyApiConfigError as err:
        raise CommandError(str(err)) from err
    if not configs:
        print("No county API configured (TEACHFLOW_COUNTY_API_<code>_URL): nothing to pull.")
        return 0
    run = pull_counties(configs, landing, max_file_bytes=settings.max_file_bytes, period=args.period)
    for result in run.results:
        print(result.summary())
        for path in result.landed:
            print(f"  landed {path}")
        for path, why in result.failed:
            print(f"  FAILED {path}: {why}")
    for error in run.errors:
        if not hasattr(error, "result"):
            print(f"FAILED {error}")
    print(f"Landing zone: {landing}")
    return 1 if run.errors else 0


def _serve(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.pull.server import TOKEN_ENV, CountyApiServer

    token = args.token or os.environ.get(TOKEN_ENV, "")
    if not token:
        raise CommandError(f"give --token or set {TOKEN_ENV}: the server accepts only that bearer token")
    if not args.root.is_dir():
        raise CommandError(f"{args.root}: no such folder")
    server = CountyApiServer(args.root, token, host=args.host, port=args.port)
    counties = sorted(p.name for p in args.root.iterdir() if p.is_dir() and re.fullmatch(r"\d{6}", p.name))
    print(f"Serving {args.root} on {server.url}")
    for county in counties:
        print(f"  county {county}: {server.county_url(county)}")
    print("Ctrl-C (or SIGTERM) to stop.", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # a background server stops cleanly on kill
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()
    return 0
