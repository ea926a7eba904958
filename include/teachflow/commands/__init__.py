"""One module per ``teachflow`` command group; each exposes ``register(subparsers)``."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy import Engine


def warehouse_engine(url: str) -> Engine:
    """The warehouse's engine, once its schema is the one this code expects; else a CommandError."""
    from teachflow.cli import CommandError
    from teachflow.warehouse.engine import make_engine
    from teachflow.warehouse.migrate import schema_problem

    engine = make_engine(url)
    problem = schema_problem(engine)
    if problem is not None:
        engine.dispose()
        raise CommandError(problem)
    return engine
