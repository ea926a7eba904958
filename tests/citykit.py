"""A tiny hand-built city for tests: two counties, four schools, one community, valid IDs."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from teachflow.resident_id import check_character

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


def insert_city(
    conn,
    schools: list[tuple[str, str, str]],
    memberships: list[tuple[str, str, str, str]],
    *,
    ledger_period: str,
) -> None:
    """Insert the city's counties, ``schools`` (code, name, county), community ``memberships``
    (school, community code, community name, role) and one accepted ledger row (submission 1,
    for the foreign keys) straight into the warehouse tables."""
    from sqlalchemy import insert

    from teachflow.warehouse import schema

    conn.execute(
        insert(schema.counties),
        [
            {"county_code": CITY, "county_name": "示例市", "is_city": True},
            {"county_code": NORTH, "county_name": "城中区", "is_city": False},
            {"county_code": SOUTH, "county_name": "鱼峰区", "is_city": False},
        ],
    )
    conn.execute(
        insert(schema.schools),
        [
            {"school_code": c, "school_name": n, "county_code": k, "location": "urban", "stage": "primary"}
            for c, n, k in schools
        ],
    )
    names = {code: name for _, code, name, _ in memberships}
    conn.execute(insert(schema.communities), [{"community_code": c, "community_name": n} for c, n in names.items()])
    conn.execute(
        insert(schema.community_schools),
        [{"school_code": s, "community_code": c, "role": r} for s, c, _, r in memberships],
    )
    conn.execute(
        insert(schema.submissions).values(
            submission_id=1,
            county_code=NORTH,
            period=ledger_period,
            dataset="teachers",
            file_format="csv",
            source_path="test",
            sha256="0" * 64,
            size_bytes=1,
            archive_path="test",
            received_at=dt.datetime(2026, 9, 1, tzinfo=dt.UTC),
            status="accepted",
        )
    )
