"""``teachflow feedback resend --county C --period P``: write a county's feedback files again."""

from __future__ import annotations

import argparse

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feedback", help="the counties' feedback files")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    resend = s.add_parser(
        "resend",
        help="rewrite a county's feedback for a period from the ledger",
        description=(
            "Write the feedback files (XLSX, CSV, status JSON) of every dataset the county sent for "
            "the period again, from the ledger and the archived files: after an outbox failure (the "
            "log's ALERT line names this command) or when the county asks. Nothing is loaded."
        ),
    )
    resend.add_argument("--county", required=True, help="county code, e.g. 450202")
    resend.add_argument("--period", required=True, help="month YYYY-MM")
    resend.set_defaults(func=_resend)


def _resend(args: argparse.Namespace) -> int:
    from teachflow.calendar import is_period
    from teachflow.cli import CommandError
    from teachflow.ingestion.landing import COUNTY_RE
    from teachflow.ingestion.resend import resend_feedback
    from teachflow.warehouse.engine import make_engine

    if not COUNTY_RE.match(args.county):
        raise CommandError(f"--county {args.county!r}: a county code is six digits")
    if not is_period(args.period):
        raise CommandError(f"--period {args.period!r}: give the month as YYYY-MM")
    settings = load_settings()
    engine = make_engine(settings.warehouse_url)
    try:
        written = resend_feedback(engine, settings, args.county, args.period)
    finally:
        engine.dispose()
    if not written:
        raise CommandError(f"the ledger holds no submission of county {args.county} for {args.period}")
    for files in written:
        print(f"feedback written: {files.xlsx}, {files.csv}, {files.status_json}")
    return 0
