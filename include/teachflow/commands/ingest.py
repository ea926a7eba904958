"""``teachflow ingest`` and ``teachflow check``: the county pipeline without a scheduler."""

from __future__ import annotations

import argparse
from pathlib import Path

from teachflow.calendar import is_period
from teachflow.datasets import DATASETS
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
            "write. Writes <dataset>.feedback.xlsx/.csv/.status.json into the file's folder (or --out) "
            "and prints, in Chinese (--lang en: English), whether the file would be accepted and "
            "exactly how many rows would load. Exit status 0 if the file would be accepted, 1 if it "
            "would be rejected, 2 for a wrong argument."
        ),
    )
    check.add_argument("file", type=Path, help="the .xlsx or .csv file to check")
    check.add_argument("--dataset", required=True, choices=list(DATASETS), help="the dataset the file holds")
    check.add_argument("--county", required=True, help="6-digit county code the file is for")
    check.add_argument("--period", help="month the data covers, YYYY-MM (default: from the file's folder)")
    check.add_argument(
        "--out", type=Path, help="folder the feedback files are written into (default: the file's own folder)"
    )
    check.add_argument(
        "--lang", choices=["zh", "en"], default="zh", help="language of what is printed (default: zh, Chinese)"
    )
    check.add_argument(
        "--reference",
        type=Path,
        help="folder with counties.csv/schools.csv/communities.csv (default: the warehouse's reference data)",
    )
    check.set_defaults(func=_check, quiet_logs=True)


def _ingest(args: argparse.Namespace) -> int:
    import dataclasses

    from teachflow.commands import warehouse_engine
    from teachflow.ingestion.pipeline import ingest_landing
    from teachflow.scoring.model import rated_indicator_codes

    settings = load_settings()
    overrides = {}
    if args.landing:
        overrides["landing"] = args.landing
    if args.quiet_seconds is not None:
        overrides["landing_quiet_seconds"] = args.quiet_seconds
    settings = dataclasses.replace(settings, **overrides)
    engine = warehouse_engine(settings.warehouse_url)  # a warehouse without its schema is said first
    try:
        _require_landing(settings.landing)
        outcomes = ingest_landing(engine, settings, rated_indicator_codes)
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


def _require_landing(landing: str) -> None:
    """A landing zone that does not exist is a mistyped setting, not "nothing new"."""
    import fsspec

    from teachflow.cli import CommandError

    fs, root = fsspec.core.url_to_fs(landing)
    if not fs.isdir(root.rstrip("/") or "/"):
        raise CommandError(
            f"landing zone {landing} does not exist or is not a folder (check --landing / TEACHFLOW_LANDING)"
        )


def _check(args: argparse.Namespace) -> int:
    """The pre-check. Speaks Chinese (``--lang en``: English), prints only what the clerk needs:
    the verdict, exactly what would load, the file-level reasons, where the feedback is."""

    from teachflow import calendar
    from teachflow.cli import CommandError
    from teachflow.ingestion.precheck import precheck, write_precheck_feedback

    zh = args.lang == "zh"

    def say(chinese: str, english: str) -> str:
        return chinese if zh else english

    settings = load_settings()
    if not args.file.is_file():
        raise CommandError(say(f"找不到文件 {args.file}，请核对文件路径。", f"{args.file}: no such file"))
    period = args.period or _period_from_path(args.file)
    if period is None:
        raise CommandError(
            say(
                "请用 --period 年-月（例如 --period 2026-10）指明数据所属月份。",
                "give --period YYYY-MM (the month the data covers)",
            )
        )
    reference = _check_reference(args, settings, say)
    if args.county not in reference.counties:
        raise CommandError(
            say(
                f"--county {args.county} 不是市局名单中的区县代码，请核对（6 位行政区划代码，例如 450202）。",
                f"--county {args.county} is not a county code of the city's list (6 digits, e.g. 450202)",
            )
        )
    today = calendar.today_local()
    if not calendar.is_period(period) or period > calendar.period_of(today):
        raise CommandError(
            say(
                f"--period {period} 不正确：应写成 年-月（例如 2026-10），且不能是以后的月份。",
                f"--period {period} is not valid: YYYY-MM (e.g. 2026-10), not a month to come",
            )
        )

    # The same pre-check and the same account of the file as the portal's upload page.
    result = precheck(args.file, args.dataset, args.county, period, reference, settings)
    assessment = result.assessment
    would_load = result.rows_loadable
    out = args.out or args.file.parent
    county_name = reference.county_names.get(args.county, "")
    try:
        files = write_precheck_feedback(out, args.file, args.dataset, args.county, period, result, county_name)
    except OSError as err:
        reason = err.strerror or err.__class__.__name__
        if out.exists() and not out.is_dir():
            reason = say("这不是文件夹", "not a folder")
        raise CommandError(
            say(
                f"无法把反馈表写到 {out}（{reason}），请用 --out 指定一个可写的文件夹。",
                f"cannot write the feedback to {out}: {reason}; give --out a writable folder",
            )
        ) from err

    for line in check_summary(args, assessment, county_name, period, would_load, zh):
        print(line)
    print(say(f"反馈表：{files.xlsx}", f"Feedback: {files.xlsx}"))
    return 1 if assessment.rejected else 0


