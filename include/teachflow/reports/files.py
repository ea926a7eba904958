"""Writing report files atomically: a reader never sees half a workbook.

Each file is written to a temporary name in its own folder and moved over the old one with
``os.replace``, which is atomic on one file system; a failure leaves the previous version in place.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, write: Callable[[Path], None]) -> Path:
    """Call ``write(tmp_path)`` then move the temporary file to ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)
    return path


def rotation_folder(reports_dir: Path, period: str) -> Path:
    """``<reports>/rotation/<YYYY-MM>/``."""
    return Path(reports_dir) / "rotation" / period
