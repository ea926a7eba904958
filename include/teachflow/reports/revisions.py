"""A report table brought to a month's figures, raising the revision of the rows that changed only.

Every report table keyed by month (``report_rotation_monthly``, ``report_support_monthly``,
``report_support_by_type``) is stored the same way: the set-based SELECT of its figures goes into a
temporary table once, then, without a Python loop over rows,

- stored rows whose figures differ (``IS DISTINCT FROM``) get the new figures, ``revision + 1``
  and a new ``computed_at``;
- keys not stored yet are inserted with revision 1;
- the month's stored keys the SELECT no longer yields are deleted.

A rerun over the same data changes nothing, not even ``computed_at``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    MetaData,
    Select,
    Table,
    and_,
    delete,
    exists,
    func,
    insert,
    literal,
    literal_column,
    or_,
    select,
    update,
)

_STAMP_COLUMNS = ("revision", "computed_at")


@dataclass(frozen=True)
class RevisedRows:
    """What one run did to one table's rows of the month."""

    rows: int
    inserted: int
    changed: int
    removed: int

    @property
    def unchanged(self) -> bool:
        return not (self.inserted or self.changed or self.removed)


def store_revised(
    conn: Connection, table: Table, figures: Select, key_columns: tuple[str, ...], period: str, now: dt.datetime
) -> RevisedRows:
    """Bring ``table``'s rows of ``period`` to ``figures`` (every column but revision and computed_at),
    raising the revision of the rows whose figures changed only. One statement per step, set-based."""
    columns = [c.name for c in table.c if c.name not in _STAMP_COLUMNS]
    compared = [c for c in columns if c not in key_columns]
    staging = Table(
        f"tmp_{table.name}", MetaData(), *(Column(c, table.c[c].type) for c in columns), prefixes=["TEMPORARY"]
    )
    staging.drop(conn, checkfirst=True)
    staging.create(conn)
    conn.execute(insert(staging).from_select(columns, figures))
    same_key = and_(*(table.c[k] == staging.c[k] for k in key_columns))
    changed = conn.execute(
        update(table)
        .values({**{c: staging.c[c] for c in compared}, "revision": table.c.revision + 1, "computed_at": now})
        .where(same_key, or_(*(table.c[c].is_distinct_from(staging.c[c]) for c in compared)))
    ).rowcount
    new_rows = select(
        *(staging.c[c] for c in columns),
        literal_column("1").label("revision"),
        literal(now, DateTime(timezone=True)).label("computed_at"),
    ).where(~exists().where(same_key))
    inserted = conn.execute(insert(table).from_select([*columns, *_STAMP_COLUMNS], new_rows)).rowcount
    removed = conn.execute(
        delete(table).where(
            table.c.period == period,
            ~exists().where(and_(*(staging.c[k] == table.c[k] for k in key_columns))),
        )
    ).rowcount
    rows = conn.execute(select(func.count()).select_from(staging)).scalar_one()
    staging.drop(conn)
    return RevisedRows(rows=rows, inserted=inserted, changed=changed, removed=removed)
