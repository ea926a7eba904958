"""``teachflow reference load``: load counties, schools and communities from the city's CSVs."""

from __future__ import annotations

import argparse
from pathlib import Path

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("reference", help="the city's reference data (counties, schools, communities)")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    load = s.add_parser(
        "load",
        help="load counties.csv, schools.csv and communities.csv into the warehouse",
        description=(
            "Replace the warehouse's reference tables with the three CSV files (UTF-8, the headers "
            "of the submission contract) in one transaction. Loading the same files again changes nothing."
        ),
    )
    load.add_argument(
        "--dir", type=Path, help="folder holding the three files (default: TEACHFLOW_REFERENCE or data/reference)"
    )
    load.set_defaults(func=_load)


def _load(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.commands import warehouse_engine
    from teachflow.reference import ReferenceError, load_reference

    settings = load_settings()
    folder = args.dir or settings.reference_dir
    engine = warehouse_engine(settings.warehouse_url)
    try:
        result = load_reference(engine, folder)
    except ReferenceError as err:
        raise CommandError(str(err)) from err
    finally:
        engine.dispose()
    state = "loaded" if result.changed else "unchanged (same files as the last load)"
    print(
        f"Reference data {state}: {result.counties} counties, {result.schools} schools, "
        f"{result.communities} communities from {folder}"
    )
    return 0
