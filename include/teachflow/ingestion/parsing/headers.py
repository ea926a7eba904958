"""Finding the header row of a county file and naming its columns by the contract.

County files rarely start with the header: Excel sheets carry a title row or two ("2026年10月教师名册",
"填报单位：…") and the columns come in any order, in Chinese or English, sometimes marked required
("身份证号*", "身份证号（必填）") or with both names in one cell ("身份证号 id_number", as a
bilingual template writes them). So the header is *found*: the first of the first
:data:`HEADER_SEARCH_ROWS` rows in which at least half of the dataset's required columns are named.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import islice

from teachflow.datasets import Dataset
from teachflow.problems import FileRejected, Problem

#: How many rows from the top of a file (or sheet) may hold the header.
HEADER_SEARCH_ROWS = 20

_SPACES = re.compile(r"\s+")  # \s covers the full-width space U+3000 and NBSP too
_TRAILING_MARKERS = re.compile(r"(?:[*＊]|[（(](?:必填|选填)[)）])+$")
#: Words of a cell holding more than one name: runs of ASCII letters/digits, or runs of anything
#: else except separators, so "身份证号id_number" and "学校标识码(school_code)" both split in two.
_WORDS = re.compile(r"[A-Za-z0-9_]+|[^\sA-Za-z0-9_*＊/|,，;；:：()（）\[\]【】]+")


def header_key(text: str) -> str:
    """A header as compared: no spaces, no leading/trailing required marks, case-folded."""
    key = _SPACES.sub("", text).lstrip("*＊")
    return _TRAILING_MARKERS.sub("", key).casefold()


class HeaderMatcher:
    """Names the contract column a header cell stands for, or None."""

    def __init__(self, dataset: Dataset) -> None:
        self._by_key: dict[str, str] = {}
        for column in dataset.columns:
            for header in column.headers:
                self._by_key.setdefault(header_key(header), column.name)

    def match(self, text: str) -> str | None:
        key = header_key(text)
        if not key:
            return None
        if key in self._by_key:
            return self._by_key[key]
        # A bilingual cell ("身份证号 id_number"): accept it if its words name exactly one column.
        named = {self._by_key[k] for k in map(header_key, _WORDS.findall(text)) if k in self._by_key}
        return named.pop() if len(named) == 1 else None


@dataclass(frozen=True)
class HeaderLayout:
    """Where the header is and which cell position holds which contract column."""

    row_index: int  # 0-based index of the header row among the rows searched
    positions: dict[str, int]  # contract column name -> 0-based cell position, in contract order
    ignored: list[str]  # header texts that name no contract column (or repeat one), as written


def find_header(rows: Iterable[Sequence[str | None]], dataset: Dataset) -> HeaderLayout | None:
    """The first row within :data:`HEADER_SEARCH_ROWS` that names at least half the required columns."""
    matcher = HeaderMatcher(dataset)
    required = {c.name for c in dataset.required_columns}
    for index, row in enumerate(islice(rows, HEADER_SEARCH_ROWS)):
        named = [(pos, cell, matcher.match(cell)) for pos, cell in enumerate(row) if cell]
        hits = {name for _, _, name in named if name in required}
        if hits and 2 * len(hits) >= len(required):
            return _layout(index, named, dataset)
    return None


def _layout(index: int, named: list[tuple[int, str, str | None]], dataset: Dataset) -> HeaderLayout:
    found: dict[str, int] = {}
    ignored: list[str] = []
    for pos, cell, name in named:
        if name is None or name in found:  # a repeated column: the first one counts
            ignored.append(cell)
        else:
            found[name] = pos
    positions = {name: found[name] for name in dataset.column_names if name in found}
    return HeaderLayout(row_index=index, positions=positions, ignored=ignored)


def require_columns(layout: HeaderLayout, dataset: Dataset) -> None:
    """Reject the file with one ``column_missing`` problem per required column it lacks."""
    missing = [
        Problem("column_missing", column=c.name, params={"column_zh": c.header_zh, "column": c.name})
        for c in dataset.required_columns
        if c.name not in layout.positions
    ]
    if missing:
        raise FileRejected(missing)


def header_not_found(dataset: Dataset, searched: int, **extra: str) -> FileRejected:
    """The rejection for a file whose first rows hold no header; names a few headers to look for."""
    expected = "、".join(c.header_zh for c in dataset.required_columns[:3])
    params = {"searched": str(searched), "expected": expected, **extra}
    return FileRejected([Problem("header_not_found", params=params)])


def file_empty(variant: str | None = None) -> FileRejected:
    """No data: nothing at all, or (``variant`` "roster") a roster's header without rows."""
    return FileRejected([Problem("file_empty", params={"variant": variant} if variant else {})])


def file_unreadable(variant: str, detail: str = "", **params: str) -> FileRejected:
    """The rejection of a file that cannot be opened; ``variant`` names the cause (see
    :data:`teachflow.problems.UNREADABLE_VARIANTS`, which says what the clerk does about it) and
    ``detail`` is the library's own words, for the English line an engineer reads."""
    return FileRejected([Problem("file_unreadable", params={"variant": variant, "detail": detail[:200], **params})])
