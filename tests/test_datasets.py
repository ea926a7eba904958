"""The dataset registry (issue 11): every dataset declares every part, and everything else follows it.

The walk fails when a dataset lacks any part (a hint, an example, its rules, its merge, its
Asset, its suite, its place in the API contract, the dictionary or the county guide). The
throwaway dataset shows what adding one costs: a module-sized declaration plus its warehouse
table, and it goes through ``teachflow check``, ingestion and the feedback like the others.
"""

from __future__ import annotations

import csv
import dataclasses
from pathlib import Path

import pytest
import yaml
from sqlalchemy import text

from teachflow import datasets
from teachflow.datasets import DATASETS, Column, Dataset, NumberRange, county_datasets
from teachflow.dictionary import GUIDE_PATH, refreshed_guide, render_data_dictionary, render_guide_tables
from teachflow.problems import ProblemType
from teachflow.settings import project_root
from teachflow.templates import example_of, rule_zh
from teachflow.validation.suites import stale_suites, suite_path
from teachflow.vocabularies import VOCABULARIES, Term, Vocabulary

ROOT = project_root()
API_CONTRACT = ROOT / "docs" / "county-api.yaml"
KINDS = {"id_number", "name", "text", "code", "school_code", "date", "number", "vocab", "school_year"}


def api_dataset_enum() -> list[str]:
    """The dataset enum of the county API's submission schema (docs/county-api.yaml)."""
    spec = yaml.safe_load(API_CONTRACT.read_text(encoding="utf-8"))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if "dataset" in node and isinstance(node["dataset"], dict) and "enum" in node["dataset"]:
                found.append(node["dataset"]["enum"])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(spec)
    assert found, "docs/county-api.yaml has no dataset enum"
    return found[0]


def test_the_api_contract_lists_exactly_the_registrys_datasets():
    assert api_dataset_enum() == list(DATASETS), "update the dataset enum of docs/county-api.yaml"


def test_the_county_guides_tables_are_current():
    text = GUIDE_PATH.read_text(encoding="utf-8")
    assert refreshed_guide(text) == text, "docs/county-guide.zh.md is stale: run `python -m teachflow.dictionary`"


@pytest.mark.parametrize("name", list(DATASETS))
def test_every_dataset_declares_every_part(name):
    dataset = DATASETS[name]
    assert dataset.title_zh and dataset.note_zh and dataset.description
    assert dataset.resubmission in ("snapshot", "keyed")
    assert dataset.natural_key and set(dataset.natural_key) <= set(dataset.column_names)
    assert callable(dataset.merge) and callable(dataset.rules)
    assert dataset.asset_name and dataset.asset_uri.endswith(f"/{name}")
    from teachflow.ingestion.merge import birth_year_column, key_column

    ids = [c.name for c in dataset.columns if c.kind == "id_number"]
    derived = {key_column(c) for c in ids} | {birth_year_column(c) for c in ids}  # made by load_frame
    staged = [column for column, _ in dataset.stage_columns]
    assert set(staged) <= set(dataset.column_names) | derived
    assert not set(ids) & set(staged), "the resident ID is never stored"
    for column in dataset.columns:
        where = f"{name}.{column.name}"
        assert column.header_zh and column.description and column.kind in KINDS, where
        assert (column.kind == "vocab") == (column.vocabulary is not None), where
        assert column.vocabulary is None or column.vocabulary in VOCABULARIES, where
        assert rule_zh(dataset, column) and example_of(dataset, column), where
        assert column.not_before is None or column.not_before in dataset.column_names, where
        assert column.limits is None or column.kind == "number", where
    # ... and what is derived from it exists and is current.
    assert suite_path(name).exists() and suite_path(name) not in stale_suites()
    assert f"### {name} — {dataset.title_zh}" in render_data_dictionary()
    assert f"`{name}.xlsx`" in render_guide_tables()
    assert name in api_dataset_enum()


# --- a throwaway dataset, end to end -------------------------------------------------------------


def duty_rules(frame, ctx):
    from teachflow.validation.rules import emit, id_rules, period_bounds, school_masks

    problems, _ = id_rules(frame)
    shaped, known, _ = school_masks(frame["school_code"], ctx)
    problems += emit(frame, shaped & ~known, "school_unknown", "school_code", frame["school_code"])
    first, last = period_bounds(ctx.period)
    day = frame["duty_date"]
    problems += emit(frame, (day < first) | (day > last), "duty_outside_period", "duty_date", day)
    return problems


def duty_merge(conn, ident, stage_name, old):
    from teachflow.ingestion.merge import in_list

    if old:
        conn.exec_driver_sql(f"DELETE FROM duty_days WHERE submission_id IN ({in_list(old)})")
    conn.execute(
        text(
            "INSERT INTO duty_days (teacher_key, duty_date, school_code, shift, hours, submission_id) "
            f"SELECT teacher_key, duty_date, school_code, shift, hours, :sid FROM {stage_name}"
        ),
        {"sid": ident.submission_id},
    )


