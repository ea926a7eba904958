"""Is a pairing mentor -> mentee active on a day? The warehouse's answer, for support activities.

practices.md §2: a support activity naming a mentee (结对教师身份证号) needs "a pairing host→mentee
active that day" (§1: start <= day and (actual end blank or > day)). Validation reads no
warehouse, so the pipeline hands it this check (:attr:`ValidationContext.pairing_active`), built
from the engine and the ID secret: the file's IDs are hashed as the merge hashes them, and the
pairings of the file's hosts are read in one query per thousand hosts (the table's primary key
starts with ``mentor_key``), then matched with the rows in pandas.

Decision: the pairings are the warehouse's **as merged when the activities file is judged**, any
county's report (a pairing crosses counties). The registry says ``support_activities`` is
ingested after ``pairings`` (``Dataset.ingest_after``): ``teachflow ingest`` and ``county_ingest``
take a run's files in waves (:func:`teachflow.datasets.ingest_wave`), so a county may send a
pairing and the first activities naming it in the same drop. An activities file sent before its
pairings file (another run) has those rows rejected, with a line that says to send them again once
the pairing is in (the portal's status shows when).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from sqlalchemy import Engine, select

from teachflow.resident_id import teacher_keys
from teachflow.validation.context import PairingCheck
from teachflow.warehouse.schema import pairings

#: Hosts per query (bound parameters stay far below every engine's limit).
_HOSTS_PER_QUERY = 1000

#: Given the ID secret, the check (what :class:`teachflow.ingestion.pipeline.Reference` carries).
PairingLookup = Callable[[bytes], PairingCheck]


def warehouse_pairings(engine: Engine) -> PairingLookup:
    """The lookup of :data:`PairingLookup` on ``engine``'s ``pairings`` table."""

    def with_secret(secret: bytes) -> PairingCheck:
        def active(mentors: pd.Series, mentees: pd.Series, days: pd.Series) -> np.ndarray:
            return active_pairings(engine, secret, mentors, mentees, days)

        return active

    return with_secret


def active_pairings(
    engine: Engine, secret: bytes, mentors: pd.Series, mentees: pd.Series, days: pd.Series
) -> np.ndarray:
    """Per row: a pairing mentors[i] -> mentees[i] active on days[i] is in the warehouse."""
    rows = pd.DataFrame(
        {
            "mentor_key": teacher_keys(mentors, secret).astype(object).to_numpy(),
            "mentee_key": teacher_keys(mentees, secret).astype(object).to_numpy(),
            "day": pd.to_datetime(days).to_numpy(),
            "position": np.arange(len(mentors)),
        }
    )
    hosts = sorted({k for k in rows["mentor_key"] if isinstance(k, str)})
    found: list[tuple] = []
    with engine.connect() as conn:
        for start in range(0, len(hosts), _HOSTS_PER_QUERY):
            chunk = hosts[start : start + _HOSTS_PER_QUERY]
            query = select(
                pairings.c.mentor_key, pairings.c.mentee_key, pairings.c.start_date, pairings.c.actual_end_date
            ).where(pairings.c.mentor_key.in_(chunk))
            found += conn.execute(query).all()
    answer = np.zeros(len(rows), dtype=bool)
    if not found:
        return answer
    known = pd.DataFrame(found, columns=["mentor_key", "mentee_key", "start_date", "actual_end_date"])
    known["start_date"] = pd.to_datetime(known["start_date"])
    known["actual_end_date"] = pd.to_datetime(known["actual_end_date"])
    matched = rows.merge(known, on=["mentor_key", "mentee_key"])
    running = (matched["start_date"] <= matched["day"]) & (
        matched["actual_end_date"].isna() | (matched["actual_end_date"] > matched["day"])
    )
    answer[matched.loc[running, "position"].to_numpy(dtype=np.int64)] = True
    return answer
