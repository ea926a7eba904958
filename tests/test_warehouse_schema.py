"""The warehouse schema: migrations up and down on both engines, comments, and no personal data."""

from __future__ import annotations

from sqlalchemy import inspect, text

from teachflow.warehouse import migrate
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.schema import ANALYST_VIEWS, metadata


def test_upgrade_then_downgrade_round_trips(empty_warehouse_url):
    migrate.upgrade(empty_warehouse_url)
    engine = make_engine(empty_warehouse_url)
    try:
        tables = set(inspect(engine).get_table_names())
        assert set(metadata.tables) <= tables
        assert set(ANALYST_VIEWS) <= set(inspect(engine).get_view_names())
        assert migrate.current_revision(empty_warehouse_url) is not None

        migrate.downgrade(empty_warehouse_url, "base")
        inspector = inspect(engine)
        assert set(inspector.get_table_names()) - {"alembic_version"} == set()
        assert inspector.get_view_names() == []

        migrate.upgrade(empty_warehouse_url)  # and up again, as a rerun would
        assert set(metadata.tables) <= set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_migrated_schema_matches_metadata(warehouse_url):
    """Alembic's autogenerate finds nothing to do: the migrations and schema.py agree."""
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    engine = make_engine(warehouse_url)
    try:
        with engine.connect() as conn:
            ctx = MigrationContext.configure(conn, opts={"compare_type": True})
            diff = compare_metadata(ctx, metadata)
    finally:
        engine.dispose()
    assert diff == []


def test_every_column_and_table_has_a_comment():
    missing = [f"{t.name}.{c.name}" for t in metadata.tables.values() for c in t.columns if not c.comment] + [
        t.name for t in metadata.tables.values() if not t.comment
    ]
    assert missing == []


def test_no_table_can_hold_a_resident_id_and_names_only_in_restricted():
    columns = {(t.name, c.name) for t in metadata.tables.values() for c in t.columns}
    assert not [c for c in columns if "id_number" in c[1]]
    assert [t for t, c in columns if c == "name"] == ["restricted_teacher_names"]
    for select in ANALYST_VIEWS.values():
        assert "restricted_teacher_names" not in select


def test_postgresql_keeps_column_comments(pg_database):
    migrate.upgrade(pg_database)
    engine = make_engine(pg_database)
    try:
        with engine.connect() as conn:
            comment = conn.execute(
                text(
                    "SELECT col_description('submissions'::regclass, ordinal_position) "
                    "FROM information_schema.columns WHERE table_name = 'submissions' "
                    "AND column_name = 'sha256'"
                )
            ).scalar()
    finally:
        engine.dispose()
    assert comment == "SHA-256 of the file's bytes: the submission's version"


def test_commands_on_a_warehouse_without_the_schema_say_what_to_run(empty_warehouse_url, tmp_path, monkeypatch, capsys):
    """No "no such table" traceback: one sentence naming the command that fixes it."""
    from teachflow.cli import main

    monkeypatch.setenv("TEACHFLOW_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", empty_warehouse_url)
    assert main(["ingest"]) == 2
    assert "has no teachflow schema yet: run `teachflow warehouse upgrade` first" in capsys.readouterr().err

    migrate.upgrade(empty_warehouse_url, "0001")  # an older schema than the code's
    assert main(["report", "rotation", "--month", "2026-10"]) == 2
    err = capsys.readouterr().err
    assert f"is at schema version 0001, this teachflow expects {migrate.SCHEMA_REVISION}" in err
    assert "run `teachflow warehouse upgrade` first" in err

    migrate.upgrade(empty_warehouse_url)
    engine = make_engine(empty_warehouse_url)
    try:
        assert migrate.schema_problem(engine) is None
    finally:
        engine.dispose()


def test_the_contract_text_limits_are_the_warehouse_column_widths():
    """A cell the contract lets through always fits the column it is stored in."""
    from teachflow.contract import DATASETS

    stored_in = {  # contract column -> the warehouse column holding it
        ("teachers", "name"): "restricted_teacher_names.name",
        ("teacher_flows", "name"): "restricted_teacher_names.name",
        ("training_records", "name"): "restricted_teacher_names.name",
        ("teachers", "subject"): "roster_entries.subject",
        ("training_records", "program_code"): "training_records.program_code",
        ("training_records", "program_name"): "training_records.program_name",
        ("training_records", "organizer"): "training_records.organizer",
        ("pairings", "mentor_name"): "restricted_teacher_names.name",
        ("pairings", "mentee_name"): "restricted_teacher_names.name",
        ("support_activities", "host_name"): "restricted_teacher_names.name",
        ("support_activities", "topic"): "support_activities.topic",
        ("assessment_ratings", "indicator_code"): "assessment_ratings.indicator_code",
        ("assessment_ratings", "evaluator_id"): "assessment_ratings.evaluator_id",
    }
    limits = {
        (ds.name, col.name): col.max_length
        for ds in DATASETS.values()
        for col in ds.columns
        if col.kind in ("text", "code", "name")
    }
    assert set(limits) == set(stored_in)  # every free-text column has a limit
    for key, target in stored_in.items():
        table, column = target.split(".")
        assert limits[key] == metadata.tables[table].c[column].type.length, key


def test_the_expected_schema_revision_is_the_newest_migration():
    assert migrate.head_revision() == migrate.SCHEMA_REVISION
