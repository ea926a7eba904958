"""``teachflow secret init``: make a local ID secret for development and the demo."""

from __future__ import annotations

import argparse
import os
import secrets

from teachflow.settings import load_settings


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("secret", help="manage the local ID-hashing secret (development only)")
    s = p.add_subparsers(dest="action", required=True, metavar="ACTION")
    init = s.add_parser(
        "init",
        help="create a random local secret file if none exists",
        description=(
            "Create a random secret in TEACHFLOW_ID_SECRET_FILE (default data/id_secret) for hashing "
            "resident IDs into teacher_key. For local use only: production sets TEACHFLOW_ID_SECRET "
            "from its secret store. An existing file is kept, since a new secret would give every "
            "teacher a new key."
        ),
    )
    init.set_defaults(func=_init)


def _init(_args: argparse.Namespace) -> int:
    settings = load_settings()
    path = settings.id_secret_file
    if path.exists() and path.read_text(encoding="utf-8").strip():
        print(f"ID secret already present: {path} (kept)")
        return 0
    path.parent.mkdir(parents=True, exist_ok=True)
    # 0600 from the first byte: write_text then chmod left the secret world-readable for a moment.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(fd, 0o600)  # an empty file left by an earlier attempt keeps its mode otherwise
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(secrets.token_hex(32) + "\n")
    print(f"Created a local ID secret: {path} (development only; never commit it)")
    return 0
