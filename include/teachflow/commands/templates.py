"""``teachflow templates``: write the Excel templates counties fill in, one per dataset."""

from __future__ import annotations

import argparse
from pathlib import Path

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "templates",
        help="write the county Excel templates (one .xlsx per dataset)",
        description=(
            "Write <dataset>.xlsx for every dataset of the submission contract: Chinese headers "
            "(* = required), dropdowns for coded columns, ID and code columns preset as text, and a "
            "填写说明 sheet with each column's rule and an example. Existing files are overwritten."
        ),
    )
    p.add_argument("--out", type=Path, help="folder to write to (default: <TEACHFLOW_DATA_DIR>/templates)")
    p.set_defaults(func=_write)


def _write(args: argparse.Namespace) -> int:
    from teachflow.templates import write_templates

    folder = args.out or load_settings().data_dir / "templates"
    for path in write_templates(folder):
        print(path)
    return 0
