"""Loading the city's reference data: checked, atomic, idempotent."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from teachflow.reference import ReferenceError, load_reference
from teachflow.warehouse.schema import community_schools, counties, reference_loads, schools
from tests.citykit import write_reference


def test_load_is_complete_and_a_second_load_changes_nothing(engine, tmp_path):
    folder = write_reference(tmp_path / "ref")
    first = load_reference(engine, folder)
    assert (first.counties, first.schools, first.communities, first.changed) == (3, 4, 1, True)
    second = load_reference(engine, folder)
    assert second.changed is False
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reference_loads)).scalar() == 3
        assert conn.execute(select(counties.c.is_city).where(counties.c.county_code == "450200")).scalar() is True
        assert dict(conn.execute(select(schools.c.school_code, schools.c.location)).all()) == {
            "2145020001": "urban",
            "2145020002": "town",
            "2145030001": "rural",
            "2145030002": "town",
        }
        roles = dict(conn.execute(select(community_schools.c.school_code, community_schools.c.role)).all())
        assert roles == {"2145020001": "lead", "2145030001": "member", "2145030002": "member"}


def test_two_leads_are_refused_and_nothing_changes(engine, tmp_path):
    load_reference(engine, write_reference(tmp_path / "good"))
    with pytest.raises(ReferenceError, match="C01 has 2 lead schools"):
        load_reference(engine, write_reference(tmp_path / "bad", extra_lead=True))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(community_schools)).scalar() == 3
