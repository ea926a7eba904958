"""``teachflow sample``: generate a synthetic city (implemented in teachflow.sample)."""

from __future__ import annotations

import argparse


def register(sub: argparse._SubParsersAction) -> None:
    from teachflow.sample.cli import register_sample

    register_sample(sub)
