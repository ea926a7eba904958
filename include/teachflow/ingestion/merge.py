"""Merging one accepted submission into the warehouse: stage, then set-based SQL, in one transaction.

Write-audit-publish: the rows that passed validation are staged into a temporary table (``COPY``
on PostgreSQL, ``executemany`` on SQLite), then published with a handful of INSERT ... SELECT /
DELETE statements. The caller runs :func:`merge_submission` inside one transaction together with
the ledger update, so a submission lands whole or not at all. Training records on PostgreSQL skip
the staging when they are all new: :mod:`teachflow.ingestion.training_copy` (which builds on this
module, never the other way round) copies them straight into the table, and
:func:`teachflow.ingestion.pipeline.validate_while_copying` does so while the file is validated.

Each dataset's own merge (its replacement rule, spec: submissions.md, domain.md) is declared in
its module under :mod:`teachflow.datasets`; this module stages the rows, locks, and offers the
helpers those merges share (:func:`upsert_names`, :func:`in_list`, the training upsert).

Concurrency on PostgreSQL: a transaction-scoped advisory lock per identity serializes two
submissions of the same (county, period, dataset); flows also take one lock for the flows tables,
since a flow reported by two counties is recomputed from both counties' reports. Different
counties' rosters and training records merge at the same time; their upserts touch shared rows
(a teacher's name, a training record both counties report) in key order, so two of them wait for
each other instead of deadlocking. SQLite serializes writers anyway.
"""

from __future__ import annotations

import logging
import queue
import re
import threading
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd
from sqlalchemy import Connection, text

from teachflow.calendar import month_end, month_start
from teachflow.datasets import DATASETS
from teachflow.resident_id import teacher_keys

log = logging.getLogger(__name__)

#: Staging tables that are no dataset's own (each dataset declares its ``stage_columns``).
HELPER_STAGES: dict[str, tuple[tuple[str, str], ...]] = {
    "training_keys": (  # natural keys of training rows to take out again
        ("teacher_key", "VARCHAR(64)"),
        ("program_code", "VARCHAR(64)"),
        ("start_date", "DATE"),
    ),
    "teacher_names": (  # a file's distinct names, for the restricted table
        ("teacher_key", "VARCHAR(64)"),
        ("name", "VARCHAR(64)"),
    ),
}


def stage_columns(name: str) -> tuple[tuple[str, str], ...]:
    """The staged columns (name, portable SQL type) of a dataset or of a helper staging table."""
    return HELPER_STAGES[name] if name in HELPER_STAGES else DATASETS[name].stage_columns


@dataclass(frozen=True)
class SubmissionIdentity:
    submission_id: int
    county_code: str
    period: str
    dataset: str


# --- preparing the rows --------------------------------------------------------------------------


def key_column(id_column: str) -> str:
    """The staged key of an ID column: ``id_number`` -> ``teacher_key``, ``mentor_id_number`` ->
    ``mentor_key`` (a dataset naming two teachers keys each)."""
    return "teacher_key" if id_column == "id_number" else id_column.removesuffix("id_number") + "key"


def birth_year_column(id_column: str) -> str:
    """The staged birth year of an ID column: ``birth_year``, ``mentee_birth_year``."""
    return "birth_year" if id_column == "id_number" else id_column.removesuffix("id_number") + "birth_year"


def load_frame(dataset: str, typed: pd.DataFrame, secret: bytes) -> pd.DataFrame:
    """The staged columns of a dataset from its typed frame: IDs become keys and are dropped.

    Every ID column (kind ``id_number``) becomes its key (:func:`key_column`); its birth year is
    kept only where the dataset stages it (:func:`birth_year_column`), the only part of an ID kept.
    No deep copy: pandas' copy-on-write shares the untouched columns with ``typed``.
    """
    frame = typed
    staged = dict(stage_columns(dataset))
    id_columns = [c.name for c in DATASETS[dataset].columns if c.kind == "id_number"] if dataset in DATASETS else []
    for id_column in id_columns or (["id_number"] if "id_number" in frame.columns else []):
        ids = frame[id_column]
        frame = frame.assign(**{key_column(id_column): teacher_keys(ids, secret)})
        if birth_year_column(id_column) in staged:
            years = ids.str.slice(6, 10)
            frame = frame.assign(
                **{birth_year_column(id_column): years.astype("Int64" if ids.isna().any() else "int64")}
            )
        frame = frame.drop(columns=[id_column])
    columns = [name for name, _ in stage_columns(dataset)]
    return frame[columns]


