"""Finding county submissions in the landing zone.

The landing zone is any fsspec URL (a local folder by default; ``s3://``, ``sftp://`` in
production; Airflow's ObjectStoragePath is built on the same fsspec filesystems). Its layout is
``<landing>/<county_code>/<YYYY-MM>/<dataset>.<csv|xlsx>`` (spec: submissions.md).

Discovery lists every file, takes only complete ones (see :func:`complete_files`: a
``<file>.done`` marker, a write-then-rename, else the quiet time as the fallback) and leaves out
files the ledger has already taken with the same size and mtime, so a file is hashed once, not
every 15 minutes. Files in the wrong place are *not* left out: they are submissions too,
and get rejected with a message that says where they should go.
"""

from __future__ import annotations

import datetime as dt
import re
import time
from collections.abc import Iterable
from dataclasses import dataclass

import fsspec

from teachflow.calendar import is_period
from teachflow.contract import FILE_FORMATS
from teachflow.datasets import DATASETS

#: A county folder: six ASCII digits and nothing after them (``\d`` and ``$`` let "1٩99-01" and
#: "2026-04\n" through: one file under three identities on SQLite, a merge failing forever on PostgreSQL).
COUNTY_RE = re.compile(r"[0-9]{6}\Z", re.ASCII)
#: A dataset name as a path gives it: lower-case ASCII (the contract's names are all of this shape).
DATASET_RE = re.compile(r"[a-z][a-z_]{0,63}\Z", re.ASCII)

#: ``<file>.done``: the county's sign that ``<file>`` is completely uploaded.
DONE_SUFFIX = ".done"

#: Names that are never submissions: editors' lock and temp files, partial downloads.
_IGNORED_NAME = re.compile(r"^(\.|~\$)|\.(tmp|part|partial|crdownload|swp)$", re.IGNORECASE)


@dataclass(frozen=True)
class LandingFile:
    """One file found in the landing zone, with the identity its path claims."""

    url: str  # full fsspec URL (or local path) of the file
    relative_path: str  # path below the landing root, with "/" separators
    size: int
    mtime: float  # epoch seconds
    county_code: str  # as given by the path (may be wrong: checked later)
    period: str
    dataset: str
    file_format: str  # extension, lower-cased, without the dot
    #: mtime of ``<file>.done`` when the county wrote one (its upload is complete), else None.
    done_at: float | None = None
    #: Whether the file's folder holds any ``.done`` marker: then the county signals completeness
    #: with markers, and a file without its own marker is still being uploaded.
    folder_uses_markers: bool = False

    @property
    def label(self) -> str:
        """A short name for logs and Airflow's mapped-task labels."""
        return f"{self.county_code}/{self.dataset}/{self.period}"


def split_relative_path(relative_path: str) -> tuple[str, str, str, str]:
    """(county, period, dataset, format) as the path gives them, for any depth of path.

    A path with too few or too many levels still yields its parts (blank where missing), so the
    file is recorded and rejected with the right reason instead of being ignored.
    """
    parts = [p for p in relative_path.split("/") if p]
    name = parts[-1] if parts else ""
    stem, dot, ext = name.rpartition(".")
    if not dot:
        stem, ext = name, ""
    folders = parts[:-1]
    county = folders[0] if len(folders) >= 1 else ""
    period = folders[1] if len(folders) >= 2 else ""
    if len(folders) > 2:  # too deep: report the extra levels as part of the period
        period = "/".join(folders[1:])
    return county, period, stem, ext.lower()


def path_problem(county_code: str, period: str, dataset: str, file_format: str) -> tuple[str, str] | None:
    """Which part of a landing path is wrong, as (problem code, offending value); None if the
    shape is right. Whether the county exists is checked against the warehouse separately."""
    if not COUNTY_RE.match(county_code):
        return "wrong_folder_county", county_code or "(根目录)"
    if not is_period(period):
        return "wrong_folder_period", period or "(无)"
    if not DATASET_RE.match(dataset) or dataset not in DATASETS or file_format not in FILE_FORMATS:
        return "wrong_folder_dataset", f"{dataset}.{file_format}" if file_format else dataset
    return None


def is_ignored(name: str) -> bool:
    return bool(_IGNORED_NAME.search(name))


def list_landing(landing: str) -> list[LandingFile]:
    """Every file below the landing root (ignored names and ``.done`` markers left out), sorted by path."""
    fs, root = fsspec.core.url_to_fs(landing)
    root = root.rstrip("/")
    if not fs.exists(root):
        return []
    found: list[LandingFile] = []
    listed = sorted(fs.find(root, detail=True).items())
    markers: dict[str, float] = {}  # relative path of the marked file -> the marker's mtime
    for path, info in listed:
        relative = path[len(root) :].lstrip("/")
        if info.get("type") == "file" and relative.lower().endswith(DONE_SUFFIX):
            markers[relative[: -len(DONE_SUFFIX)]] = _mtime(info)
    marked_folders = {marked.rpartition("/")[0] for marked in markers}
    for path, info in listed:
        if info.get("type") != "file":
            continue
        relative = path[len(root) :].lstrip("/")
        if any(is_ignored(part) for part in relative.split("/")) or relative.lower().endswith(DONE_SUFFIX):
            continue
        county, period, dataset, fmt = split_relative_path(relative)
        found.append(
            LandingFile(
                url=fs.unstrip_protocol(path) if "://" in landing else path,
                relative_path=relative,
                size=int(info.get("size") or 0),
                mtime=_mtime(info),
                county_code=county,
                period=period,
                dataset=dataset,
                file_format=fmt,
                done_at=markers.get(relative),
                folder_uses_markers=relative.rpartition("/")[0] in marked_folders,
            )
        )
    return found


def _mtime(info: dict) -> float:
    """fsspec backends name the modification time differently (mtime, LastModified, ...)."""
    for key in ("mtime", "LastModified", "last_modified", "modified", "updated"):
        value = info.get(key)
        if value is None:
            continue
        if isinstance(value, dt.datetime):
            return value.timestamp()
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
        return float(value)
    return 0.0


def complete_files(files: Iterable[LandingFile], quiet_seconds: float, now: float | None = None) -> list[LandingFile]:
    """The files whose upload is complete, by the best signal the landing zone gives.

    1. A ``<file>.done`` marker written after the file (not older than it): complete at once.
    2. A folder where the county uses markers: a file without its own current marker is not
       complete, however long it has been quiet (an upload paused past the quiet time was taken
       as the whole roster: 996 of 1,992 teachers).
    3. Otherwise the fallback: untouched for at least ``quiet_seconds`` (0 takes everything at
       once). Uploading under a temporary name (``.part``, ``.tmp``, a leading dot) and renaming
       it when done is complete at once too, since temporary names are never listed.
    """
    now = time.time() if now is None else now
    return [f for f in files if _marked_done(f) or (not f.folder_uses_markers and now - f.mtime >= quiet_seconds)]


def _marked_done(file: LandingFile) -> bool:
    return file.done_at is not None and file.done_at >= file.mtime
