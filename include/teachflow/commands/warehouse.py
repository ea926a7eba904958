"""``teachflow warehouse upgrade|downgrade|current|roles``: the warehouse schema and its roles."""

from __future__ import annotations

import argparse

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("warehouse", help="create or migrate the warehouse schema (Alembic)")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    up = s.add_parser("upgrade", help="migrate the warehouse to the newest schema (creates it if empty)")
    up.add_argument("--revision", default="head", help="target revision (default: head)")
    up.add_argument("--url", help="warehouse URL (default: TEACHFLOW_WAREHOUSE_URL or data/warehouse.db)")
    up.set_defaults(func=_upgrade)
    down = s.add_parser("downgrade", help="migrate the warehouse back (base drops every table)")
    down.add_argument("revision", help="target revision, e.g. -1 or base")
    down.add_argument("--url", help="warehouse URL")
    down.set_defaults(func=_downgrade)
    cur = s.add_parser("current", help="print the warehouse's schema revision")
    cur.add_argument("--url", help="warehouse URL")
    cur.set_defaults(func=_current)
    roles = s.add_parser(
        "roles",
        help="PostgreSQL: create teachflow_loader, teachflow_analyst, teachflow_portal and grant them (repeatable)",
        description=(
            "Create the three roles if missing (LOGIN; passwords from TEACHFLOW_LOADER_PASSWORD, "
            "TEACHFLOW_ANALYST_PASSWORD, TEACHFLOW_PORTAL_PASSWORD where set) and grant them in this warehouse: "
            "the loader reads and writes the tables, the analyst reads the mart views only, the portal reads "
            "everything. Run it as the warehouse's owner, after `teachflow warehouse upgrade`."
        ),
    )
    roles.add_argument("--url", help="warehouse URL (PostgreSQL)")
    roles.set_defaults(func=_roles)


def _url(args: argparse.Namespace) -> str:
    return args.url or load_settings().warehouse_url


def _upgrade(args: argparse.Namespace) -> int:
    from teachflow.warehouse import migrate

    url = _url(args)
    migrate.upgrade(url, args.revision)
    print(f"Warehouse at revision {migrate.current_revision(url)}: {_safe(url)}")
    return 0


def _downgrade(args: argparse.Namespace) -> int:
    from teachflow.warehouse import migrate

    url = _url(args)
    migrate.downgrade(url, args.revision)
    print(f"Warehouse at revision {migrate.current_revision(url)}: {_safe(url)}")
    return 0


def _current(args: argparse.Namespace) -> int:
    from teachflow.warehouse import migrate

    print(migrate.current_revision(_url(args)) or "(empty)")
    return 0


def _roles(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import schema_problem
    from teachflow.warehouse.roles import ensure_roles

    url = _url(args)
    engine = make_engine(url)
    try:
        if engine.dialect.name != "postgresql":
            raise CommandError(
                f"{_safe(url)} is SQLite: database roles exist only on PostgreSQL (数据库角色仅适用于 PostgreSQL 仓库)"
            )
        problem = schema_problem(engine)
        if problem:
            raise CommandError(problem)
        with engine.begin() as conn:
            result = ensure_roles(conn)
    finally:
        engine.dispose()
    print(result.summary())
    return 0


def _safe(url: str) -> str:
    """The URL with any password masked, for printing."""
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