def _as_rows(frame: pd.DataFrame) -> list[tuple]:
    """Rows as plain Python values for executemany: NA -> None, dates -> ISO text."""
    out = {}
    for name in frame.columns:
        col = frame[name]
        if pd.api.types.is_datetime64_any_dtype(col):
            out[name] = np.where(col.isna(), None, col.dt.strftime("%Y-%m-%d").to_numpy(dtype=object))
        elif pd.api.types.is_float_dtype(col):
            values = col.to_numpy(dtype=object)
            out[name] = np.where(col.isna(), None, values)
        else:
            values = col.astype(object).to_numpy()
            out[name] = np.where(pd.isna(values), None, values)
    return list(zip(*(out[c] for c in frame.columns), strict=True))


def _as_csv_chunks(frame: pd.DataFrame, chunk_rows: int = 50_000, order: np.ndarray | None = None):
    """CSV text for PostgreSQL's COPY, in chunks, written by pyarrow's C++ CSV writer.

    pandas' ``to_csv`` takes ~35 s for a million training rows; pyarrow ~1 s. Dates go as
    ``date32`` (ISO text), NA as an unquoted empty field, which COPY reads as NULL. ``order``
    (row positions, :func:`sort_order`) gives the rows' order, if any. Chunks of 50,000
    rows (~8 MB of text) keep the extra memory small while PostgreSQL reads them.
    """
    import pyarrow as pa
    import pyarrow.csv as pacsv

    table = pa.Table.from_pandas(frame, preserve_index=False)
    columns = []
    for field, column in zip(table.schema, table.columns, strict=True):
        columns.append(column.cast(pa.date32()) if pa.types.is_timestamp(field.type) else column)
    table = pa.Table.from_arrays(columns, names=table.column_names)
    options = pacsv.WriteOptions(include_header=False, quoting_style="needed")
    for offset in range(0, table.num_rows, chunk_rows):
        # Sorted rows are taken a chunk at a time: a sorted copy of the whole table would cost
        # another ~300 MB at peak for a million training rows.
        chunk = table.slice(offset, chunk_rows) if order is None else table.take(order[offset : offset + chunk_rows])
        sink = pa.BufferOutputStream()
        pacsv.write_csv(chunk, sink, write_options=options)
        yield memoryview(sink.getvalue())  # Arrow's buffer, not copied into a bytes object


