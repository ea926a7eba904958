"""``teachflow report rotation --month YYYY-MM``: compute a month's rotation report and write its files."""

from __future__ import annotations

import argparse

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="reports computed in the warehouse (monthly rotation report)")
    s = p.add_subparsers(dest="report", required=True, metavar="REPORT")
    rotation = s.add_parser(
        "rotation",
        help="the monthly rotation report (交流轮岗月报) of one month",
        description=(
            "Compute month M's rotation figures for the city, every county and every community into "
            "report_rotation_monthly (a new revision only where a figure changed), list the overdue flows, "
            "compute the 帮扶与结对 section (pairings, support activities) into report_support_monthly and "
            "report_support_by_type the same way, "
            "record what the report rests on (report_coverage), write the Excel workbook and HTML page under "
            "<reports>/rotation/<M>/ and the named lists under <outbox>/<county>/lists/. Prints the paths. "
            "A month after today, or one no county has sent data for, is refused (exit code 2)."
        ),
    )
    rotation.add_argument("--month", required=True, metavar="YYYY-MM", help="report month")
    rotation.add_argument("--no-files", action="store_true", help="update the warehouse only; write no Excel/HTML")
    rotation.set_defaults(func=_rotation)


def _rotation(args: argparse.Namespace) -> int:
    from teachflow.calendar import parse_period
    from teachflow.cli import CommandError
    from teachflow.commands import warehouse_engine
    from teachflow.reports.rotation_run import run_rotation_report

    try:
        parse_period(args.month)
    except ValueError as err:
        raise CommandError(str(err)) from err
    settings = load_settings()
    warehouse_engine(settings.warehouse_url).dispose()  # a clear error if the schema is not current
    from teachflow.reports.coverage import ReportRefused

    try:
        run = run_rotation_report(settings, args.month, write_files=not args.no_files)
    except ReportRefused as err:
        raise CommandError(str(err)) from err
    if run.filled:
        print(f"Earlier months of the school year computed first (for the trend): {', '.join(run.filled)}")
    print(run.result.summary())
    if run.result.support is not None:
        print(run.result.support.summary())
    for path in run.paths:
        print(path)
    return 0
