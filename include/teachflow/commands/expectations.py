"""``teachflow expectations build``: regenerate ``expectations/<dataset>.json`` from the dataset registry."""

from __future__ import annotations

import argparse
from pathlib import Path


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("expectations", help="the Great Expectations suites in expectations/")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    build = s.add_parser(
        "build",
        help="write one GX suite per dataset from the dataset registry",
        description=(
            "Build the Great Expectations suite of every dataset from its declaration (teachflow.datasets) "
            "and write it to <dir>/<dataset>.json. The files are committed; run this after changing a dataset. "
            "With --check nothing is written and the exit status says whether the files are current."
        ),
    )
    build.add_argument(
        "--dir", type=Path, help="target folder (default: TEACHFLOW_EXPECTATIONS_DIR or the checkout's expectations/)"
    )
    build.add_argument("--check", action="store_true", help="only report files that differ from the registry")
    build.set_defaults(func=_build)


def _build(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.validation.suites import expectations_dir, stale_suites, write_suites

    folder = args.dir or expectations_dir()
    if args.check:
        stale = stale_suites(folder)
        if stale:
            names = ", ".join(str(p) for p in stale)
            raise CommandError(f"expectation suites out of date: {names}; run `teachflow expectations build`")
        print(f"Expectation suites in {folder} match the contract (the dataset registry).")
        return 0
    for path in write_suites(folder):
        print(f"wrote {path}")
    return 0
