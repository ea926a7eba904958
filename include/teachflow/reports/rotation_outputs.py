"""The rotation report's files under ``<reports>/rotation/<YYYY-MM>/``, each written atomically."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine

from teachflow.reports.files import rotation_folder, write_atomically
from teachflow.reports.rotation import load_rotation_report
from teachflow.reports.rotation_excel import write_rotation_workbook
from teachflow.reports.rotation_html import write_rotation_html
from teachflow.reports.rotation_sql import RotationPolicy


def write_rotation_outputs(engine: Engine, reports_dir: Path, period: str, policy: RotationPolicy) -> list[Path]:
    """Write ``交流轮岗月报_<M>.xlsx`` and ``交流轮岗月报_<M>.html`` from the stored report; their paths."""
    data = load_rotation_report(engine, period)
    if not data.rows["city"] and not data.rows["county"]:
        raise LookupError(f"no rotation report stored for {period}: compute it first")
    folder = rotation_folder(reports_dir, period)
    workbook = write_atomically(folder / f"交流轮岗月报_{period}.xlsx", lambda p: write_rotation_workbook(data, p))
    page = write_atomically(
        folder / f"交流轮岗月报_{period}.html",
        lambda p: write_rotation_html(data, p, policy),
    )
    return [workbook, page]