_FILE_PROBLEMS_SHOWN = 5


def check_summary(
    args: argparse.Namespace, assessment, county_name: str, period: str, would_load: int, zh: bool
) -> list[str]:
    """What the pre-check prints before the feedback's path: verdict, counts, file-level reasons."""
    from teachflow.problems import render

    dataset = assessment.dataset
    bad = len(assessment.bad_rows)
    county = f"{args.county} {county_name}".strip()
    lines: list[str] = []
    if zh:
        lines.append(f"预检：{args.file}（{county}，{period}，{dataset.title_zh}）")
        if assessment.rejected:
            lines.append("结果：不能入库。正式报送时整个文件将被退回，不会入库任何数据。")
        elif bad:
            lines.append(
                f"结果：可以入库，但只是部分入库：将入库 {would_load} 行；有错误的 {bad} 行不会入库，"
                "请改正后重新报送完整文件。"
            )
        else:
            lines.append(f"结果：可以入库，将入库 {would_load} 行。")
        lines.append(
            f"数据行 {assessment.rows_total} 行，有错误的行 {bad} 行，完全重复的行 {assessment.rows_duplicate} 行"
            f"（只入库一次），问题共 {len(assessment.problems)} 条。"
        )
    else:
        lines.append(f"Pre-check: {args.file} ({county}, {period}, {dataset.name})")
        if assessment.rejected:
            lines.append("Result: would be REJECTED whole; nothing of the file would be loaded.")
        elif bad:
            lines.append(
                f"Result: would be accepted in part: {would_load} rows would load; the {bad} row(s) with errors "
                "would NOT load (correct them and submit the whole file again)."
            )
        else:
            lines.append(f"Result: would be accepted: {would_load} rows would load.")
        lines.append(
            f"{assessment.rows_total} rows, {bad} with errors, {assessment.rows_duplicate} exact repeats "
            f"(loaded once), {len(assessment.problems)} problem(s) listed."
        )
    file_problems = assessment.file_problems
    if file_problems:
        lines.append("原因：" if zh else "Why:")
    for problem in file_problems[:_FILE_PROBLEMS_SHOWN]:
        column_zh = dataset.column(problem.column).header_zh if problem.column else None
        where = (f"第 {problem.row} 行：" if zh else f"row {problem.row}: ") if problem.row else ""
        lines.append(f"  - {where}{render(problem, column_zh)[0 if zh else 1]}")
    if len(file_problems) > _FILE_PROBLEMS_SHOWN:
        left = len(file_problems) - _FILE_PROBLEMS_SHOWN
        lines.append(f"  - 另有 {left} 条，见反馈表。" if zh else f"  - {left} more in the feedback.")
    return lines


def _check_reference(args: argparse.Namespace, settings, say):
    """The reference data the pre-check compares with: ``--reference`` CSVs, else the warehouse's."""
    from teachflow.cli import CommandError
    from teachflow.ingestion.pipeline import Reference, load_reference_data
    from teachflow.scoring.model import rated_indicator_codes

    if args.reference:
        from teachflow.reference import parse_reference

        rows, _ = parse_reference(args.reference)
        return Reference(
            {c["county_code"]: c["is_city"] for c in rows["counties"]},
            {s["school_code"]: s["county_code"] for s in rows["schools"]},
            county_names={c["county_code"]: c["county_name"] for c in rows["counties"]},
            school_names={s["school_code"]: s["school_name"] for s in rows["schools"]},
            rated_indicators=rated_indicator_codes,
        )
    from teachflow.warehouse.engine import make_engine

    engine = make_engine(settings.warehouse_url)
    try:
        return load_reference_data(engine, rated_indicator_codes)
    except Exception as err:  # no warehouse here: say what to do instead
        raise CommandError(
            say(
                f"读不到市局的学校名单（{err.__class__.__name__}），请用 --reference 文件夹 指定市局下发的"
                " counties.csv、schools.csv 所在目录。",
                f"cannot read the schools from the warehouse ({err.__class__.__name__}); "
                "pass --reference FOLDER with the city's reference CSVs",
            )
        ) from err
    finally:
        engine.dispose()


def _period_from_path(path: Path) -> str | None:
    parent = path.resolve().parent.name
    return parent if is_period(parent) else None
