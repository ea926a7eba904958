"""Understanding one value a county wrote: a date, a number, a school code, a vocabulary label.

These work on one distinct text at a time; :mod:`teachflow.ingestion.normalize` calls them once per
*distinct* value of a column (a million-row file has a few thousand distinct dates), never per row.
Full-width characters, which Chinese input methods produce, are read as their half-width twins.
"""

from __future__ import annotations

import datetime as dt
import re

from teachflow.vocabularies import Vocabulary

#: Full-width ASCII (！ to ～, so ０-９, Ａ-Ｚ, ａ-ｚ, ．／－) -> half-width; the ideographic space -> " ".
HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {0x3000: 0x20}

_DATE_SEPARATED = re.compile(
    r"(?P<y>\d{4})(?P<sep>[-/.])(?P<m>\d{1,2})(?P=sep)(?P<d>\d{1,2})(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?"
)
_DATE_CHINESE = re.compile(r"(?P<y>\d{4})\s*年\s*(?P<m>\d{1,2})\s*月\s*(?P<d>\d{1,2})\s*日?")
_DATE_COMPACT = re.compile(r"(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})")
#: An Excel serial day number of the 1900 date system, as a General-formatted date cell shows.
#: Only five digits (1927-05-18 .. 2173-10-14) are taken as a date: "2026" alone is a year typed
#: into a date column, not 18 July 1905, and a teacher's dates all lie in that span.
_EXCEL_SERIAL = re.compile(r"(\d{5})(?:\.\d*)?")
_EXCEL_EPOCH = dt.date(1899, 12, 30)  # serial 1 = 1900-01-01, counting Lotus' phantom 1900-02-29

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_GROUPED_NUMBER = re.compile(r"[+-]?\d{1,3}(?:,\d{3})+(?:\.\d*)?")  # 1,200.5 as Excel may format it
_WHOLE_FLOAT = re.compile(r"(\d+)\.0*")


def halfwidth(text: str) -> str:
    return text.translate(HALFWIDTH)


def parse_date(text: str) -> dt.date | None:
    """A date in any accepted form (submissions.md), or None if the text is none of them or no real day.

    Accepted: 2026-10-01, 2026/10/1, 2026.10.01 (a time after the date is ignored), 2026年10月1日,
    20261001, and an Excel serial day number such as 45931.
    """
    text = halfwidth(text).strip()
    match = _DATE_SEPARATED.fullmatch(text) or _DATE_CHINESE.fullmatch(text) or _DATE_COMPACT.fullmatch(text)
    if match is not None:
        try:
            return dt.date(int(match["y"]), int(match["m"]), int(match["d"]))
        except ValueError:
            return None
    serial = _EXCEL_SERIAL.fullmatch(text)
    if serial is not None:
        return _EXCEL_EPOCH + dt.timedelta(days=int(serial.group(1)))
    return None


def parse_number(text: str) -> float | None:
    """A plain decimal number ("12", "12.5", "１２", "1,200"), or None for anything else.

    Words, units ("12学时"), "nan", "inf" and exponents are not numbers a county means to write.
    """
    text = halfwidth(text).strip()
    if _NUMBER.fullmatch(text):
        return float(text)
    if _GROUPED_NUMBER.fullmatch(text):
        return float(text.replace(",", ""))
    return None


def school_code_text(text: str) -> str:
    """A school code as digits: half-width, and "4502010001.0" (a code that was a number) without ".0"."""
    text = halfwidth(text).strip()
    whole = _WHOLE_FLOAT.fullmatch(text)
    return whole.group(1) if whole else text


def vocab_code(text: str, lookup: dict[str, str]) -> str | None:
    """The vocabulary code a label or code stands for (case-folded, half-width, spaces ignored); None if unknown."""
    key = halfwidth(text).strip().casefold()
    if key in lookup:
        return lookup[key]
    return lookup.get("".join(key.split()))


def allowed_labels(vocabulary: Vocabulary) -> str:
    """The accepted values as a county reads them in the template's dropdown: "轮岗支教、跟岗学习、…".

    No English codes: they are accepted too, but a clerk picks from the dropdown.
    """
    return "、".join(vocabulary.labels_zh)


def allowed_labels_en(vocabulary: Vocabulary) -> str:
    """The same for the English twin: "轮岗支教 (rotation), 跟岗学习 (study_placement), …"."""
    return ", ".join(f"{term.label_zh} ({term.code})" for term in vocabulary.terms)
