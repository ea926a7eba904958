"""``teachflow ingest`` and ``teachflow check``: the county pipeline without a scheduler."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    ingest = sub.add_parser(
        "ingest",
        help="take every new submission in the landing zone into the warehouse",
        description=(
            "Discover complete, not yet taken files in the landing zone (TEACHFLOW_LANDING), archive "
            "them, validate them and merge what passes; write each county's feedback to the outbox. "
            "The same pipeline as the county_ingest DAG, one file after another."
        ),
    )
    ingest.add_argument("--landing", help="landing zone URL or folder (default: TEACHFLOW_LANDING)")
    ingest.add_argument(
        "--quiet-seconds",
        type=float,
        help="take only files unchanged for this long (default: TEACHFLOW_LANDING_QUIET_SECONDS, 60)",
    )
    ingest.set_defaults(func=_ingest)

    check = sub.add_parser(
        "check",
        help="pre-check one file as the city would, without loading anything",
        description=(
            "A county's own pre-check: the same parsing and validation as ingestion, no warehouse "
            "write. Writes the feedback file (XLSX and CSV) and prints a summary. Exit status 0 if "
            "the file would be accepted, 1 if it would be rejected."
        ),
    )
    check.add_argument("file", type=Path, help="the .xlsx or .csv file to check")
    check.add_argument(
        "--dataset", required=True, choices=["teachers", "teacher_flows", "training_records", "assessment_ratings"]
    )
    check.add_argument("--county", required=True, help="6-digit county code the file is for")
    check.add_argument("--period", help="month the data covers, YYYY-MM (default: from the file's folder)")
    check.add_argument("--out", type=Path, help="folder for the feedback (default: next to the file)")
    check.add_argument(
        "--reference",
        type=Path,
        help="folder with counties.csv/schools.csv/communities.csv (default: the warehouse's reference data)",
    )
    check.set_defaults(func=_check)


def _ingest(args: argparse.Namespace) -> int:
    import dataclasses

    from teachflow.commands import warehouse_engine
    from teachflow.ingestion.pipeline import ingest_landing

    settings = load_settings()
    overrides = {}
    if args.landing:
        overrides["landing"] = args.landing
    if args.quiet_seconds is not None:
        overrides["landing_quiet_seconds"] = args.quiet_seconds
    settings = dataclasses.replace(settings, **overrides)
    engine = warehouse_engine(settings.warehouse_url)
    try:
        outcomes = ingest_landing(engine, settings)
    finally:
        engine.dispose()
    if not outcomes:
        print(f"Nothing new in {settings.landing}.")
    for outcome in outcomes:
        print(outcome.summary())
    counts = {s: sum(o.status == s for o in outcomes) for s in ("accepted", "rejected", "duplicate", "failed")}
    print(
        f"{len(outcomes)} file(s): " + ", ".join(f"{n} {s}" for s, n in counts.items() if n) if outcomes else "",
        f"\nFeedback for counties: {settings.outbox}" if outcomes else "",
        sep="",
    )
    return 1 if counts["failed"] else 0


def _check(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.contract import DATASETS
    from teachflow.ingestion.feedback import write_feedback
    from teachflow.ingestion.pipeline import OUTCOME_ZH, Reference, assess_file, identity_problems, load_reference_data

    settings = load_settings()
    if not args.file.exists():
        raise CommandError(f"{args.file}: no such file")
    period = args.period or _period_from_path(args.file)
    if period is None:
        raise CommandError("give --period YYYY-MM (the month the data covers)")
    if args.reference:
        from teachflow.reference import parse_reference

        rows, _ = parse_reference(args.reference)
        reference = Reference(
            {c["county_code"]: c["is_city"] for c in rows["counties"]},
            {s["school_code"]: s["county_code"] for s in rows["schools"]},
        )
    else:
        from teachflow.warehouse.engine import make_engine

        engine = make_engine(settings.warehouse_url)
        try:
            reference = load_reference_data(engine)
        except Exception as err:  # no warehouse here: say what to do instead
            raise CommandError(
                f"cannot read the schools from the warehouse ({err.__class__.__name__}); "
                "pass --reference FOLDER with the city's reference CSVs"
            ) from err
        finally:
            engine.dispose()

    import datetime as dt

    dataset = DATASETS[args.dataset]
    fmt = args.file.suffix.lower().lstrip(".")
    problems = identity_problems(args.county, period, args.dataset, fmt, reference, dt.date.today())
    if problems:
        from teachflow.ingestion.pipeline import Assessment

        assessment = Assessment(dataset=dataset, problems=problems)
    else:
        assessment = assess_file(args.file, dataset, args.county, period, reference, settings)
    status = "rejected" if assessment.rejected else "accepted"
    out = args.out or args.file.parent
    bad = len(assessment.bad_rows)
    files = write_feedback(
        out,
        args.county,
        period,
        args.dataset,
        assessment.problems,
        {
            "file": str(args.file),
            "county_code": args.county,
            "period": period,
            "dataset": args.dataset,
            "outcome": f"check: would be {status}",
            "outcome_zh": f"预检：{OUTCOME_ZH[status]}" if status == "rejected" else "预检：可以入库",
            "rows_total": assessment.rows_total,
            "rows_loaded": 0 if assessment.rejected else assessment.rows_total - assessment.rows_duplicate - bad,
            "rows_rejected": assessment.rows_total if assessment.rejected else bad,
            "rows_duplicate": assessment.rows_duplicate,
        },
    )
    verdict = "would be REJECTED whole" if assessment.rejected else "would be accepted"
    print(
        f"{args.file}: {verdict}. Rows {assessment.rows_total}, rows with errors {bad}, "
        f"exact duplicates {assessment.rows_duplicate}, problems listed {len(assessment.problems)}."
    )
    for problem in assessment.file_problems:
        from teachflow.problems import render

        print("  -", render(problem, dataset.column(problem.column).header_zh if problem.column else None)[0])
    print(f"Feedback: {files.xlsx}")
    return 1 if assessment.rejected else 0


def _period_from_path(path: Path) -> str | None:
    parent = path.resolve().parent.name
    return parent if re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", parent) else None
