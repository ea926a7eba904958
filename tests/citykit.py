"""A tiny hand-built city for tests: two counties, four schools, one community, valid IDs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from teachflow.identity import check_character

CITY, NORTH, SOUTH = "450200", "450202", "450203"
N1, N2 = "2145020001", "2145020002"  # schools of 450202 (N1 urban lead)
S1, S2 = "2145030001", "2145030002"  # schools of 450203


def make_id(seq: int) -> str:
    """A valid resident ID, distinct for every seq (birth date and sequence derived from it)."""
    born = (dt.date(1970, 1, 1) + dt.timedelta(days=seq // 1000)).strftime("%Y%m%d")
    first17 = f"450202{born}{seq % 1000:03d}"
    return first17 + check_character(first17)


def write_reference(folder: Path, *, extra_lead: bool = False) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "counties.csv").write_text(
        f"county_code,county_name\n{CITY},示例市\n{NORTH},城中区\n{SOUTH},鱼峰区\n", encoding="utf-8"
    )
    (folder / "schools.csv").write_text(
        "school_code,school_name,county_code,location,stage\n"
        f"{N1},城中实验小学,{NORTH},城区,小学\n"
        f"{N2},城中第二小学,{NORTH},镇区,小学\n"
        f"{S1},鱼峰乡村小学,{SOUTH},乡村,primary\n"
        f"{S2},鱼峰镇中学,{SOUTH},town,初中\n",
        encoding="utf-8",
    )
    role = "lead" if extra_lead else "member"
    (folder / "communities.csv").write_text(
        "community_code,community_name,school_code,role\n"
        f"C01,城中教共体,{N1},lead\nC01,城中教共体,{S1},member\nC01,城中教共体,{S2},{role}\n",
        encoding="utf-8",
    )
    return folder
