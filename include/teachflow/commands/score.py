"""``teachflow score``: the joint assessment (捆绑考核) of a school year, without a scheduler."""

from __future__ import annotations

import argparse
from pathlib import Path

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "score",
        help="score schools and communities for a school year (joint assessment)",
        description=(
            "Compute the joint-assessment scores of every school and community for a school year from "
            "the warehouse and the evaluators' ratings, store them under the scoring model's hash "
            "(replacing an earlier run of the same year and model), and write Excel and HTML under "
            "<reports>/assessment/<school-year>/ (file names carry the model's name and version). The score is "
            "final only after the due day of the year's last period (YYYY-08), else provisional, with B1's "
            "72 学时 prorated to the months elapsed. A year not begun or without any county's data is refused. "
            "The same steps as the joint_assessment DAG."
        ),
    )
    p.add_argument("--school-year", required=True, help="school year to score, e.g. 2025-2026")
    p.add_argument(
        "--model",
        type=Path,
        help="scoring model YAML (default: TEACHFLOW_SCORING_MODEL or the model shipped with teachflow)",
    )
    p.add_argument("--check-model", action="store_true", help="only load and check the model file, then stop")
    p.set_defaults(func=_score)


def _score(args: argparse.Namespace) -> int:
    import datetime as dt

    from teachflow.cli import CommandError
    from teachflow.scoring.model import ModelError, load_model
    from teachflow.scoring.years import target_for_run

    try:
        model = load_model(args.model)
    except ModelError as err:
        raise CommandError(f"the scoring model is broken:\n{err}") from err
    except OSError as err:
        raise CommandError(f"cannot read the scoring model: {err}") from err
    if args.check_model:
        print(f"Scoring model {model.source} is valid (sha256 {model.sha256}); rated: {sorted(model.rated_codes())}")
        return 0
    settings = load_settings()
    now = dt.datetime.now(dt.UTC)
    try:
        target = target_for_run(now, args.school_year, due_day=settings.due_day)
    except ValueError as err:
        raise CommandError(str(err)) from err

    from teachflow.commands import warehouse_engine
    from teachflow.reports.coverage import ReportRefused, check_year_scorable
    from teachflow.scoring.run import publish, score_and_store

    engine = warehouse_engine(settings.warehouse_url)
    try:
        with engine.connect() as conn:
            check_year_scorable(conn, target.school_year)
        summary = score_and_store(
            engine, str(target.school_year), model, provisional=target.provisional, settings=settings
        )
        outputs = publish(engine, settings.reports, str(target.school_year), model, settings)
    except ReportRefused as err:
        raise CommandError(str(err)) from err
    finally:
        engine.dispose()
    print(summary.text())
    print(f"Excel: {outputs.xlsx}\nHTML:  {outputs.html}")
    return 0