def _sortable(column: Any) -> Any:
    """A column Arrow can sort by in its values' order: a dictionary column by its indices when its
    dictionary is sorted (:func:`teacher_keys` makes it so), else by its decoded values."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not pa.types.is_dictionary(column.type):
        return column
    column = column.unify_dictionaries()
    dictionary = column.chunk(0).dictionary if column.num_chunks else None
    if dictionary is not None and (len(dictionary) < 2 or pc.all(pc.less(dictionary[:-1], dictionary[1:])).as_py()):
        return pa.chunked_array([chunk.indices for chunk in column.chunks], type=column.type.index_type)
    return column.cast(column.type.value_type)


def copy_rows(
    conn: Connection,
    table: str,
    frame: pd.DataFrame,
    sort_by: Sequence[str] = (),
    sql_types: dict[str, str] | None = None,
    order: np.ndarray | None = None,
) -> None:
    """``COPY`` the frame's rows into ``table`` (PostgreSQL), its columns named as the frame's.

    With ``sql_types`` (each column's SQL type, as in :func:`stage_columns`) the rows go in
    PostgreSQL's binary format where :func:`_binary_copyable` allows it: the server then parses no
    text (a million training rows: ~25 % less of its time); otherwise as CSV. The rows go in
    ``sort_by`` order, or in ``order`` (row positions) when the caller has sorted them already.
    """
    binary = sql_types is not None and _binary_copyable(frame, sql_types)
    if binary:
        frame = frame[binary_column_order(frame, sql_types or {})]
    column_list = ", ".join(frame.columns)
    raw = conn.connection.driver_connection
    if order is None:
        order = sort_order(frame, sort_by)
    chunks = _as_binary_chunks(frame, sql_types or {}, order) if binary else _as_csv_chunks(frame, order=order)
    fmt = "binary" if binary else "csv"
    with raw.cursor() as cur, cur.copy(f"COPY {table} ({column_list}) FROM STDIN (FORMAT {fmt})") as copy:
        for chunk in _made_ahead(chunks):
            copy.write(chunk)


def _made_ahead(chunks: Iterator[Any], depth: int = 2) -> Iterator[Any]:
    """The chunks, each made in a thread of its own while the previous ones are being sent.

    Sending a chunk waits for PostgreSQL to take it; making the next one is Arrow's and numpy's
    work, which leaves the GIL free. In one thread the two took turns (the server idle while a
    chunk was made); here they overlap. At most ``depth`` chunks wait, so memory stays bounded.
    If the consumer stops early (an error while sending), the maker stops at its next chunk.
    """
    done = object()
    ready: queue.Queue[Any] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: Any) -> bool:
        """Hand over one item; False once the consumer has gone."""
        while not stop.is_set():
            try:
                ready.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def make() -> None:
        try:
            for chunk in chunks:
                if not put(chunk):
                    return
            put(done)
        except BaseException as err:  # re-raised in the consumer's thread
            put(err)

    maker = threading.Thread(target=make, name="copy-chunks", daemon=True)
    maker.start()
    try:
        while (item := ready.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()
        maker.join()


# --- PostgreSQL's binary COPY format -----------------------------------------------------------
# A header, then per row a 16-bit field count and per field a 32-bit length (-1: NULL) and the
# value in the type's binary form (big-endian); a 16-bit -1 ends it. Built column by column with
# numpy and Arrow, never row by row in Python.

_PGCOPY_HEADER = b"PGCOPY\n\xff\r\n\x00" + bytes(8)  # signature, flags, header extension length
_PGCOPY_TRAILER = b"\xff\xff"
_PG_EPOCH_DAYS = 10_957  # 2000-01-01, PostgreSQL's day 0, in days since 1970-01-01
_NUMERIC = re.compile(r"NUMERIC\((\d+),\s*2\)")
_TEXT = re.compile(r"(VARCHAR\(\d+\)|TEXT)")


def _binary_copyable(frame: pd.DataFrame, sql_types: dict[str, str]) -> bool:
    """Whether :func:`_as_binary_chunks` can encode every column: text, INTEGER, and DATE and
    NUMERIC(p,2) without NULLs (the fixed-width fields; training records require them)."""
    for name in frame.columns:
        sql, col = sql_types.get(name, ""), frame[name]
        if _TEXT.fullmatch(sql):
            ok = pd.api.types.is_string_dtype(col) or isinstance(col.dtype, pd.CategoricalDtype)
        elif sql == "INTEGER":
            ok = pd.api.types.is_integer_dtype(col) and not col.isna().any()
        elif sql == "DATE":
            ok = pd.api.types.is_datetime64_any_dtype(col) and not col.isna().any()
        elif _NUMERIC.fullmatch(sql):
            values = col.to_numpy(dtype="float64", na_value=np.nan) if pd.api.types.is_float_dtype(col) else None
            ok = values is not None and bool((np.abs(values) < 1e7).all())  # also False for NaN, inf
        else:
            ok = False
        if not ok:
            return False
    return True


def _as_binary_chunks(
    frame: pd.DataFrame, sql_types: dict[str, str], order: np.ndarray | None, chunk_rows: int = 50_000
):
    """The frame in PostgreSQL's binary COPY format, in chunks, its rows in ``order`` (positions) if given.

    The caller names the columns in the frame's order; :func:`copy_rows` puts the fixed-width
    ones first, so each row is one block of fixed bytes (field count, dates, numbers) and then its
    text fields. A text column is encoded once per distinct value (length and bytes) and each
    chunk picks its rows' fields by code: a million training rows repeat a few hundred programme
    names, and gathering from those is cheaper than taking a million strings in key order.
    """
    import pyarrow as pa
    import pyarrow.compute as pc

    rows = len(frame)
    # Each column's values once, as numbers or codes; the bytes are made chunk by chunk: the
    # server starts on the first chunk while the later ones are made (issue 18).
    fixed: list[tuple[str, np.ndarray]] = []  # (kind, one value per row)
    texts: list[tuple[Any, np.ndarray]] = []
    for name in frame.columns:
        sql = sql_types[name]
        if sql == "DATE":
            fixed.append(("date", frame[name].to_numpy(dtype="datetime64[D]").astype("int64") - _PG_EPOCH_DAYS))
        elif sql == "INTEGER":
            fixed.append(("integer", frame[name].to_numpy(dtype="int64")))
        elif _NUMERIC.fullmatch(sql):
            fixed.append(("numeric", _cents(frame[name].to_numpy(dtype="float64"))))
        else:
            texts.append(_text_fields(frame[name]))
    field_count = _be(np.array([len(frame.columns)]), ">i2")
    yield _PGCOPY_HEADER
    for offset in range(0, rows, chunk_rows):
        picked = slice(offset, offset + chunk_rows) if order is None else order[offset : offset + chunk_rows]
        fields = [np.broadcast_to(field_count, (min(chunk_rows, rows - offset), 2))]  # each row's field count
        for kind, values in fixed:
            chosen = values[picked]
            fields.append(_numeric_field(chosen) if kind == "numeric" else _field(chosen, ">i4"))
        parts = [_fixed_binary(np.hstack(fields))]
        parts += [encoded.take(pa.array(codes[picked])) for encoded, codes in texts]
        joined = pc.binary_join_element_wise(*parts, pa.scalar(b"", pa.large_binary()))
        ends = np.frombuffer(joined.buffers()[1], dtype=np.int64)[joined.offset : joined.offset + len(joined) + 1]
        yield memoryview(joined.buffers()[2])[ends[0] : ends[-1]]
    yield _PGCOPY_TRAILER


def binary_column_order(frame: pd.DataFrame, sql_types: dict[str, str]) -> list[str]:
    """The frame's columns with the fixed-width ones (DATE, INTEGER, NUMERIC) first."""
    fixed = [n for n in frame.columns if sql_types[n] in ("DATE", "INTEGER") or _NUMERIC.fullmatch(sql_types[n])]
    return fixed + [n for n in frame.columns if n not in fixed]


def sort_order(frame: pd.DataFrame, sort_by: Sequence[str]) -> np.ndarray | None:
    """Row positions in ``sort_by`` order (Arrow's sort, byte order, ~0.15 s per million rows), or None."""
    import pyarrow as pa
    import pyarrow.compute as pc

    if not sort_by:
        return None
    keys = pa.Table.from_pandas(frame[list(sort_by)], preserve_index=False)
    keys = pa.table({name: _sortable(keys.column(name)) for name in sort_by})
    order = pc.sort_indices(keys, sort_keys=[(name, "ascending") for name in sort_by])
    return order.to_numpy()


def _text_fields(column: pd.Series) -> tuple[Any, np.ndarray]:
    """(each distinct value's field - length and UTF-8 bytes -, then NULL's; each row's code)."""
    import pyarrow as pa
    import pyarrow.compute as pc

    codes, uniques = pd.factorize(column)
    values = pa.array(np.asarray(uniques, dtype=object), type=pa.large_string()).cast(pa.large_binary())
    lengths = pc.binary_length(values).to_numpy(zero_copy_only=False)
    fields = pc.binary_join_element_wise(_fixed_binary(_be(lengths, ">i4")), values, pa.scalar(b"", pa.large_binary()))
    fields = pa.concat_arrays([fields, pa.array([b"\xff\xff\xff\xff"], type=pa.large_binary())])
    codes = np.where(codes < 0, len(uniques), codes).astype(np.int32)
    return fields, codes


def _be(values: np.ndarray, dtype: str) -> np.ndarray:
    """The values' big-endian bytes, one row per value."""
    converted = np.ascontiguousarray(values.astype(dtype))
    return np.frombuffer(converted.tobytes(), dtype=np.uint8).reshape(len(values), np.dtype(dtype).itemsize)


def _field(values: np.ndarray, dtype: str) -> np.ndarray:
    """(rows, 4 + width) bytes: the 32-bit length, then each value's big-endian bytes."""
    data = _be(values, dtype)
    out = np.empty((len(values), 4 + data.shape[1]), dtype=np.uint8)
    out[:, :4] = _be(np.array([data.shape[1]]), ">i4")
    out[:, 4:] = data
    return out


def _cents(hours: np.ndarray) -> np.ndarray:
    """NUMERIC(p,2) values in hundredths: what PostgreSQL would read from the CSV text of each float.

    The CSV path writes the float's shortest round-trip text and PostgreSQL rounds that decimal to
    two places, half away from zero; so does this, once per distinct value (hours repeat), with
    :class:`decimal.Decimal`.
    """
    from decimal import ROUND_HALF_UP, Decimal

    codes, distinct = pd.factorize(hours)
    return np.array(
        [int(Decimal(repr(float(v))).quantize(Decimal("0.01"), rounding=ROUND_HALF_UP).scaleb(2)) for v in distinct]
        or [0],
        dtype=np.int64,
    )[codes]


def _numeric_field(cents: np.ndarray) -> np.ndarray:
    """NUMERIC(p,2) fields of values in hundredths (:func:`_cents`).

    Sent as three base-10000 digits (weight 1, scale 2); PostgreSQL drops the leading zeros and
    checks the precision as for text.
    """
    magnitude = np.abs(cents)
    whole, fraction = magnitude // 100, magnitude % 100
    header = np.array([3, 1, 0, 2], dtype=">i2")  # ndigits, weight, sign, dscale
    fields = np.empty(len(cents), dtype=[("len", ">i4"), ("head", ">i2", 4), ("digits", ">i2", 3)])
    fields["len"] = 14
    fields["head"] = header
    fields["head"][:, 2] = np.where(cents < 0, 0x4000, 0)
    fields["digits"][:, 0] = whole // 10_000
    fields["digits"][:, 1] = whole % 10_000
    fields["digits"][:, 2] = fraction * 100
    return np.frombuffer(fields.tobytes(), dtype=np.uint8).reshape(len(cents), 18)


def _fixed_binary(matrix: np.ndarray) -> Any:
    """A (rows, width) uint8 matrix as an Arrow large_binary column, one value per row."""
    import pyarrow as pa

    matrix = np.ascontiguousarray(matrix)
    rows, width = matrix.shape
    fixed = pa.FixedSizeBinaryArray.from_buffers(pa.binary(width), rows, [None, pa.py_buffer(matrix)])
    return fixed.cast(pa.large_binary())


# --- staging -------------------------------------------------------------------------------------


def stage(conn: Connection, dataset: str, frame: pd.DataFrame) -> str:
    """Create a temporary staging table for the dataset and fill it; returns its name."""
    name = f"stage_{dataset}"
    cols = stage_columns(dataset)
    ddl = ", ".join(f"{c} {t}" for c, t in cols)
    column_list = ", ".join(c for c, _ in cols)
    conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({ddl}) ON COMMIT DROP")
        copy_rows(conn, name, frame[[c for c, _ in cols]])
    else:
        conn.exec_driver_sql(f"CREATE TEMPORARY TABLE {name} ({ddl})")
        if len(frame):
            placeholders = ", ".join("?" for _ in cols)
            conn.exec_driver_sql(f"INSERT INTO {name} ({column_list}) VALUES ({placeholders})", _as_rows(frame))
    return name


def drop_stage(conn: Connection, name: str) -> None:
    if conn.dialect.name != "postgresql":  # PostgreSQL drops it at commit
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")


#: Datasets whose records both counties may report (:mod:`teachflow.ingestion.cross_county`).
CROSS_COUNTY_DATASETS = frozenset({"teacher_flows", "pairings", "support_activities"})


# --- locking -------------------------------------------------------------------------------------


def lock_identity(conn: Connection, county_code: str, period: str, dataset: str) -> None:
    """Serialize submissions of one identity (PostgreSQL; SQLite already serializes writers)."""
    if conn.dialect.name == "postgresql":
        conn.execute(
            text("SELECT pg_advisory_xact_lock(hashtext(:k))"),
            {"k": f"teachflow:{county_code}:{period}:{dataset}"},
        )
        if dataset in CROSS_COUNTY_DATASETS:  # a record both counties report is recomputed from both
            conn.execute(text("SELECT pg_advisory_xact_lock(hashtext(:k))"), {"k": f"teachflow:{dataset}"})


# --- publishing ----------------------------------------------------------------------------------


def in_list(ids: Sequence[int]) -> str:
    return ", ".join(str(int(i)) for i in ids) or "NULL"


def upsert_names(
    conn: Connection, stage_name: str, sid: int, overwrite: bool, key: str = "teacher_key", name: str = "name"
) -> None:
    """Names go to the restricted table only; the roster's spelling wins over other datasets'.

    ``key`` and ``name`` name the staged columns (a pairing stages ``mentor_key``/``mentor_name``
    and ``mentee_key``/``mentee_name``).
    """
    action = "DO UPDATE SET name = excluded.name, submission_id = excluded.submission_id" if overwrite else "DO NOTHING"
    conn.execute(
        text(
            "INSERT INTO restricted_teacher_names (teacher_key, name, submission_id) "
            f"SELECT {key}, MAX({name}), :sid FROM {stage_name} WHERE {name} IS NOT NULL AND {key} IS NOT NULL "
            f"GROUP BY {key} ORDER BY {key} ON CONFLICT (teacher_key) {action}"
        ),
        {"sid": sid},
    )


#: The natural key of a training record, in the order of ``training_records``' primary key (migration
#: 0009): rows are sorted so before they are written, so a month's go into one region of the index.
TRAINING_KEY = ("start_date", "teacher_key", "program_code")
_TRAINING_VALUES = ("submission_id", "county_code", "program_name", "level", "mode", "end_date", "hours", "organizer")


def delete_replaced_training(conn: Connection, ident: SubmissionIdentity, old: Sequence[int]) -> None:
    """Remove the records the replaced submissions still own.

    Every loaded record ends inside its submission's month (a row rule), so naming that month lets
    the end_date index find them; there is no index on submission_id (migration 0002).
    """
    if not old:  # a first submission replaces nothing
        return
    conn.execute(
        text(
            f"DELETE FROM training_records WHERE submission_id IN ({in_list(old)}) "
            "AND end_date BETWEEN :first AND :last"
        ),
        {"first": month_start(ident.period), "last": month_end(ident.period)},
    )


def upsert_training(conn: Connection, ident: SubmissionIdentity, stage_name: str) -> None:
    """The newest report of a record wins; rows go in key order (see the module's concurrency note)."""
    key = ", ".join(TRAINING_KEY)
    if conn.dialect.name == "postgresql":  # sort a million staged rows in memory, not on disk
        conn.exec_driver_sql("SET LOCAL work_mem = '256MB'")
    conn.execute(
        text(
            f"INSERT INTO training_records ({key}, {', '.join(_TRAINING_VALUES)}) "
            f"SELECT {key}, :sid, :c, program_name, level, mode, end_date, hours, organizer "
            f"FROM {stage_name} WHERE TRUE ORDER BY {key} "
            f"ON CONFLICT ({key}) DO UPDATE SET " + ", ".join(f"{c} = excluded.{c}" for c in _TRAINING_VALUES)
        ),
        {"sid": ident.submission_id, "c": ident.county_code},
    )
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql("RESET work_mem")


def merge_submission(conn: Connection, ident: SubmissionIdentity, frame: pd.DataFrame, old: Sequence[int]) -> int:
    """Stage ``frame`` (from :func:`load_frame`) and publish it, replacing submissions ``old``.

    Runs inside the caller's transaction; returns the number of rows staged. Training records on
    PostgreSQL take the ``COPY`` path instead (:func:`teachflow.ingestion.pipeline.publish` picks
    it), so this module never imports :mod:`teachflow.ingestion.training_copy`, which builds on it.
    """
    stage_name = stage(conn, ident.dataset, frame)
    DATASETS[ident.dataset].merge(conn, ident, stage_name, old)
    drop_stage(conn, stage_name)
    return len(frame)
