"""Text written into a spreadsheet cell must never become a formula.

A school or programme name that a county typed as ``=HYPERLINK(...)`` or ``+cmd|...`` would run as a
formula when a bureau PC opens the workbook (CSV/formula injection). Every text cell our writers
produce goes through :func:`neutralize_formula`, which makes such text inert by prefixing an
apostrophe-like quote character; the visible text stays readable.

(The engineer of #12 owns this module; #16 created it with the same name and behaviour because its
writers needed it first. The lead reconciles the two.)
"""

from __future__ import annotations

#: Characters that make a spreadsheet treat the cell's text as a formula (or a DDE command).
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value: object) -> object:
    """``"=1+1"`` -> ``"'=1+1"``; anything that is not such a string is returned unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value
