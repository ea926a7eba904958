"""Resident ID checks and the keyed hash (domain.md, Personal data)."""

from __future__ import annotations

import datetime as dt

from teachflow.resident_id import birth_date_of, check_character, id_problem, teacher_key

VALID = "11010519491231002X"  # the standard's own worked example (GB 11643)


def test_check_character_of_the_standard_example():
    assert check_character(VALID[:17]) == "X"
    assert id_problem(VALID) is None


def test_birth_date_inside_the_id():
    assert birth_date_of(VALID) == dt.date(1949, 12, 31)


def test_problems_are_named():
    assert id_problem("1101051949123100") == "id_format"  # 16 chars
    assert id_problem("11010519491331002X") == "id_birth_date"  # month 13
    assert id_problem("110105194912310021") == "id_check_character"


def test_teacher_key_is_a_keyed_hash_of_the_upper_cased_id():
    a = teacher_key(VALID, b"secret-1")
    assert a == teacher_key(VALID.lower(), b"secret-1")
    assert a != teacher_key(VALID, b"secret-2")
    assert len(a) == 64 and VALID not in a
