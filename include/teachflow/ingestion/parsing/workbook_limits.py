"""Workbooks read within bounds: the zip checked before parsing, the parse under a memory limit.

A 1.7 KB workbook whose one cell sits at XFD1048576 made calamine allocate 512 GiB for the sheet's
dense range and abort the whole ``teachflow ingest`` process (the files after it were never
taken, every rerun aborted again); a 409 KB workbook holding one 400 MB cell peaked at 4.4 GB.
Two layers, so that such a file becomes a ``file_unreadable`` rejection with feedback:

1. :func:`check_workbook`, before parsing, from the zip's own directory and the sheets' first
   bytes (milliseconds, nothing decompressed whole): the total unzipped size, the compression ratio
   of every part above 1 MiB (a roster compresses ~10:1; a bomb 1000:1), and each worksheet's
   declared ``<dimension>`` (rows x columns) against a cell budget.
2. :func:`read_workbook_bounded`, the parse itself, in a child process whose address space is
   capped with ``RLIMIT_AS`` (``TEACHFLOW_PARSE_MEMORY_BYTES``). A file can lie in its directory
   or leave out its dimension; whatever it does, exhausting the cap ends the child (a MemoryError,
   or calamine's abort), never the worker, and the file is rejected. The child is started with
   a fresh interpreter (no fork of a process that runs threads); that costs ~1 s per workbook,
   little next to a county file's parse and validation, and the frame comes back pickled.
"""

from __future__ import annotations

import io
import os
import pickle
import re
import subprocess
import sys
import tempfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from teachflow.contract import Dataset
from teachflow.ingestion.parsing.headers import file_unreadable
from teachflow.problems import FileRejected, megabytes

#: Exit code of the child when it ran out of its address space (a MemoryError).
OUT_OF_MEMORY = 3

_CELL_REF = re.compile(rb"([A-Z]{1,3})([0-9]{1,7})")
_DIMENSION = re.compile(rb'<(?:\w+:)?dimension\s+ref="([^"]*)"')
_RATIO_CHECKED_FROM = 1 << 20  # small parts may compress well for good reasons (empty styles, repeats)


@dataclass(frozen=True)
class WorkbookLimits:
    """The bounds a workbook is read within (defaults as in :class:`teachflow.settings.Settings`)."""

    max_unzipped_bytes: int = 1024 * 1024 * 1024
    max_compression_ratio: float = 100.0
    max_sheet_cells: int = 40_000_000
    memory_bytes: int | None = 4 * 1024 * 1024 * 1024  # None: parse in this process (tests, benchmarks)

    @classmethod
    def of(cls, settings) -> WorkbookLimits:
        return cls(
            max_unzipped_bytes=settings.max_unzipped_bytes,
            max_compression_ratio=settings.max_compression_ratio,
            max_sheet_cells=settings.max_sheet_cells,
            memory_bytes=settings.parse_memory_bytes or None,
        )


def check_workbook(raw: bytes, limits: WorkbookLimits) -> None:
    """Raise ``file_unreadable`` when the zip is too large unzipped, too compressed, or a sheet's
    declared extent is over the cell budget. OLE2 files (.xls, encrypted) are left to the parse."""
    if not raw.startswith(b"PK"):
        return
    try:
        archive = zipfile.ZipFile(io.BytesIO(raw))
        members = archive.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return  # calamine says what is wrong with it
    total = sum(m.file_size for m in members)
    if total > limits.max_unzipped_bytes:
        raise file_unreadable(
            "unzipped_too_large",
            f"{total} bytes unzipped, over the limit of {limits.max_unzipped_bytes}",
            unzipped_mb=megabytes(total),
            limit_mb=megabytes(limits.max_unzipped_bytes),
        )
    for m in members:
        ratio = m.file_size // max(m.compress_size, 1)
        if m.file_size >= _RATIO_CHECKED_FROM and ratio > limits.max_compression_ratio:
            raise file_unreadable(
                "compression_ratio",
                f"{m.filename} is compressed {ratio}:1, far beyond a real workbook",
                ratio=str(ratio),
            )
    for m in members:
        if m.filename.startswith("xl/worksheets/") and m.filename.endswith(".xml"):
            with archive.open(m) as part:
                head = part.read(1 << 16)
            cells = declared_cells(head)
            if cells is not None and cells > limits.max_sheet_cells:
                raise file_unreadable(
                    "sheet_extent",
                    f"{m.filename} declares {cells} cells, over the limit of {limits.max_sheet_cells}",
                    cells=str(cells),
                    limit=str(limits.max_sheet_cells),
                )


