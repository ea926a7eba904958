"""The archive: every file received, kept byte for byte, addressed by its SHA-256.

The bytes are copied out of the landing zone *before* anything else happens to them, hashing as
they stream, so that (1) the ledger's SHA-256 is of exactly what was archived, (2) parsing reads a
local, immutable copy even when the landing zone is S3 or SFTP and the county overwrites the file
meanwhile, and (3) nothing a county sent is ever lost. The same bytes are stored once.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

import fsspec

from teachflow.atomic_files import move_into_place

_CHUNK = 8 * 1024 * 1024  # few, large reads: fewer hand-overs of the GIL to GX's import thread


class TooLargeToArchive(Exception):
    """The file grew past the size limit while it was copied; nothing was archived."""

    def __init__(self, size: int, limit: int) -> None:
        super().__init__(f"{size} bytes > {limit}")
        self.size = size
        self.limit = limit


@dataclass(frozen=True)
class ArchivedFile:
    sha256: str
    size: int
    path: Path


def archive_path(archive_root: Path, sha256: str, file_format: str) -> Path:
    """``<archive>/<ab>/<cd>/<sha256>.<ext>``: two levels keep folders small at any volume."""
    suffix = f".{file_format}" if file_format else ""
    return archive_root / sha256[:2] / sha256[2:4] / f"{sha256}{suffix}"


def archive_file(source_url: str, archive_root: Path, file_format: str, max_bytes: int | None = None) -> ArchivedFile:
    """Stream ``source_url`` into the archive; return its hash, size and archived path.

    With ``max_bytes`` the copy stops as soon as more arrive (:class:`TooLargeToArchive`): the
    listing's size may be stale, and a file that grows meanwhile is never archived whole. The
    archive is made 0700 and its files 0600: it holds resident IDs.
    """
    archive_root.mkdir(mode=0o700, parents=True, exist_ok=True)
    digest = hashlib.sha256()
    size = 0
    fd, tmp_name = tempfile.mkstemp(dir=archive_root, prefix=".incoming-")
    try:
        with os.fdopen(fd, "wb") as out, fsspec.open(source_url, "rb") as src:
            while chunk := src.read(_CHUNK):
                size += len(chunk)
                if max_bytes is not None and size > max_bytes:
                    raise TooLargeToArchive(size, max_bytes)
                digest.update(chunk)
                out.write(chunk)
        sha = digest.hexdigest()
        final = archive_path(archive_root, sha, file_format)
        if final.exists():
            os.unlink(tmp_name)
        else:
            final.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
            move_into_place(Path(tmp_name), final, mode=None)  # personal data: stays 0600
        return ArchivedFile(sha256=sha, size=size, path=final)
    except BaseException:
        if os.path.exists(tmp_name):
            os.unlink(tmp_name)
        raise


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
