"""Fixed-width codes (resident IDs, school codes, school years) as byte matrices, for whole columns.

Checking a million cells with a regex each takes seconds; reading the column's bytes straight from
its Arrow buffers into an ``n × width`` uint8 matrix lets numpy test every row at once. A
non-ASCII character is two or more bytes, none of them a digit, so a row holding one fails every
digit test, as it fails "width ASCII characters". Used by :mod:`teachflow.resident_id` and the
validation rules.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

ZERO, NINE = ord("0"), ord("9")


def char_matrix(values: pd.Series, width: int) -> tuple[np.ndarray, np.ndarray]:
    """(rows whose text is exactly ``width`` bytes of UTF-8, their bytes as a uint8 matrix).

    Read straight from the Arrow buffers: a million IDs as Python strings would cost ~80 MB and a
    second.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    texts = pa.array(values.to_numpy(dtype=object, na_value=None)) if values.dtype == object else None
    if texts is None:
        texts = pa.chunked_array(values.array.__arrow_array__()).combine_chunks()
    texts = texts.cast(pa.large_binary())
    fits = pc.equal(pc.binary_length(texts), width).fill_null(False).to_numpy(zero_copy_only=False)
    kept = pc.filter(texts, pa.array(fits))
    offsets = np.frombuffer(kept.buffers()[1], dtype=np.int64)[kept.offset : kept.offset + len(kept) + 1]
    data = np.frombuffer(kept.buffers()[2], dtype=np.uint8) if len(kept) else np.zeros(0, dtype=np.uint8)
    return fits, data[offsets[0] : offsets[-1]].reshape(-1, width)


def is_digit(chars: np.ndarray) -> np.ndarray:
    return (chars >= ZERO) & (chars <= NINE)


def number(chars: np.ndarray) -> np.ndarray:
    """The integer written by each row of a digit matrix (column by column: no big int64 copy)."""
    total = np.zeros(chars.shape[0], dtype=np.int32)  # at most 4 digits here: int32 halves the memory
    for i in range(chars.shape[1]):
        total = total * 10 + (chars[:, i].astype(np.int32) - ZERO)
    return total


def scatter(fits: np.ndarray, selected: np.ndarray) -> np.ndarray:
    """A full-length mask from a mask over the rows where ``fits`` holds."""
    out = np.zeros(fits.size, dtype=bool)
    out[np.flatnonzero(fits)[selected]] = True
    return out


def digit_codes(values: pd.Series, width: int) -> np.ndarray:
    """Rows holding exactly ``width`` ASCII digits (the suite's ``^[0-9]{width}$``)."""
    fits, chars = char_matrix(values, width)
    return scatter(fits, is_digit(chars).all(axis=1))