def declared_cells(sheet_head: bytes) -> int | None:
    """Rows x columns of the ``<dimension ref="A1:XFD1048576"/>`` near a sheet's start; None if absent."""
    found = _DIMENSION.search(sheet_head)
    if not found:
        return None
    refs = [_CELL_REF.fullmatch(part.strip().replace(b"$", b"")) for part in found.group(1).split(b":")]
    if not refs or any(r is None for r in refs):
        return None
    cols = [_column_number(r.group(1)) for r in refs]  # type: ignore[union-attr]
    rows = [int(r.group(2)) for r in refs]  # type: ignore[union-attr]
    return (max(rows) - min(rows) + 1) * (max(cols) - min(cols) + 1)


def _column_number(letters: bytes) -> int:
    number = 0
    for ch in letters:
        number = number * 26 + ch - 64
    return number


def read_workbook_bounded(source: Path | None, raw: bytes, dataset: Dataset, limits: WorkbookLimits):
    """:func:`~teachflow.ingestion.parsing.xlsx_file.read_xlsx_table` after :func:`check_workbook`, in a
    memory-capped child process when ``limits.memory_bytes`` is set.

    The child is ``python -m teachflow.ingestion.parsing.workbook_child`` (not multiprocessing: that would
    re-import whatever ``__main__`` is, an Airflow task runner or a test). It caps its own address
    space first, parses, and pickles the result (or the FileRejected) to a file. It ending by
    MemoryError or by an allocation abort is the file's fault (``file_unreadable``); any other
    crash is ours and raised as an error, so the take is retried, then quarantined.
    """
    from teachflow.ingestion.parsing.xlsx_file import read_xlsx_table

    check_workbook(raw, limits)
    if not limits.memory_bytes:
        return read_xlsx_table(raw, dataset)
    with tempfile.TemporaryDirectory(prefix="teachflow-workbook-") as folder:
        if source is None:
            source = Path(folder) / "input.xlsx"
            source.write_bytes(raw)
        result = Path(folder) / "result.pickle"
        import teachflow

        package_root = str(Path(teachflow.__file__).resolve().parents[1])  # the folder holding teachflow/
        env = {
            **os.environ,
            "PYTHONPATH": os.pathsep.join(filter(None, [package_root, os.environ.get("PYTHONPATH")])),
            "ARROW_DEFAULT_MEMORY_POOL": "system",
            "RUST_BACKTRACE": "0",
        }
        done = subprocess.run(
            [
                sys.executable,
                "-m",
                "teachflow.ingestion.parsing.workbook_child",
                str(limits.memory_bytes),
                str(source),
                dataset.name,
                str(result),
            ],
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            check=False,
        )
        if done.returncode == 0:
            with result.open("rb") as f:
                kind, outcome = pickle.load(f)  # our own child's output, from our own temporary folder
            if kind == "rejected":
                raise FileRejected(outcome)
            return outcome
        stderr = done.stderr.decode("utf-8", "replace")
        if done.returncode == OUT_OF_MEMORY or "memory allocation of" in stderr:
            mib = limits.memory_bytes // (1024 * 1024)
            raise file_unreadable("memory", f"the parser ran out of its {mib} MiB", mib=str(mib))
        raise RuntimeError(f"the workbook parser ended with code {done.returncode}: {stderr[-2000:]}")
