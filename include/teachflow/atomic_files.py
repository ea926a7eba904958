"""Writing a local file so that a reader sees the old version or the whole new one, never half.

Every file teachflow writes for someone else to pick up — the counties' feedback and status, the
archive, the reports, the sample's landing drops — goes through here: the bytes are written to a
hidden temporary file in the destination's own folder (so the rename stays on one file system),
flushed to disk with ``fsync``, made readable by the group and others (``mkstemp`` makes 0600; the
counties' share and the report readers are other users), then renamed over the destination with
``os.replace``, which is atomic. A failure leaves the previous version and no temporary file.

Hidden names (``.<name>.<random>.tmp``) matter: the landing zone ignores dot-files, so a sample
drop being written is never taken for a county's file.

Files on another file system (``s3://``, ``sftp://``) are the pull's business
(:mod:`teachflow.pull.puller`), through fsspec.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

#: rw-r--r--: whoever reads the outbox, the reports or the landing zone is not the writing user.
FILE_MODE = 0o644


@contextlib.contextmanager
def atomic_path(path: Path, *, prefix: str | None = None) -> Iterator[Path]:
    """A temporary path beside ``path`` to write to; synced and renamed over ``path`` at the end.

    For writers that want a file name (openpyxl, zipfile). If the block raises, ``path`` keeps its
    previous content and the temporary file is removed.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=prefix or f".{path.name}.", suffix=".tmp")
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        move_into_place(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def write_atomically(path: Path, write: Callable[[Path], object]) -> Path:
    """Call ``write(temporary_path)``, then put the result at ``path`` in one step; returns ``path``."""
    with atomic_path(path) as tmp:
        write(tmp)
    return Path(path)


@contextlib.contextmanager
def open_atomically(path: Path, mode: str = "w", **open_args: Any) -> Iterator[IO[Any]]:
    """``open()`` a temporary file beside ``path``; it replaces ``path`` when the block ends without error."""
    with atomic_path(path) as tmp, open(tmp, mode, **open_args) as handle:
        yield handle


def write_temporary(
    path: Path, write: Callable[[IO[Any]], object], mode: str = "w", *, file_mode: int = FILE_MODE, **open_args: Any
) -> Path:
    """Stage a file: write it under a temporary name beside ``path``, synced, with ``file_mode``.

    For a writer that must know the bytes are safe before it commits something else, and puts
    them in place after (:func:`replace_with`) or throws them away: the county's feedback is
    staged before the take commits and published right after it.
    """
    path = Path(path)
    fd, name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, mode, **open_args) as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, file_mode)
        return Path(name)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise


def replace_with(tmp: Path, path: Path) -> None:
    """Put a staged file (:func:`write_temporary`) in place, in one step."""
    os.replace(tmp, path)


def move_into_place(tmp: Path, path: Path, *, mode: int | None = FILE_MODE) -> None:
    """Sync ``tmp`` to disk, set its ``mode``, and rename it over ``path`` (on the same file system).

    For a writer that learns the final name only at the end (the archive names a file by the hash
    of its bytes, and keeps it private: ``mode=None`` leaves ``mkstemp``'s 0600); everyone else
    uses :func:`atomic_path`.
    """
    with open(tmp, "rb") as handle:
        os.fsync(handle.fileno())
    if mode is not None:
        os.chmod(tmp, mode)
    os.replace(tmp, path)
