"""One helper writes files atomically (issue 11): readers see the old file or the whole new one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from teachflow.atomic_files import open_atomically, write_atomically

PACKAGE = Path(__file__).resolve().parents[1] / "include" / "teachflow"


def test_a_written_file_replaces_the_old_one_whole_and_is_readable_by_others(tmp_path):
    target = tmp_path / "out" / "report.html"
    write_atomically(target, lambda p: p.write_text("old", encoding="utf-8"))
    with open_atomically(target, "w", encoding="utf-8") as handle:
        handle.write("new")
        assert target.read_text(encoding="utf-8") == "old"  # not visible before the end
    assert target.read_text(encoding="utf-8") == "new"
    assert target.stat().st_mode & 0o777 == 0o644
    assert sorted(p.name for p in target.parent.iterdir()) == ["report.html"]


def test_a_failed_write_keeps_the_previous_version_and_leaves_no_temporary_file(tmp_path):
    target = tmp_path / "feedback.csv"
    target.write_text("previous", encoding="utf-8")

    def broken(path: Path) -> None:
        path.write_text("half", encoding="utf-8")
        raise OSError("disk full")

    with pytest.raises(OSError, match="disk full"):
        write_atomically(target, broken)
    assert target.read_text(encoding="utf-8") == "previous"
    assert [p.name for p in tmp_path.iterdir()] == ["feedback.csv"]


def test_no_other_module_renames_files_into_place_itself():
    """os.replace / mkstemp belong to atomic_files (the pull writes through fsspec, its own way)."""
    offenders = [
        str(path.relative_to(PACKAGE))
        for path in PACKAGE.rglob("*.py")
        if path.name != "atomic_files.py"
        and re.search(r"\bos\.replace\(|\bos\.rename\(|\.fsync\(", path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
