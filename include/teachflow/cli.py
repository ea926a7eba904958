"""The ``teachflow`` command line: the same pipelines the DAGs run, without a scheduler.

Each command group lives in its own module under ``teachflow.commands`` and registers itself
with :func:`register`; heavy libraries (pandas, Great Expectations) are imported inside the
command, so ``teachflow --help`` answers at once.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import sys

#: Command modules, in the order their commands appear in --help.
COMMAND_MODULES = (
    "teachflow.commands.secret",
    "teachflow.commands.warehouse",
    "teachflow.commands.reference",
    "teachflow.commands.sample",
    "teachflow.commands.ingest",
    "teachflow.commands.feedback",
    "teachflow.commands.pull",
    "teachflow.commands.report",
    "teachflow.commands.templates",
    "teachflow.commands.expectations",
    "teachflow.commands.score",
    "teachflow.commands.portal",
)


class CommandError(Exception):
    """An error meant for the user: printed without a traceback, exit status 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="teachflow",
        description=(
            "teachflow: county teacher submissions -> validated warehouse -> monthly rotation "
            "report and joint-assessment scores. Settings come from TEACHFLOW_* environment "
            "variables (see README)."
        ),
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug detail")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


_CHATTY = ("great_expectations", "alembic.runtime.plugins")


def _without_library_chatter(record: logging.LogRecord) -> bool:
    """Libraries' INFO lines (e.g. GX's "Created temporary directory") mean nothing to a user."""
    return record.levelno >= logging.WARNING or not record.name.startswith(_CHATTY)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    quiet = getattr(args, "quiet_logs", False)  # a command for clerks (check) prints only its own lines
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING if quiet else logging.INFO,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic.runtime.plugins").setLevel(logging.WARNING)  # a line per Alembic plugin
    logging.getLogger("great_expectations").setLevel(logging.WARNING)  # its start-up chatter
    if not args.verbose:
        # GX sets its own loggers' levels when it is imported (after the line above, in a thread
        # for the warm-up), so its INFO lines are also dropped where they are written.
        for handler in logging.getLogger().handlers:
            handler.addFilter(_without_library_chatter)
    try:
        return int(args.func(args) or 0)
    except CommandError as err:
        print(f"teachflow: error: {err}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
