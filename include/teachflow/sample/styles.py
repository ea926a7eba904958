"""How each county's files look: format, encoding, header language, labels, dates, column order.

Counties export from different systems, so each county keeps one style for all its files and
months, rotating among the three forms the city really receives (``--format mixed``):
(a) XLSX with one or two title rows above a Chinese header, IDs as text, Excel date cells or typed
dates; (b) GBK-encoded CSV with Chinese headers and Chinese vocabulary labels; (c) UTF-8 CSV (some
with BOM) with English headers and codes. Some shuffle their columns. ``--format csv`` gives every
file the plain style: UTF-8 CSV, English headers, codes, ISO dates, contract column order.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from teachflow.contract import Dataset
from teachflow.sample.params import rng_for
from teachflow.vocabularies import VOCABULARIES

#: Files with more rows than this are written as CSV even where the county's style is XLSX.
XLSX_MAX_ROWS = 50_000
#: Samples with more teachers than this write no XLSX at all (openpyxl writes ~4,000 rows a second):
#: the XLSX counties' files become UTF-8 CSV with the same Chinese headers and labels.
XLSX_MAX_TEACHERS = 100_000


def format_date(day: dt.date, form: str) -> Any:
    """A date the way a county types it (every form the contract accepts); "excel": a date cell."""
    if form == "excel":
        return day
    if form == "iso":
        return f"{day.year:04d}-{day.month:02d}-{day.day:02d}"
    if form == "slash":
        return f"{day.year}/{day.month}/{day.day}"
    if form == "zh":
        return f"{day.year}年{day.month}月{day.day}日"
    if form == "compact":
        return f"{day.year:04d}{day.month:02d}{day.day:02d}"
    if form == "dot":
        return f"{day.year}.{day.month:02d}.{day.day:02d}"
    raise ValueError(form)


@dataclass(frozen=True)
class FileStyle:
    kind: str  # xlsx_zh | gbk_zh | utf8_en | plain | city_zh
    file_format: str  # csv | xlsx
    encoding: str  # utf-8 | utf-8-sig | gbk ("" for xlsx)
    header_language: str  # zh | en
    labels: bool  # vocabulary values as Chinese labels (else codes)
    date_format: str
    shuffle_key: str | None = None  # column order is shuffled with this key; None: contract order
    title_rows: int = 0
    blank_trailing_rows: int = 0
    tier_none_blank: bool = False  # tier "none" left blank (the contract allows it)
    rising_star_alias: bool = False  # writes 教坛新星, the older name of 教坛新秀
    sheet_name: str | None = None  # None: the dataset's Chinese title

    def column_order(self, dataset: Dataset) -> list[int]:
        order = list(range(len(dataset.columns)))
        if self.shuffle_key is not None:
            rng_for(0, "columns", self.shuffle_key, dataset.name).shuffle(order)
        return order

    def header(self, dataset: Dataset) -> list[str]:
        columns = [dataset.columns[i] for i in self.column_order(dataset)]
        return [c.header_zh if self.header_language == "zh" else c.name for c in columns]

    def as_csv(self) -> FileStyle:
        """The same county's style for a file too large for Excel: UTF-8 CSV (BOM), same headers and labels."""
        if self.file_format == "csv":
            return self
        date_format = "iso" if self.date_format == "excel" else self.date_format
        return dataclasses.replace(
            self,
            kind=self.kind + "_as_csv",
            file_format="csv",
            encoding="utf-8-sig",
            date_format=date_format,
            title_rows=0,
            blank_trailing_rows=0,
        )

    def renderer(self, dataset: Dataset) -> Callable[[list], list]:
        """A function turning a row of logical values (contract order) into the cells of this style."""
        cache: dict[dt.date, Any] = {}
        form = self.date_format

        def date(value: dt.date | None) -> Any:
            if value is None:
                return None
            cell = cache.get(value)
            if cell is None:
                cell = cache[value] = format_date(value, form)
            return cell

        def same(value: Any) -> Any:
            return value

        def number(value: Any) -> Any:
            return value if value is None or self.file_format == "xlsx" else str(value)

        def vocabulary(name: str) -> Callable[[Any], Any]:
            table = {t.code: (t.label_zh if self.labels else t.code) for t in VOCABULARIES[name].terms}
            if name == "tier" and self.tier_none_blank:
                table["none"] = None
            if name == "tier" and self.rising_star_alias and self.labels:
                table["rising_star"] = "教坛新星"
            return lambda value: None if value is None else table[value]

        functions: list[Callable[[Any], Any]] = []
        for column in dataset.columns:
            if column.kind == "date":
                functions.append(date)
            elif column.kind == "number":
                functions.append(number)
            elif column.kind == "vocab":
                functions.append(vocabulary(column.vocabulary or ""))
            else:
                functions.append(same)
        pairs = tuple(functions)
        return lambda row: [f(v) for f, v in zip(pairs, row, strict=True)]


PLAIN = FileStyle("plain", "csv", "utf-8", "en", labels=False, date_format="iso")
CITY = FileStyle("city_zh", "csv", "utf-8-sig", "zh", labels=True, date_format="iso")


def county_style(seed: int, county_code: str, county_index: int, file_format: str) -> FileStyle:
    """The style of one county's files: rotates over the three forms, varied by a county's own draw."""
    if file_format == "csv":
        return PLAIN
    rng = rng_for(seed, "style", county_code)
    shuffle_key = county_code if (county_index % 3 == 1 or rng.random() < 0.3) else None
    form = county_index % 3
    if form == 0:
        return FileStyle(
            "xlsx_zh",
            "xlsx",
            "",
            "zh",
            labels=True,
            date_format=rng.choice(("excel", "excel", "zh", "slash")),
            shuffle_key=shuffle_key if county_index > 0 else None,
            title_rows=rng.choice((1, 2)),
            blank_trailing_rows=rng.choice((0, 0, 2)),
            tier_none_blank=rng.random() < 0.5,
            rising_star_alias=rng.random() < 0.4,
            sheet_name=rng.choice(("Sheet1", None)),
        )
    if form == 1:
        return FileStyle(
            "gbk_zh",
            "csv",
            "gbk",
            "zh",
            labels=True,
            date_format=rng.choice(("slash", "zh", "dot", "compact")),
            shuffle_key=shuffle_key,
            tier_none_blank=rng.random() < 0.5,
        )
    return FileStyle(
        "utf8_en",
        "csv",
        "utf-8-sig" if county_index % 6 == 2 else "utf-8",  # every other such county saves with a BOM
        "en",
        labels=False,
        date_format=rng.choice(("iso", "iso", "compact")),
        shuffle_key=shuffle_key,
    )
