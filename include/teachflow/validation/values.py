"""How a typed value is shown back to the county.

Validation works on the typed frame, so a date is a timestamp and 学时 a float; the county wrote
``2026-10-01`` and ``12``, and the feedback must show that, not ``2026-10-01 00:00:00`` or ``12.0``.
"""

from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pandas as pd

#: The typed frame's column holding each row's number as the county sees it (frames.md).
ROW_COLUMN = "_row"


def render_value(value: object) -> str | None:
    """A typed cell as text the county recognises; None for a blank cell."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, pd.Timestamp | np.datetime64):
        stamp = pd.Timestamp(value)
        return None if pd.isna(stamp) else stamp.strftime("%Y-%m-%d")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, bool | np.bool_):
        return str(bool(value))
    if isinstance(value, int | np.integer):
        return str(int(value))
    if isinstance(value, float | np.floating):
        number = float(value)
        if math.isnan(number):
            return None
        if number.is_integer() and abs(number) < 1e16:
            return str(int(number))
        return repr(number)
    return str(value)
