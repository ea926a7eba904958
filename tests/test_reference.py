"""Loading the city's reference data: checked, atomic, idempotent."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select

from teachflow.reference import ReferenceError, load_reference
from teachflow.warehouse.schema import community_schools, counties, reference_loads, schools


def write_reference(folder: Path, *, extra_lead: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "counties.csv").write_text(
        "county_code,county_name\n450200,示例市\n450202,城中区\n450203,鱼峰区\n", encoding="utf-8"
    )
    (folder / "schools.csv").write_text(
        "school_code,school_name,county_code,location,stage\n"
        "2145020001,城中实验小学,450202,城区,小学\n"
        "2145020002,鱼峰乡村小学,450203,乡村,primary\n"
        "2145020003,鱼峰镇中学,450203,town,初中\n",
        encoding="utf-8",
    )
    lead2 = "lead" if extra_lead else "member"
    (folder / "communities.csv").write_text(
        "community_code,community_name,school_code,role\n"
        f"C01,城中教共体,2145020001,lead\nC01,城中教共体,2145020002,member\nC01,城中教共体,2145020003,{lead2}\n",
        encoding="utf-8",
    )
    return folder


def test_load_is_complete_and_a_second_load_changes_nothing(engine, tmp_path):
    folder = write_reference(tmp_path / "ref")
    first = load_reference(engine, folder)
    assert (first.counties, first.schools, first.communities, first.changed) == (3, 3, 1, True)
    second = load_reference(engine, folder)
    assert second.changed is False
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(reference_loads)).scalar() == 3
        assert conn.execute(select(counties.c.is_city).where(counties.c.county_code == "450200")).scalar() is True
        assert dict(conn.execute(select(schools.c.school_code, schools.c.location)).all()) == {
            "2145020001": "urban",
            "2145020002": "rural",
            "2145020003": "town",
        }
        roles = dict(conn.execute(select(community_schools.c.school_code, community_schools.c.role)).all())
        assert roles == {"2145020001": "lead", "2145020002": "member", "2145020003": "member"}


def test_two_leads_are_refused_and_nothing_changes(engine, tmp_path):
    load_reference(engine, write_reference(tmp_path / "good"))
    with pytest.raises(ReferenceError, match="C01 has 2 lead schools"):
        load_reference(engine, write_reference(tmp_path / "bad", extra_lead=True))
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(community_schools)).scalar() == 3