DUTY_DAYS = Dataset(
    name="duty_days",
    title_zh="值班记录",
    description="Days a teacher was on duty (a throwaway dataset for the registry's test).",
    note_zh="教师值班记录，每人每天一行。",
    natural_key=("id_number", "duty_date"),
    resubmission="keyed",
    columns=(
        Column("id_number", "身份证号", "id_number", True, description="Resident ID (18 chars)"),
        Column("school_code", "学校标识码", "school_code", True, description="School", hint_zh="值班学校。"),
        Column("duty_date", "值班日期", "date", True, description="Day on duty", example="2026-10-08"),
        Column("shift", "班次", "vocab", True, vocabulary="duty_shift", description="Day or night shift"),
        Column(
            "hours",
            "值班时长",
            "number",
            True,
            description="Hours",
            example="8",
            limits=NumberRange(0, 24, strict_min=True),
        ),
    ),
    stage_columns=(
        ("teacher_key", "VARCHAR(64)"),
        ("duty_date", "DATE"),
        ("school_code", "VARCHAR(10)"),
        ("shift", "VARCHAR(8)"),
        ("hours", "NUMERIC(5,2)"),
    ),
    merge=duty_merge,
    rules=duty_rules,
    vocabularies=(Vocabulary("duty_shift", (Term("day", "白班"), Term("night", "夜班"))),),
    problem_types=(
        ProblemType(
            "duty_outside_period",
            "row",
            "“{column_zh}”{value} 不在报送月份内。",
            "'{column_zh}' {value} is not in the period.",
        ),
    ),
)


@pytest.fixture
def duty_days(engine, tmp_path, monkeypatch):
    """DUTY_DAYS registered, its suite built, its warehouse table made (what its migration would do)."""
    from teachflow.validation.suites import write_suites

    datasets.register(DUTY_DAYS)
    try:
        monkeypatch.setenv("TEACHFLOW_EXPECTATIONS_DIR", str(tmp_path / "expectations"))
        write_suites(tmp_path / "expectations")
        with engine.begin() as conn:
            conn.exec_driver_sql(
                "CREATE TABLE duty_days (teacher_key VARCHAR(64) NOT NULL, duty_date DATE NOT NULL, "
                "school_code VARCHAR(10) NOT NULL, shift VARCHAR(8) NOT NULL, hours NUMERIC(5,2) NOT NULL, "
                "submission_id INTEGER NOT NULL, "
                "PRIMARY KEY (teacher_key, duty_date))"
            )
        yield DUTY_DAYS
    finally:
        datasets.unregister(DUTY_DAYS.name)


def duty_file(path: Path, *rows: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(["身份证号,学校标识码,值班日期,班次,值班时长", *rows]) + "\n", encoding="utf-8")
    return path


def feedback_lines(path: Path) -> list[tuple[str, ...]]:
    """(Excel row, Chinese column, problem code) of each line of a feedback CSV."""
    with path.open(encoding="utf-8-sig", newline="") as f:
        rows = list(csv.reader(f))
    header = rows[0]

    def at(word: str) -> int:
        return next(i for i, h in enumerate(header) if word in h.split())

    row_at, column_at, code_at = at("Row"), at("Column"), at("Code")
    return [(row[row_at], row[column_at], row[code_at]) for row in rows[1:]]


def test_a_new_dataset_goes_through_check_ingest_and_feedback(duty_days, engine, warehouse_url, tmp_path):
    from teachflow.cli import main
    from teachflow.ingestion.feedback import feedback_paths
    from teachflow.ingestion.pipeline import ingest_landing
    from teachflow.reference import load_reference
    from teachflow.settings import load_settings
    from tests.citykit import N1, NORTH, make_id, write_reference

    assert "duty_days" in county_datasets()
    reference = write_reference(tmp_path / "reference")
    good = [f"{make_id(seq)},{N1},2026-10-08,夜班,8" for seq in range(1, 41)]
    wrong = make_id(41)[:-1] + ("1" if make_id(41)[-1] == "0" else "0")  # a wrong check character
    bad = [f"{wrong},{N1},2026-10-09,白班,30", f"{make_id(42)},{N1},2026-09-30,白班,8"]  # 30 hours; September
    flagged = [  # (Excel row, column, code): the header is row 1
        ("42", "身份证号", "id_check_character"),
        ("42", "值班时长", "number_range"),
        ("43", "值班日期", "duty_outside_period"),
    ]

    # 1. the county's pre-check: nothing loaded, the feedback (beside the file) names the bad rows' problems.
    checked = duty_file(tmp_path / "check" / "2026-10" / "duty_days.csv", *good, *bad)
    command = ["check", str(checked), "--dataset", "duty_days", "--county", NORTH, "--reference", str(reference)]
    assert main(command) == 0
    lines = feedback_lines(checked.with_name("duty_days.feedback.csv"))
    assert lines == flagged

    # 2. ingestion: the good row reaches the warehouse, keyed; the bad one is listed for the county.
    load_reference(engine, reference)
    settings = dataclasses.replace(load_settings(), warehouse_url=warehouse_url, landing_quiet_seconds=0)
    duty_file(Path(settings.landing) / NORTH / "2026-10" / "duty_days.csv", *good, *bad)
    [outcome] = ingest_landing(engine, settings)
    assert (outcome.status, outcome.rows_loaded, outcome.rows_rejected) == ("accepted", 40, 2)
    with engine.connect() as conn:
        stored = conn.execute(text("SELECT DISTINCT school_code, duty_date, shift, hours FROM duty_days")).all()
        keys = conn.execute(text("SELECT COUNT(DISTINCT teacher_key) FROM duty_days")).scalar()
    assert [(school, str(day), shift, float(hours)) for school, day, shift, hours in stored] == [
        (N1, "2026-10-08", "night", 8.0)  # the label 夜班 stored as its code
    ]
    assert keys == 40  # the IDs became teacher keys

    # 3. the county's feedback, as for any dataset.
    paths = feedback_paths(settings.outbox, NORTH, "2026-10", "duty_days")
    assert paths.xlsx.exists() and paths.status_json.exists()
    assert feedback_lines(paths.csv) == flagged
    assert "不在报送月份内" in paths.csv.read_text(encoding="utf-8-sig")  # the dataset's own message
