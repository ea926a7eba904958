"""The warehouse's roles on the real PostgreSQL: the analyst reads the mart and nothing else.

These tests log in AS the roles (the test server trusts local logins), so what they prove is what
the database enforces, not what the code intends. Roles are cluster-wide: other test runs may
create the same roles at the same moment, which ``teachflow warehouse roles`` tolerates; grants
are made in this module's own database.
"""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import errors

from teachflow.cli import main
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.mart import MART_VIEWS
from teachflow.warehouse.migrate import upgrade
from teachflow.warehouse.roles import ANALYST, LOADER, PORTAL
from teachflow.warehouse.schema import metadata
from tests.samplekit import generate_sample, load_sample, report_and_score

pytestmark = pytest.mark.postgres


def _as(url: str, role: str) -> str:
    rest = url.split("@", 1)[1]
    return f"postgresql://{role}@{rest}"


@pytest.fixture(scope="module")
def warehouse(pg_server, tmp_path_factory):
    """A PostgreSQL warehouse holding the sample city, with the roles granted by the command."""
    name = f"teachflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    url = f"{pg_server.rpartition('/')[0]}/{name}"
    try:
        upgrade(url)
        engine = make_engine(url)
        load_sample(engine, generate_sample(tmp_path_factory.mktemp("sample")))
        report_and_score(engine)
        engine.dispose()
        assert main(["warehouse", "roles", "--url", url]) == 0
        yield url
    finally:
        with psycopg.connect(pg_server, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _refused(url: str, statement: str, *also: type[Exception]) -> None:
    with psycopg.connect(url, autocommit=True) as conn, pytest.raises((errors.InsufficientPrivilege, *also)):
        conn.execute(statement)


def test_the_analyst_reads_every_mart_view(warehouse):
    with psycopg.connect(_as(warehouse, ANALYST), autocommit=True) as conn:
        for view in MART_VIEWS:
            rows = conn.execute(f"SELECT * FROM mart.{view.name} LIMIT 3").fetchall()
            assert rows, f"mart.{view.name} answered nothing"
        # The analyst's search_path is the mart: unqualified names work too.
        assert conn.execute("SELECT count(*) FROM teachers").fetchone()[0] > 0


@pytest.mark.parametrize("table", sorted([*metadata.tables, "alembic_version"]))
def test_the_analyst_is_refused_every_base_table(warehouse, table):
    _refused(_as(warehouse, ANALYST), f"SELECT * FROM public.{table} LIMIT 1")


def test_the_restricted_names_are_refused_to_the_analyst(warehouse):
    analyst = _as(warehouse, ANALYST)
    _refused(analyst, "SELECT name FROM public.restricted_teacher_names")
    # Not on the analyst's search path either: the name does not even resolve.
    with psycopg.connect(analyst, autocommit=True) as conn, pytest.raises(errors.UndefinedTable):
        conn.execute("SELECT name FROM restricted_teacher_names")


WRITES = (
    "INSERT INTO mart.policy (setting, value, meaning, updated_at) VALUES ('x', 'y', 'z', now())",
    "UPDATE mart.policy SET value = '99'",
    "DELETE FROM mart.submissions",
    "UPDATE mart.teachers SET tier = 'famous'",
    "INSERT INTO public.counties (county_code, county_name, is_city) VALUES ('999999', 'x', false)",
    "UPDATE public.roster_entries SET tier = 'famous'",
    "DELETE FROM public.restricted_teacher_names",
    "TRUNCATE public.training_records",
    "CREATE TABLE public.scratch (a int)",
    "CREATE TABLE mart.scratch (a int)",
    "CREATE VIEW mart.my_view AS SELECT 1 AS one",
    "DROP VIEW mart.policy",
    "ALTER VIEW mart.teachers RENAME TO t",
    "COMMENT ON VIEW mart.policy IS 'mine'",
    "CREATE SCHEMA analyst_scratch",
    "COPY public.counties FROM STDIN",
)


@pytest.mark.parametrize("statement", WRITES)
def test_every_write_is_refused_to_the_analyst(warehouse, statement):
    # A view over joins is refused before privileges are even checked ("not automatically updatable");
    # mart.policy, over one table, is updatable in principle and refused for want of the privilege.
    _refused(_as(warehouse, ANALYST), statement, errors.ObjectNotInPrerequisiteState)
    with psycopg.connect(warehouse, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM warehouse_settings WHERE setting = 'x'").fetchone()[0] == 0
        assert conn.execute("SELECT count(*) FROM counties WHERE county_code = '999999'").fetchone()[0] == 0


def test_the_portal_reads_names_and_writes_nothing(warehouse):
    portal = _as(warehouse, PORTAL)
    with psycopg.connect(portal, autocommit=True) as conn:
        assert conn.execute("SELECT count(*) FROM public.restricted_teacher_names").fetchone()[0] > 0
        assert conn.execute("SELECT count(*) FROM mart.monthly_report").fetchone()[0] > 0
    _refused(portal, "DELETE FROM public.restricted_teacher_names")
    _refused(portal, "UPDATE public.submissions SET status = 'rejected'")


def test_the_loader_runs_a_report_and_changes_no_schema(warehouse):
    from teachflow.reports.rotation import compute_rotation_report

    loader = _as(warehouse, LOADER)
    engine = make_engine(loader)
    try:
        result = compute_rotation_report(engine, "2026-10")
    finally:
        engine.dispose()
    assert result.scopes > 0
    _refused(loader, "DROP TABLE public.counties")
    _refused(loader, "CREATE TABLE public.scratch (a int)")


def test_roles_again_and_an_upgrade_keep_every_grant(warehouse):
    """The command is repeatable, and recreating the mart's views (every upgrade) keeps them readable."""
    assert main(["warehouse", "roles", "--url", warehouse]) == 0
    upgrade(warehouse)
    with psycopg.connect(_as(warehouse, ANALYST), autocommit=True) as conn:
        for view in MART_VIEWS:
            conn.execute(f"SELECT 1 FROM mart.{view.name} LIMIT 1")
    _refused(_as(warehouse, ANALYST), "SELECT 1 FROM public.roster_entries")


def test_the_catalogue_comments_are_the_dictionarys_texts(warehouse):
    """What an analyst's SQL client shows for a view or column is what docs/data-dictionary.md says."""
    with psycopg.connect(_as(warehouse, ANALYST), autocommit=True) as conn:
        for view in MART_VIEWS:
            comment = conn.execute("SELECT obj_description(%s::regclass, 'pg_class')", (f"mart.{view.name}",))
            assert comment.fetchone()[0] == f"{view.title}. Grain: {view.grain}."
            columns = dict(
                conn.execute(
                    "SELECT a.attname, col_description(a.attrelid, a.attnum) FROM pg_attribute a "
                    "WHERE a.attrelid = %s::regclass AND a.attnum > 0",
                    (f"mart.{view.name}",),
                ).fetchall()
            )
            assert columns == dict(view.columns), view.name


def test_the_command_refuses_sqlite(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    upgrade(url)
    assert main(["warehouse", "roles", "--url", url]) == 2
    assert "PostgreSQL" in capsys.readouterr().err


def test_the_loader_ingests_every_dataset(pg_database, tmp_path):
    """The DAGs' login: a roster, flows and training (PostgreSQL's COPY path) load as teachflow_loader."""
    import dataclasses
    from pathlib import Path

    from teachflow.ingestion.pipeline import ingest_landing
    from teachflow.reference import load_reference
    from teachflow.settings import load_settings
    from tests.citykit import N1, NORTH, S1, make_id, write_reference

    upgrade(pg_database)
    owner = make_engine(pg_database)
    load_reference(owner, write_reference(tmp_path / "reference"))
    owner.dispose()
    assert main(["warehouse", "roles", "--url", pg_database]) == 0
    loader_url = _as(pg_database, LOADER)
    settings = dataclasses.replace(load_settings(), warehouse_url=loader_url, landing_quiet_seconds=0)
    files = {
        "teachers": "id_number,name,school_code,tier,current_school_since\n"
        + "".join(f"{make_id(i)},教师{i},{N1},骨干教师,2015-09-01\n" for i in range(1, 4)),
        "teacher_flows": "id_number,name,flow_type,from_school_code,to_school_code,start_date,planned_end_date\n"
        f"{make_id(1)},教师1,轮岗支教,{N1},{S1},2026-10-08,2027-07-15\n",
        "training_records": "id_number,name,program_code,level,mode,start_date,end_date,hours\n"
        + "".join(f"{make_id(i)},教师{i},P1,市级,网络研修,2026-10-01,2026-10-02,8\n" for i in range(1, 4)),
    }
    for dataset, content in files.items():
        path = Path(settings.landing) / NORTH / "2026-10" / f"{dataset}.csv"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(content, encoding="utf-8")
    engine = make_engine(loader_url)
    try:
        outcomes = ingest_landing(engine, settings)
    finally:
        engine.dispose()
    assert [o.status for o in outcomes] == ["accepted"] * 3, [o.summary() for o in outcomes]
    assert sum(o.rows_loaded for o in outcomes) == 7


def test_two_runs_writing_the_policy_at_once_both_succeed(pg_database):
    """A parallel backfill: two report runs upsert the same warehouse_settings rows; the second waits."""
    import threading

    from sqlalchemy import text

    from teachflow.warehouse.mart_build import write_settings

    upgrade(pg_database)
    engine = make_engine(pg_database)
    failures: list[BaseException] = []

    def second_run() -> None:
        try:
            with engine.begin() as conn:
                write_settings(conn, {"rotation_target": 0.2})
        except BaseException as err:  # reported below, in the test's thread
            failures.append(err)

    try:
        with engine.begin() as conn:
            write_settings(conn, {"rotation_target": 0.15})
            other = threading.Thread(target=second_run)
            other.start()
            other.join(timeout=1)  # it waits on this transaction's rows
        other.join()
        assert failures == []
        with engine.connect() as conn:
            value = conn.execute(text("SELECT value FROM warehouse_settings WHERE setting = 'rotation_target'"))
            assert value.scalar_one() == "0.2"
    finally:
        engine.dispose()


def test_a_password_travels_as_a_scram_verifier(pg_server):
    """PostgreSQL stores the verifier as given (the clear text is never sent), for a throwaway role."""
    from teachflow.warehouse.roles import scram_verifier

    verifier = scram_verifier("pencil", salt=b"0123456789abcdef")
    assert verifier == scram_verifier("pencil", salt=b"0123456789abcdef")
    assert verifier.startswith("SCRAM-SHA-256$4096:") and "pencil" not in verifier
    role = f"teachflow_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(pg_server, autocommit=True) as conn:
        conn.execute(f"CREATE ROLE {role} LOGIN PASSWORD '{verifier}'")
        try:
            stored = conn.execute("SELECT rolpassword FROM pg_authid WHERE rolname = %s", (role,)).fetchone()[0]
        finally:
            conn.execute(f"DROP ROLE {role}")
    assert stored == verifier


def test_the_scram_verifier_matches_rfc_7677():
    """The server signature of RFC 7677's example exchange, from the verifier's ServerKey."""
    import base64
    import hashlib
    import hmac

    from teachflow.warehouse.roles import scram_verifier

    verifier = scram_verifier("pencil", salt=base64.b64decode("W22ZaJ0SNY7soEsUEjb6gQ=="))
    server_key = base64.b64decode(verifier.split("$")[2].split(":")[1])
    nonce = "rOprNGfwEbeRWgbNEkqO%hvYDpWUa2RaTCAfuxFIlj)hNlF$k0"
    auth_message = f"n=user,r=rOprNGfwEbeRWgbNEkqO,r={nonce},s=W22ZaJ0SNY7soEsUEjb6gQ==,i=4096,c=biws,r={nonce}"
    signature = hmac.new(server_key, auth_message.encode(), hashlib.sha256).digest()
    assert base64.b64encode(signature).decode() == "6rriTRBi23WpRR/wtup+mMhUZUn/dB5nLTJRsjl95G4="
