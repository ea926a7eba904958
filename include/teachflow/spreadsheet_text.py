"""Text written into a spreadsheet cell or a CSV must never become a formula: the one helper.

A county's or the reference data's text can begin like a formula (``=HYPERLINK(...)``,
``+cmd|...``, ``@SUM(...)``, a leading tab or carriage return that Excel strips before it looks
again). openpyxl stores any string starting with ``=`` as a formula, xlsxwriter's ``write()`` does
the same, and Excel runs such a CSV cell on opening. Every writer of a spreadsheet or CSV output
passes its text through :func:`neutralize_formula`, which puts an apostrophe in front: inert in
CSV, in openpyxl, in xlsxwriter and in a SpreadsheetML inline string alike, and the conventional
sign (OWASP "CSV injection") that the text was defused; the visible text stays readable. Text
that merely looks like a signed number (``-5``) is prefixed too: one simple rule, the same in every
writer (a number is written as a number, not as text).

Writers: the report workbooks (``reports/xlsx_kit.py``, the assessment workbook), the templates,
the feedback CSV. The feedback workbook's streaming writer stores every string as an inline string
cell, a type Excel never evaluates, so it keeps the county's text exactly as written.

(#16 created this module first, with the same name and behaviour, because its writers needed it;
#12 owns it.)
"""

from __future__ import annotations

#: Characters that make a spreadsheet treat the cell's text as a formula (or a DDE command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def is_formula_like(value: object) -> bool:
    """Whether ``value`` is text a spreadsheet program could run as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_TRIGGERS)


def neutralize_formula(value: object) -> object:
    """``"=1+1"`` -> ``"'=1+1"``; anything that is not such a string is returned unchanged."""
    if is_formula_like(value):
        return "'" + value  # type: ignore[operator]
    return value
