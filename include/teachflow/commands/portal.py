"""``teachflow portal``: run the county portal; ``teachflow portal add-user`` and friends manage accounts."""

from __future__ import annotations

import argparse
import getpass
import os

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "portal",
        help="the county portal (web pages for clerks and city staff); add-user / users / disable-user",
        description=(
            "Without an action: serve the county portal (upload and pre-check, status grid, feedback, "
            "templates, named lists, daily digests) on --host/--port. Sessions are signed with "
            "TEACHFLOW_PORTAL_SECRET (else a local development file data/portal_secret)."
        ),
    )
    p.add_argument("--host", default=os.environ.get("TEACHFLOW_PORTAL_HOST", "127.0.0.1"))
    p.add_argument("--port", type=int, default=int(os.environ.get("TEACHFLOW_PORTAL_PORT", "8090")))
    p.set_defaults(func=_serve)
    actions = p.add_subparsers(dest="portal_action", metavar="ACTION")

    add = actions.add_parser(
        "add-user",
        help="create an account or change its password/role/county",
        description=(
            "Create a portal account, or replace an existing one's password, role and county. The "
            "password is read from TEACHFLOW_PORTAL_ACCOUNT_PASSWORD or asked for (never an argument: it "
            "would stay in the shell history)."
        ),
    )
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=["county_clerk", "city_staff"])
    add.add_argument("--county", help="the clerk's 6-digit county code (county_clerk only)")
    add.add_argument("--name", help="display name, e.g. 城中区报送员")
    add.add_argument("--email", help="address for the daily digest e-mail")
    add.set_defaults(func=_add_user)

    users = actions.add_parser("users", help="list the accounts")
    users.set_defaults(func=_users)

    disable = actions.add_parser("disable-user", help="stop an account from logging in")
    disable.add_argument("username")
    disable.set_defaults(func=_disable)


def _serve(args: argparse.Namespace) -> int:
    import uvicorn

    from teachflow.commands import warehouse_engine
    from teachflow.portal.app import create_app

    settings = load_settings()
    warehouse_engine(settings.warehouse_url).dispose()  # a clear error if the schema is not current
    print(f"teachflow portal: http://{args.host}:{args.port}/", flush=True)
    uvicorn.run(create_app(settings), host=args.host, port=args.port, log_level="info", proxy_headers=True)
    return 0


def _add_user(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.commands import warehouse_engine
    from teachflow.portal.accounts import AccountError, save_user

    if args.role == "county_clerk" and not args.county:
        raise CommandError("a county_clerk needs --county CODE")
    if args.role == "city_staff" and args.county:
        raise CommandError("city_staff see every county: leave out --county")
    password = os.environ.get("TEACHFLOW_PORTAL_ACCOUNT_PASSWORD")
    if not password:
        password = getpass.getpass("Password: ")
        if password != getpass.getpass("Again: "):
            raise CommandError("the two passwords differ")
    engine = warehouse_engine(load_settings().warehouse_url)
    try:
        created = save_user(
            engine, args.username, password, args.role, args.county, display_name=args.name, email=args.email
        )
    except AccountError as err:
        raise CommandError(str(err)) from err
    finally:
        engine.dispose()
    print(
        f"{'Created' if created else 'Updated'} portal account {args.username} "
        f"({args.role}{' ' + args.county if args.county else ''})"
    )
    return 0


def _users(_args: argparse.Namespace) -> int:
    from teachflow.commands import warehouse_engine
    from teachflow.portal.accounts import list_users

    engine = warehouse_engine(load_settings().warehouse_url)
    try:
        with engine.connect() as conn:
            rows = list_users(conn)
    finally:
        engine.dispose()
    for username, role, county, active, email in rows:
        print(f"{username}\t{role}\t{county or '-'}\t{'active' if active else 'disabled'}\t{email or ''}")
    return 0


def _disable(args: argparse.Namespace) -> int:
    from teachflow.cli import CommandError
    from teachflow.commands import warehouse_engine
    from teachflow.portal.accounts import deactivate

    engine = warehouse_engine(load_settings().warehouse_url)
    try:
        if not deactivate(engine, args.username):
            raise CommandError(f"no account {args.username!r}")
    finally:
        engine.dispose()
    print(f"Disabled {args.username}")
    return 0
