"""Training records go into PostgreSQL with ``COPY``, while the file is still being validated.

Write-audit-publish inside one transaction. A training file is mostly records nobody reported
before, and most of a big file's time went to two things that need not wait for each other:
validating it (Great Expectations, teachflow's rules) and writing it (a million rows: ~3.5 s of
``COPY`` into the indexed table, against 2 s staging + 5.7 s upserting). So:

1. **write**: the rows that can be stored at all (:func:`fits_warehouse`), are not already known
   to be bad and share their key with no other row of the file (:func:`sharing_a_key`) are
   ``COPY``\\ ed, in key order, straight into ``training_records`` - in a background
   thread, inside the submission's transaction and a savepoint, so nobody sees them yet; in
   PostgreSQL's binary format (the server parses no text: ~1.9x a bare text ``COPY`` instead of
   ~3x, issue 18), the chunks made in another thread while the previous one is sent;
2. **audit**: meanwhile the caller validates the file;
3. **publish**: :meth:`TrainingCopy.finish` deletes the copied rows validation rejected, adds the good
   rows that were held back, writes the names, and the caller commits. A rejected file: the caller
   rolls the transaction back, and nothing of it was ever visible.

The natural-key primary key is the check that the records are new: if one already exists (another
county reported it, or a concurrent merge just did), PostgreSQL refuses the ``COPY``, the savepoint
rolls it back, and :meth:`finish` merges the good rows with the staged upsert instead (newest wins).
Concurrent ``COPY``\\ s of overlapping records insert in the same key order, so they wait for each
other rather than deadlock.
"""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Sequence

import numpy as np
import pandas as pd
from sqlalchemy import Connection

from teachflow.ingestion.merge import (
    TRAINING_KEY,
    SubmissionIdentity,
    copy_rows,
    delete_replaced_training,
    sort_order,
    stage,
    stage_columns,
    upsert_names,
    upsert_training,
)
from teachflow.validation.values import ROW_COLUMN

log = logging.getLogger(__name__)

#: Columns training_records requires (NOT NULL); a row missing one cannot be stored at all.
_REQUIRED = ("teacher_key", "program_code", "start_date", "level", "mode", "end_date", "hours")
#: The SQL type of each copied column, for the binary ``COPY`` (:func:`teachflow.ingestion.merge.copy_rows`).
_SQL_TYPES = {**dict(stage_columns("training_records")), "submission_id": "INTEGER", "county_code": "TEXT"}
#: NUMERIC(7,2): the largest absolute value the hours column holds.
_HOURS_LIMIT = 10**5


def fits_warehouse(frame: pd.DataFrame) -> np.ndarray:
    """Rows of a training load frame that ``training_records`` can hold (types, NOT NULL, widths).

    Rows failing this are certainly rejected by validation too; they are only kept out of the
    early ``COPY``, where one of them would abort it.
    """
    fits = frame[list(_REQUIRED)].notna().all(axis=1).to_numpy(copy=True)  # written in place below
    for name, sql_type in stage_columns("training_records"):
        width = re.fullmatch(r"VARCHAR\((\d+)\)", sql_type)
        if width and name in frame.columns:
            fits &= ~(frame[name].str.len() > int(width.group(1))).fillna(False).to_numpy(dtype=bool)
    hours = frame["hours"].to_numpy(dtype="float64", na_value=np.nan)
    fits &= np.isfinite(hours) & (np.abs(hours) < _HOURS_LIMIT)
    return fits


def sharing_a_key(frame: pd.DataFrame, order: np.ndarray) -> np.ndarray:
    """Rows whose natural key another row of ``frame`` has too, found from ``order`` (key order).

    In key order rows sharing a key are neighbours, so one comparison of each row with the next
    finds them: cheaper than a hash search, with the sort the ``COPY`` needs anyway. The file's
    own search for repeats (:func:`teachflow.validation.find_duplicates`) runs beside the copy;
    these rows only stay out of it, where the first repeat would abort it.
    """
    same = np.ones(max(len(frame) - 1, 0), dtype=bool)
    for name in TRAINING_KEY:
        column = frame[name]
        categorical = isinstance(column.dtype, pd.CategoricalDtype)
        codes = column.cat.codes.to_numpy() if categorical else pd.factorize(column)[0]
        in_order = codes[order]
        same &= in_order[1:] == in_order[:-1]
    shared_in_order = np.zeros(len(frame), dtype=bool)
    shared_in_order[1:] |= same
    shared_in_order[:-1] |= same
    shared = np.empty(len(frame), dtype=bool)
    shared[order] = shared_in_order
    return shared


