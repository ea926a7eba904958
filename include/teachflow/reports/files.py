"""Where the rotation report's files go; they are written atomically (:mod:`teachflow.atomic_files`)."""

from __future__ import annotations

from pathlib import Path


def rotation_folder(reports_dir: Path, period: str) -> Path:
    """``<reports>/rotation/<YYYY-MM>/``."""
    return Path(reports_dir) / "rotation" / period
