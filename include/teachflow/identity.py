"""Resident ID numbers (身份证号): validation and the keyed hash that replaces them.

The raw ID is personal data and never stored (domain.md "Personal data"). It is checked here
(length, birth date, ISO 7064 MOD 11-2 check character) and turned into ``teacher_key`` with
HMAC-SHA256 under a secret kept outside the repo, so the same teacher gets the same key in every
county's files while nobody can recover the ID from the warehouse.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac

CHECK_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
CHECK_CHARACTERS = "10X98765432"


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


def teacher_key(id_number: str, secret: bytes) -> str:
    """HMAC-SHA256 of the upper-cased ID under the secret, hex (64 chars)."""
    return hmac.new(secret, id_number.upper().encode("ascii"), hashlib.sha256).hexdigest()
