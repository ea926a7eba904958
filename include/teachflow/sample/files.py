"""Writing the sample's files safely and describing them for the manifest.

The landing zone takes a file only once it is complete (submissions.md), so every file is written
under a hidden temporary name and renamed into place; a reader never sees half a file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass
class FileRecord:
    """One file the sample wrote, as the manifest lists it."""

    path: str  # relative to the output folder, with forward slashes
    format: str  # csv | xlsx
    encoding: str  # utf-8, utf-8-sig (with BOM), gbk; "" for xlsx
    rows: int  # data rows (title, header and blank trailing rows not counted; duplicates counted)
    dataset: str
    county_code: str | None = None
    period: str | None = None
    header_language: str | None = None  # zh | en
    header_row: int | None = None  # Excel row number of the header (1 + title rows)
    shuffled_columns: bool = False
    date_format: str | None = None

    def as_manifest(self) -> dict[str, Any]:
        return {k: v for k, v in asdict(self).items() if v is not None}
