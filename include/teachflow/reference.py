"""Loading the city's reference data (counties, schools, communities) into the warehouse.

The three CSV files are small and kept by the city, so a load replaces all three tables in one
transaction: the warehouse never holds schools of one version with communities of another. Each
file's SHA-256 is recorded in ``reference_loads``; loading the same bytes again changes nothing.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, delete, insert, select

from teachflow.contract import REFERENCE_FILES, is_city_code
from teachflow.vocabularies import COMMUNITY_ROLE, LOCATION, STAGE
from teachflow.warehouse import schema


class ReferenceError(ValueError):
    """A reference file breaks the contract; the message names the file, line and value."""


@dataclass(frozen=True)
class ReferenceLoadResult:
    counties: int
    schools: int
    communities: int
    changed: bool


def _read(path: Path, expected: tuple[str, ...]) -> tuple[list[dict[str, str]], str]:
    if not path.exists():
        raise ReferenceError(f"{path}: file not found")
    raw = path.read_bytes()
    text = raw.decode("utf-8-sig")
    reader = csv.DictReader(text.splitlines())
    header = tuple(h.strip() for h in (reader.fieldnames or ()))
    missing = [c for c in expected if c not in header]
    if missing:
        raise ReferenceError(f"{path.name}: missing column(s) {', '.join(missing)}; expected {', '.join(expected)}")
    rows = [{k.strip(): (v or "").strip() for k, v in row.items() if k} for row in reader]
    return rows, hashlib.sha256(raw).hexdigest()


def _code(vocab_lookup: dict[str, str], value: str, where: str, what: str) -> str:
    code = vocab_lookup.get(value.casefold())
    if code is None:
        raise ReferenceError(f"{where}: unknown {what} {value!r}")
    return code


def parse_reference(folder: Path) -> tuple[dict[str, list[dict]], dict[str, str]]:
    """Read and check the three files; return rows ready to insert and each file's SHA-256."""
    data: dict[str, list[dict[str, str]]] = {}
    hashes: dict[str, str] = {}
    for name, header in REFERENCE_FILES.items():
        data[name], hashes[name] = _read(folder / f"{name}.csv", header)

    counties = []
    for i, row in enumerate(data["counties"], start=2):
        code = row["county_code"]
        if not (len(code) == 6 and code.isdigit()):
            raise ReferenceError(f"counties.csv line {i}: county_code {code!r} is not 6 digits")
        counties.append({"county_code": code, "county_name": row["county_name"], "is_city": is_city_code(code)})
    county_codes = {c["county_code"] for c in counties}

    locations, stages, roles = LOCATION.lookup(), STAGE.lookup(), COMMUNITY_ROLE.lookup()
    schools = []
    for i, row in enumerate(data["schools"], start=2):
        where = f"schools.csv line {i}"
        code = row["school_code"]
        if not (len(code) == 10 and code.isdigit()):
            raise ReferenceError(f"{where}: school_code {code!r} is not 10 digits")
        if row["county_code"] not in county_codes:
            raise ReferenceError(f"{where}: county_code {row['county_code']!r} is not in counties.csv")
        schools.append(
            {
                "school_code": code,
                "school_name": row["school_name"],
                "county_code": row["county_code"],
                "location": _code(locations, row["location"], where, "location"),
                "stage": _code(stages, row["stage"], where, "stage"),
            }
        )
    school_codes = {s["school_code"] for s in schools}

    communities: dict[str, str] = {}
    members = []
    leads: dict[str, int] = {}
    for i, row in enumerate(data["communities"], start=2):
        where = f"communities.csv line {i}"
        if row["school_code"] not in school_codes:
            raise ReferenceError(f"{where}: school_code {row['school_code']!r} is not in schools.csv")
        role = _code(roles, row["role"], where, "role")
        communities.setdefault(row["community_code"], row["community_name"])
        members.append({"community_code": row["community_code"], "school_code": row["school_code"], "role": role})
        leads[row["community_code"]] = leads.get(row["community_code"], 0) + (role == "lead")
    seen: set[str] = set()
    for m in members:
        if m["school_code"] in seen:
            raise ReferenceError(f"communities.csv: school {m['school_code']} is in more than one community")
        seen.add(m["school_code"])
    for code, n in leads.items():
        if n != 1:
            raise ReferenceError(f"communities.csv: community {code} has {n} lead schools; exactly one is required")

    rows = {
        "counties": counties,
        "schools": schools,
        "communities": [{"community_code": k, "community_name": v} for k, v in communities.items()],
        "community_schools": members,
    }
    return rows, hashes


def load_reference(engine: Engine, folder: Path) -> ReferenceLoadResult:
    """Replace the reference tables with the files in ``folder``, atomically and idempotently."""
    rows, hashes = parse_reference(folder)
    now = dt.datetime.now(dt.UTC)
    with engine.begin() as conn:
        latest = {}
        for name in REFERENCE_FILES:
            latest[name] = conn.execute(
                select(schema.reference_loads.c.sha256)
                .where(schema.reference_loads.c.file_name == f"{name}.csv")
                .order_by(schema.reference_loads.c.load_id.desc())
                .limit(1)
            ).scalar()
        changed = any(latest[name] != hashes[name] for name in REFERENCE_FILES)
        if changed:
            for table in (schema.community_schools, schema.communities, schema.schools, schema.counties):
                conn.execute(delete(table))
            for table in (schema.counties, schema.schools, schema.communities, schema.community_schools):
                if rows[table.name]:
                    conn.execute(insert(table), rows[table.name])
            conn.execute(
                insert(schema.reference_loads),
                [
                    {"file_name": f"{name}.csv", "sha256": hashes[name], "row_count": len(rows[name]), "loaded_at": now}
                    for name in REFERENCE_FILES
                ],
            )
    return ReferenceLoadResult(
        counties=len(rows["counties"]),
        schools=len(rows["schools"]),
        communities=len(rows["communities"]),
        changed=changed,
    )
