"""``teachflow sample``: the command's flags and its closing summary."""

from __future__ import annotations

import argparse
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from teachflow.sample.generate import SampleSummary


def register_sample(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "sample",
        help="generate a synthetic city: reference CSVs and the counties' monthly landing drops",
        description=(
            "Write a realistic synthetic city, the same for the same seed and flags: "
            "DIR/reference/{counties,schools,communities}.csv, "
            "DIR/landing/<county_code>/<YYYY-MM>/<dataset>.<csv|xlsx> for every county and month "
            "(rosters, teacher flows, training records; the city's assessment ratings once), and "
            "DIR/sample/manifest.json listing every file and every injected mistake. Sizes not given "
            "follow --teachers (48 teachers a school, 12.5 schools a community). Rerunning into the same "
            "DIR first removes the files the previous run listed in its manifest, nothing else."
        ),
    )
    p.add_argument("--out", type=Path, required=True, metavar="DIR", help="output folder (e.g. the data folder)")
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--counties", type=int, default=8, help="number of counties (default 8)")
    p.add_argument("--schools", type=int, help="number of schools (default: teachers / 48, i.e. 250)")
    p.add_argument("--communities", type=int, help="number of education communities (default: schools / 12.5)")
    p.add_argument("--teachers", type=int, default=12_000, help="number of teachers (default 12000)")
    p.add_argument("--months", type=int, default=6, help="months of drops (default 6)")
    p.add_argument("--last-period", default="2026-10", metavar="YYYY-MM", help="last month of drops (default 2026-10)")
    p.add_argument("--flows", type=int, help="number of teacher flows (default: 4%% of the teachers)")
    p.add_argument("--training-records", type=int, help="number of training records (default: 2 per teacher and month)")
    p.add_argument(
        "--heavy-training",
        metavar="COUNTIES:ROWS",
        help="the first COUNTIES counties send ROWS training records a month each (benchmarks: the worst day)",
    )
    p.add_argument(
        "--format",
        choices=("mixed", "csv"),
        default="mixed",
        dest="file_format",
        help="mixed: counties send XLSX, GBK CSV or UTF-8 CSV as real ones do (default); "
        "csv: UTF-8 CSV with English headers everywhere (benchmarks)",
    )
    mistakes = p.add_mutually_exclusive_group()
    mistakes.add_argument(
        "--mistakes",
        type=float,
        default=0.01,
        metavar="SHARE",
        help="share of flow and training rows given a realistic mistake (default 0.01, at most 0.04)",
    )
    mistakes.add_argument("--no-mistakes", action="store_true", help="write clean files only")
    p.set_defaults(func=_sample)


def _sample(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.sample.generate import generate
    from teachflow.sample.params import SampleParams, SampleParamsError

    try:
        heavy = tuple(int(x) for x in args.heavy_training.split(":")) if args.heavy_training else (0, 0)
        if len(heavy) != 2:
            raise ValueError
    except ValueError:
        raise CommandError("--heavy-training takes COUNTIES:ROWS, e.g. 2:1000000") from None
    params = SampleParams(
        seed=args.seed,
        counties=args.counties,
        schools=args.schools,
        communities=args.communities,
        teachers=args.teachers,
        months=args.months,
        last_period=args.last_period,
        flows=args.flows,
        training_records=args.training_records,
        heavy_counties=heavy[0],
        heavy_training_rows=heavy[1],
        file_format=args.file_format,
        mistakes=0.0 if args.no_mistakes else args.mistakes,
    )
    started = time.monotonic()
    try:
        summary = generate(params, args.out)
    except SampleParamsError as err:
        raise CommandError(str(err)) from err
    print(describe(summary, time.monotonic() - started))
    return 0


def describe(summary: SampleSummary, seconds: float) -> str:
    """The closing summary: what was made and where it is."""
    from collections import Counter

    city = summary.city
    formats = Counter(f"{f.format}/{f.encoding or 'xlsx'}" for f in summary.files)
    types = Counter(f.flow_type for f in summary.flows)
    lines = [
        f"Sample city {city.name} ({city.code}) written to {summary.out} in {seconds:.1f} s",
        f"  counties      {len(city.counties)} ({', '.join(c.code for c in city.counties[:10])}"
        + (", ..." if len(city.counties) > 10 else "")
        + ")",
        f"  schools       {len(city.schools)}, communities {len(city.communities)}",
        f"  teachers      {summary.teachers}, roster rows {summary.rows_of('teachers')}",
        f"  flows         {len(summary.flows)} ({', '.join(f'{k} {v}' for k, v in sorted(types.items()))}), "
        f"rows {summary.rows_of('teacher_flows')}",
        f"  training rows {summary.rows_of('training_records')}, rating rows {summary.rows_of('assessment_ratings')}",
        f"  files         {len(summary.files)} ({', '.join(f'{k} {v}' for k, v in sorted(formats.items()))})",
        f"  mistakes      {len(summary.mistakes)} injected and labelled",
        f"  reference     {summary.out / 'reference'}",
        f"  landing       {summary.out / 'landing'}",
        f"  manifest      {summary.out / 'sample' / 'manifest.json'}",
    ]
    return "\n".join(lines)