class TrainingCopy:
    """One submission's early ``COPY`` into ``training_records`` (see the module docstring).

    ``frame`` is the load frame (:func:`teachflow.ingestion.merge.load_frame`) of the rows to copy, with the
    file's ``_row`` numbers; ``old`` are the submissions this one replaces. With ``background``
    the copy runs in a thread: the caller must not use ``conn`` until :meth:`finish`.
    """

    def __init__(
        self,
        conn: Connection,
        ident: SubmissionIdentity,
        frame: pd.DataFrame,
        old: Sequence[int],
        *,
        background: bool = False,
    ) -> None:
        self.conn = conn
        self.ident = ident
        self.frame = frame
        self.old = list(old)
        self.copied = False
        self._error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if background:
            self._thread = threading.Thread(target=self._run, name=f"copy-{ident.submission_id}", daemon=True)
            self._thread.start()
        else:
            self._run()

    def _run(self) -> None:
        import psycopg

        started = time.perf_counter()
        try:
            delete_replaced_training(self.conn, self.ident, self.old)
            if self.frame.empty:
                return
            order = sort_order(self.frame, TRAINING_KEY)
            shared = sharing_a_key(self.frame, order)
            if shared.any():  # repeats in the file: copy the rest; finish() merges the good ones
                positions = np.cumsum(~shared) - 1  # each kept row's position among the kept
                order = positions[order[~shared[order]]]
                self.frame = self.frame[~shared]
            records = self.frame.drop(columns=[ROW_COLUMN, "name"]).assign(
                submission_id=self.ident.submission_id, county_code=self.ident.county_code
            )
            savepoint = self.conn.begin_nested()
            try:
                copy_rows(self.conn, "training_records", records, sql_types=_SQL_TYPES, order=order)
            except psycopg.errors.UniqueViolation:
                savepoint.rollback()
                log.info(
                    "%s/%s/%s: some records were reported before; merging with the staged upsert",
                    self.ident.county_code,
                    self.ident.dataset,
                    self.ident.period,
                )
            else:
                savepoint.commit()
                self.copied = True
                log.info("copied %d rows in %.2f s", len(records), time.perf_counter() - started)
        except BaseException as err:  # re-raised in the caller's thread by wait()
            self._error = err

    def join(self) -> None:
        """Let the copy end (its error, if any, is left to :meth:`wait`). Safe to call more than once."""
        if self._thread is not None:
            self._thread.join()
            self._thread = None

    def wait(self) -> None:
        """Let the copy end; raise what it raised."""
        self.join()
        if self._error is not None:
            raise self._error

    def finish(self, good: pd.DataFrame) -> int:
        """Publish exactly ``good`` (load-frame rows with ``_row``, all that passed); returns its size.

        ``good`` may be the very frame that was copied (every row passed: the usual case), which
        needs no comparison of row numbers. The names are picked while the copy may still run.
        """
        # One name per teacher before staging (upsert_names takes the MAX again): 20,000 rows to
        # stage for a million-row file, not a million.
        names = (
            good.loc[good["name"].notna(), ["teacher_key", "name"]]
            .groupby("teacher_key", as_index=False, observed=True)
            .max()
        )
        self.wait()
        conn, ident = self.conn, self.ident
        if self.copied and good is self.frame:
            held_back = good.iloc[:0]
        elif self.copied:
            rejected = self.frame[~self.frame[ROW_COLUMN].isin(good[ROW_COLUMN])]
            if len(rejected):
                name = stage(conn, "training_keys", rejected[list(TRAINING_KEY)])
                conn.exec_driver_sql(
                    f"DELETE FROM training_records t USING {name} k WHERE "
                    + " AND ".join(f"t.{c} = k.{c}" for c in TRAINING_KEY)
                    + f" AND t.submission_id = {int(ident.submission_id)}"
                )
            held_back = good[~good[ROW_COLUMN].isin(self.frame[ROW_COLUMN])]
        else:
            held_back = good
        if len(held_back):
            upsert_training(conn, ident, stage(conn, ident.dataset, held_back))
        upsert_names(conn, stage(conn, "teacher_names", names), ident.submission_id, overwrite=False)
        return len(good)
