"""The resident ID (居民身份证号) from the county's cell to ``teacher_key``, in one place.

The raw ID is personal data and never stored (domain.md "Personal data"). Its whole journey is
here, in the order a file meets it:

1. **reading** (:func:`read_ids`): what the clerk typed becomes an ID — full-width digits and
   spaces typed with an IME on are undone (the county hears about it), a lower-case ``x`` is
   ``X``, and a number Excel turned into scientific notation is refused (its digits are lost);
2. **checking** (:func:`id_problem` for one ID, :func:`id_codes` for a column): 18 characters,
   a real birth date inside, and the ISO 7064 MOD 11-2 check character;
3. **hashing** (:func:`teacher_key`, :func:`teacher_keys`): HMAC-SHA256 under a secret kept
   outside the repo, so the same teacher gets the same key in every county's files while nobody
   can recover the ID from the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

import numpy as np
import pandas as pd

from teachflow.fixed_width import char_matrix, is_digit, number, scatter

CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"

#: Full-width ASCII (！ to ～) -> half-width, and every space dropped: an ID typed with an IME on.
ID_HALFWIDTH = {code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)} | {
    0x3000: None,
    0x20: None,
    0xA0: None,
    0x09: None,
}
#: A number in scientific notation, as Excel shows or saves an 18-digit ID stored as a number.
SCIENTIFIC = r"\d+(?:\.\d*)?E[+-]?\d+"

_CHECK_BYTES = np.frombuffer(CHECK_CHARACTERS.encode("ascii"), dtype=np.uint8)
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_ZERO, _X = ord("0"), ord("X")


# --- 1. reading ------------------------------------------------------------------------------------


def read_ids(text: pd.Series) -> tuple[pd.Series, np.ndarray, np.ndarray]:
    """(the IDs, rows repaired from full-width or spaced text, rows in scientific notation).

    Upper-cased IDs; full-width characters and spaces undone; scientific notation made blank (the
    caller reports it). Most columns hold clean half-width IDs, so each repair is first asked of
    the whole column at once (one string of all IDs) and the row-wise string methods run only
    when some row needs it.
    """
    everything = "".join(text.dropna().to_numpy())
    ids = text
    fullwidth = pd.Series(False, index=text.index)
    if not everything.isascii() or " " in everything:
        odd = text.notna() & (~text.str.isascii() | text.str.contains(" ", regex=False))
        fixed = text[odd].str.translate(ID_HALFWIDTH)
        fullwidth[odd] = fixed != text[odd]
        ids = text.mask(odd, fixed)
        everything = "".join(ids.dropna().to_numpy())
    if everything.upper() != everything:
        ids = ids.str.upper()  # a lower-case check character x is simply X

    scientific = pd.Series(False, index=text.index)
    if "E" in everything.upper():
        has_e = ids.str.contains("E", regex=False)
        scientific[has_e] = ids[has_e].str.fullmatch(SCIENTIFIC)
        ids = ids.mask(scientific)
    return ids, fullwidth.to_numpy(dtype=bool), scientific.to_numpy(dtype=bool)


# --- 2. checking -----------------------------------------------------------------------------------


def check_character(first17: str) -> str:
    """The ISO 7064 MOD 11-2 check character for the first 17 digits."""
    total = sum(int(d) * w for d, w in zip(first17, CHECK_WEIGHTS, strict=True))
    return CHECK_CHARACTERS[total % 11]


def birth_date_of(id_number: str) -> dt.date | None:
    """The birth date encoded in characters 7-14, or None if it is not a real date."""
    try:
        return dt.date(int(id_number[6:10]), int(id_number[10:12]), int(id_number[12:14]))
    except ValueError:
        return None


def id_problem(id_number: str) -> str | None:
    """Why an (already normalized, upper-cased) ID is invalid, as a problem code; None if valid."""
    if len(id_number) != 18 or not id_number[:17].isdigit() or not (id_number[17].isdigit() or id_number[17] == "X"):
        return "id_format"
    born = birth_date_of(id_number)
    if born is None or born.year < 1900 or born > dt.date.today():
        return "id_birth_date"
    if check_character(id_number[:17]) != id_number[17]:
        return "id_check_character"
    return None


def _real_dates(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    leap = ((year % 4 == 0) & (year % 100 != 0)) | (year % 400 == 0)
    month_ok = (month >= 1) & (month <= 12)
    last_day = _DAYS_IN_MONTH[np.where(month_ok, month, 0)] + ((month == 2) & leap)
    return month_ok & (day >= 1) & (day <= last_day)


def id_codes(ids: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per row: the :func:`id_problem` code (None if valid or blank) and the birth date inside the
    ID as an int YYYYMMDD (0 where the ID has none).

    Same verdicts as :func:`id_problem` for all rows at once: the check character is the dot
    product of the 17 digits with the weights, over a byte matrix of the IDs.
    """
    n = len(ids)
    present = ids.notna().to_numpy(dtype=bool)
    fits, chars = char_matrix(ids, 18)
    digits = is_digit(chars)
    shaped = digits[:, :17].all(axis=1) & (digits[:, 17] | (chars[:, 17] == _X))

    year, month, day = number(chars[:, 6:10]), number(chars[:, 10:12]), number(chars[:, 12:14])
    today = pd.Timestamp.today()
    today_int = today.year * 10000 + today.month * 100 + today.day
    born_int = year * 10000 + month * 100 + day
    born_ok = shaped & _real_dates(year, month, day) & (year >= 1900) & (born_int <= today_int)

    total = np.zeros(len(chars), dtype=np.int32)
    for i, weight in enumerate(CHECK_WEIGHTS):
        total += (chars[:, i].astype(np.int32) - _ZERO) * weight
    check_ok = _CHECK_BYTES[total % 11] == chars[:, 17]

    codes = np.full(n, None, dtype=object)
    codes[present & ~scatter(fits, shaped)] = "id_format"
    codes[scatter(fits, shaped & ~born_ok)] = "id_birth_date"
    codes[scatter(fits, born_ok & ~check_ok)] = "id_check_character"
    birth = np.zeros(n, dtype=np.int64)
    birth[np.flatnonzero(fits)[born_ok]] = born_int[born_ok]
    return codes, birth


# --- 3. hashing ------------------------------------------------------------------------------------


def teacher_key(id_number: str, secret: bytes) -> str:
    """HMAC-SHA256 of the upper-cased ID under the secret, hex (64 chars)."""
    return hmac.new(secret, id_number.upper().encode("ascii"), hashlib.sha256).hexdigest()


def teacher_keys(id_numbers: pd.Series, secret: bytes) -> pd.Series:
    """The IDs' teacher keys, as a categorical: HMAC every distinct ID once.

    Training files repeat each teacher many times; a categorical holds each key once (a million
    rows: ~2 MB of codes instead of ~70 MB of text), and its categories are kept in sorted order,
    so sorting by the codes sorts by the keys. A blank or non-ASCII cell (possible before
    validation has rejected its row) gets no key.
    """
    codes, uniques = pd.factorize(id_numbers)
    keys = [teacher_key(i, secret) if i.isascii() else None for i in uniques]
    categories = sorted({k for k in keys if k is not None})  # "x" and "X" endings share a key
    position = {k: n for n, k in enumerate(categories)}
    remap = np.array([position[k] if k is not None else -1 for k in keys] + [-1], dtype=np.int64)
    return pd.Series(
        pd.Categorical.from_codes(remap[codes], categories=pd.Index(categories, dtype="str")),
        index=id_numbers.index,
        name="teacher_key",
    )
