"""County ingestion, one submission at a time: archive -> ledger -> parse -> validate -> merge -> feedback.

This is the whole of what the ``county_ingest`` DAG's mapped task and ``teachflow ingest`` do for
one file, and (without the archive, ledger and merge) what ``teachflow check`` does for a clerk.
Each stage is its own module; this one only decides, in the order the spec gives:

1. the bytes are archived and a ledger row written before anything else (nothing is lost);
2. the same bytes as the identity's last judged submission: ``duplicate``, nothing else changes;
3. file-level problems (wrong folder, unreadable, no header, missing column, roster of another
   county, too many bad rows) reject the whole file; the previous submission stays in force;
4. otherwise the good rows are merged in one transaction with the ledger update, replacing the
   identity's previous submission; bad rows are quarantined (listed in the feedback);
5. the county's feedback files and status JSON are written to the outbox in every case but 2.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import logging
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from sqlalchemy import Connection, Engine, select

from teachflow.calendar import period_of
from teachflow.contract import is_city_code
from teachflow.datasets import DATASETS, Dataset, county_datasets, ingest_wave
from teachflow.ingestion import ledger
from teachflow.ingestion.archive import ArchivedFile, TooLargeToArchive, archive_file
from teachflow.ingestion.feedback import StagedFeedback
from teachflow.ingestion.landing import LandingFile, complete_files, list_landing, path_problem
from teachflow.ingestion.merge import SubmissionIdentity
from teachflow.ingestion.pairing_lookup import PairingLookup, warehouse_pairings
from teachflow.problem_table import ProblemTable, RowNames
from teachflow.problems import FileRejected, Problem, file_too_large
from teachflow.settings import MissingSecretError, Settings
from teachflow.validation.context import PairingCheck
from teachflow.warehouse.schema import counties, schools

log = logging.getLogger(__name__)

#: Called in the take's transaction just before it commits: (assessment, rows loaded, replaced).
BeforeCommit = Callable[["Assessment", int, list[int]], None]


@contextlib.contextmanager
def timed(timings: dict[str, float], stage: str):
    """Add the wall time of the block to ``timings[stage]`` (logged per file: where the time goes)."""
    start = time.perf_counter()
    try:
        yield
    finally:
        timings[stage] = timings.get(stage, 0.0) + time.perf_counter() - start


OUTCOME_ZH = {
    "accepted": "已入库",
    "rejected": "整个文件退回",
    "duplicate": "与上次报送的文件完全相同，未重复处理",
    "failed": "处理出错，文件已保存，将自动重试",
    "quarantined": "多次处理失败，已暂停处理并通知市局",
}


@dataclass
class Assessment:
    """What parsing and validation made of one file (before anything is written)."""

    dataset: Dataset
    rows_total: int = 0
    rows_duplicate: int = 0
    #: Every problem found; a :class:`ProblemTable` (columns) once judged, a list of a few Problems
    #: where a file is rejected before that.
    problems: ProblemTable | list[Problem] = field(default_factory=ProblemTable)
    good_rows: pd.DataFrame | None = None  # typed rows that may be loaded
    #: Excel row -> the teacher's name the county wrote, for the rows with a problem (the feedback's
    #: 姓名 column). The county's own data returned to it; never logged or stored.
    row_names: Mapping[int, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage
    #: :func:`read_file` left the search for repeated rows to :func:`judge` (``defer_duplicates``).
    duplicates_pending: bool = False

    @property
    def file_problems(self) -> list[Problem]:
        return ProblemTable.of(self.problems).of_severity("file")

    @property
    def rejected(self) -> bool:
        return bool(self.file_problems)

    @property
    def bad_rows(self) -> np.ndarray:
        """The rows (Excel numbers, sorted) that are not loaded because of a problem."""
        return ProblemTable.of(self.problems).rows_of("row")


@dataclass
class Outcome:
    """The result of one submission, as logged, returned to Airflow and written to the status JSON."""

    label: str
    status: str  # accepted, rejected, duplicate (or "checked" for teachflow check)
    submission_id: int | None = None
    rows_total: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    rows_duplicate: int = 0
    problem_count: int = 0
    replaced: list[int] = field(default_factory=list)
    feedback_xlsx: str | None = None
    timings: dict[str, float] = field(default_factory=dict)  # seconds per stage

    def summary(self) -> str:
        return (
            f"{self.label}: {self.status}; rows {self.rows_total}, loaded {self.rows_loaded}, "
            f"rejected {self.rows_rejected}, exact duplicates {self.rows_duplicate}, problems {self.problem_count}"
        )


#: The rated indicators' codes, or a function giving them (see :class:`Reference`).
RatedIndicators = frozenset[str] | Callable[[], frozenset[str]] | None


@dataclass(frozen=True)
class Reference:
    """The reference data a submission is checked against.

    ``rated_indicators`` are the indicator codes an ``assessment_ratings`` row may name. They
    belong to the scoring model, which ingestion does not import: the caller (the DAG task,
    ``teachflow ingest``, ``teachflow check``) hands them in, or a function that reads them, called
    only when a ratings file is judged (a broken model then stops that file, not every county's);
    None means validation's default list, which is the shipped model's.
    """

    counties: Mapping[str, bool]  # county_code -> is_city
    schools: Mapping[str, str]  # school_code -> county_code
    county_names: Mapping[str, str] = field(default_factory=dict)  # county_code -> county_name
    school_names: Mapping[str, str] = field(default_factory=dict)  # school_code -> school_name
    rated_indicators: RatedIndicators = None
    #: The warehouse's pairings (:mod:`teachflow.ingestion.pairing_lookup`), for the support
    #: activities that name a mentee; None (reference CSVs, no warehouse): that rule is not checked.
    pairings: PairingLookup | None = None


def load_reference_data(engine: Engine, rated_indicators: RatedIndicators = None) -> Reference:
    with engine.connect() as conn:
        county_rows = conn.execute(select(counties.c.county_code, counties.c.is_city, counties.c.county_name)).all()
        school_rows = conn.execute(select(schools.c.school_code, schools.c.county_code, schools.c.school_name)).all()
    return Reference(
        {c: bool(city) for c, city, _ in county_rows},
        {s: county for s, county, _ in school_rows},
        county_names={c: name for c, _, name in county_rows},
        school_names={s: name for s, _, name in school_rows},
        rated_indicators=rated_indicators,
        pairings=warehouse_pairings(engine),
    )


# --- assessing a file ----------------------------------------------------------------------------


def identity_problems(
    county_code: str, period: str, dataset: str, file_format: str, reference: Reference, today: dt.date
) -> list[Problem]:
    """Is the path's claim (county, period, dataset) one we accept? File-level problems if not."""
    wrong = path_problem(county_code, period, dataset, file_format)
    if wrong is None and county_code not in reference.counties:
        wrong = ("wrong_folder_county", county_code)
    if wrong is None and period > period_of(today):
        wrong = ("wrong_folder_period", period)
    if wrong is not None:
        code, value = wrong
        params = {}
        if code == "wrong_folder_dataset":
            params = {
                "allowed": "、".join(f"{d}（{DATASETS[d].title_zh}）" for d in county_datasets()),
                "allowed_en": ", ".join(county_datasets()),
            }
        return [Problem(code, value=value, params=params)]
    if DATASETS[dataset].city_only and not reference.counties.get(county_code, is_city_code(county_code)):
        return [Problem("dataset_not_allowed", value=dataset)]
    if dataset not in county_datasets() and not DATASETS[dataset].city_only:  # pragma: no cover - contract guard
        return [Problem("wrong_folder_dataset", value=dataset)]
    return []


def assess_file(
    path: Path,
    dataset: Dataset,
    county_code: str,
    period: str,
    reference: Reference,
    settings: Settings,
) -> Assessment:
    """Parse, normalize, deduplicate and validate a local file; decide file vs row rejection."""
    return judge(read_file(path, dataset, settings), county_code, period, reference, settings)


def read_file(
    path: Path, dataset: Dataset, settings: Settings, *, warm_up_gx: bool = True, defer_duplicates: bool = False
) -> Assessment:
    """The first half of :func:`assess_file`: parse, normalize, drop exact repeats.

    ``good_rows`` then holds every remaining row and ``problems`` what was found so far; a file
    problem (unreadable, too large, no header...) ends the assessment here. ``warm_up_gx`` starts
    importing GX meanwhile (:func:`gx_runner.warm_up`); :func:`validate_while_copying` starts it
    itself, later, so the import does not slow down the reading its copy waits for. With
    ``defer_duplicates`` the repeats are searched by :func:`judge` instead: the early ``COPY``
    keeps rows sharing a key out by itself (:class:`~teachflow.ingestion.training_copy.TrainingCopy`)
    and need not wait for the search (~0.3 s of a million rows).
    """
    from teachflow.arrow_memory import release_unused, use_system_allocator
    from teachflow.ingestion.normalize import normalize
    from teachflow.ingestion.parsing.workbook_limits import WorkbookLimits
    from teachflow.ingestion.reading import read_table
    from teachflow.validation.gx_runner import warm_up

    use_system_allocator()
    result = Assessment(dataset=dataset)
    size = path.stat().st_size
    if size > settings.max_file_bytes:
        result.problems = [file_too_large(size, settings.max_file_bytes)]
        return result
    if warm_up_gx:
        warm_up()  # GX's import overlaps with reading the file
    try:
        with timed(result.timings, "read"):
            raw = read_table(path, dataset, WorkbookLimits.of(settings))
    except FileRejected as rejected:
        result.problems = list(rejected.problems)
        return result

    with timed(result.timings, "normalize"):
        typed, problems = normalize(raw.frame, dataset)
        del raw
        release_unused()  # the parsing buffers, before validation allocates its own
    result.rows_total = len(typed)
    if not len(typed):  # only a dataset that accepts it gets here (reading rejects an empty roster)
        problems = [*problems, nothing_to_report(dataset)]
    result.good_rows = typed
    result.problems = ProblemTable.of(problems)
    result.duplicates_pending = True
    if not defer_duplicates:
        drop_repeats(result)
    return result


def drop_repeats(result: Assessment) -> None:
    """Drop the rows that repeat another exactly; note them, and the later versions of a record."""
    from teachflow.validation import find_duplicates

    if not result.duplicates_pending:
        return
    with timed(result.timings, "validate"):
        exact_dupes, dupe_problems = find_duplicates(result.good_rows, result.dataset.name)
    result.rows_duplicate = int(exact_dupes.sum())
    result.good_rows = _rows_where(result.good_rows, ~exact_dupes.to_numpy())
    result.problems = ProblemTable.of(result.problems) + dupe_problems
    result.duplicates_pending = False


def nothing_to_report(dataset: Dataset) -> Problem:
    """cycle.md: a file with the header and no data rows is "nothing to report this month".

    It is accepted (a note, not a rejection) and merged like any submission with no rows: the month
    counts as submitted (status grid, digest), and it replaces the identity's earlier submission
    like any resubmission. For incremental datasets (flows, pairings) a first one changes no row;
    for the month-scoped ones (training records, support activities, ratings) the month then holds
    none of this county's rows: that is what "nothing this month" means. The roster never gets here.
    """
    return Problem(
        "nothing_to_report", params={"title_zh": dataset.title_zh, "title_en": dataset.name.replace("_", " ")}
    )


def _rows_where(frame: pd.DataFrame, mask: np.ndarray) -> pd.DataFrame:
    """The rows where ``mask`` holds; the frame itself when that is all of them (the usual case).

    Boolean indexing copies every column even when it keeps every row: a million-row file paid
    for several such copies on its way to the warehouse.
    """
    return frame if mask.all() else frame[mask]


def judge(result: Assessment, county_code: str, period: str, reference: Reference, settings: Settings) -> Assessment:
    """The second half of :func:`assess_file`: validate what :func:`read_file` kept, then decide."""
    from teachflow.validation import ValidationContext, validate

    if result.rejected:
        return result
    drop_repeats(result)
    dataset = result.dataset
    typed = result.good_rows
    ctx = ValidationContext(
        county_code=county_code,
        period=period,
        schools=reference.schools,
        school_names=reference.school_names,
        county_names=reference.county_names,
    )
    ctx = dataclasses.replace(
        ctx, number_limits=number_limits(dataset, settings), pairing_active=_pairing_check(reference, settings)
    )
    rated = reference.rated_indicators
    if rated is not None and dataset.name == "assessment_ratings":  # the scoring model's, from the caller
        ctx = dataclasses.replace(ctx, rated_indicators=frozenset(rated() if callable(rated) else rated))
    problems = ProblemTable.of(result.problems)
    with timed(result.timings, "validate"):
        problems = problems + validate(typed, dataset.name, ctx, prior=problems)
    sorting = time.perf_counter()

    bad = problems.rows_of("row")
    considered = result.rows_total - result.rows_duplicate
    limit = dataset.max_bad_row_share if dataset.max_bad_row_share == 0 else settings.max_bad_row_share
    if considered and bad.size / considered > limit and not problems.of_severity("file"):
        problems += ProblemTable.of([too_many_bad_rows(dataset, bad.size, considered, limit)])
    result.problems = _sorted(problems, dataset)
    result.row_names = RowNames.of_problems(typed, result.problems)
    result.good_rows = _rows_where(typed, ~np.isin(typed["_row"].to_numpy(), bad))
    result.timings["sort problems"] = time.perf_counter() - sorting
    return result


def number_limits(dataset: Dataset, settings: Settings) -> dict[str, float]:
    """The configured figures of the dataset's bounds that are settings (``NumberRange.max_setting``)."""
    named = {c.limits.max_setting for c in dataset.columns if c.limits is not None and c.limits.max_setting}
    return {name: float(getattr(settings, name)) for name in sorted(named)}


def _pairing_check(reference: Reference, settings: Settings) -> PairingCheck | None:
    """The warehouse's pairings, for the rules that ask (support activities naming a mentee).

    Nothing is read until a rule asks. A pre-check without the ID secret (``teachflow check`` on a
    clerk's machine) cannot hash the IDs: the rule is then not checked there; ingestion always has
    the secret.
    """
    if reference.pairings is None:
        return None
    try:
        secret = settings.id_secret()
    except MissingSecretError:
        return None
    return reference.pairings(secret)


def too_many_bad_rows(dataset: Dataset, bad: int, considered: int, limit: float) -> Problem:
    """The rejection of a file with more bad rows than allowed; a dataset that allows none (the
    roster) says so instead of "0.0 % is over 0 %"."""
    params = {"count": str(bad), "share": f"{bad / considered:.1%}", "limit": f"{limit:.0%}"}
    if limit == 0:
        title_en = "teacher roster" if dataset.name == "teachers" else dataset.name.replace("_", " ") + " file"
        params |= {"variant": "no_bad_rows_allowed", "title_zh": dataset.title_zh, "title_en": title_en}
    return Problem("too_many_bad_rows", params=params)


def _sorted(problems: ProblemTable, dataset: Dataset) -> ProblemTable:
    """By row (file-level ones first), within a row by the contract's column order (row-wide
    problems first), then by code."""
    rows = problems.flat()["row"]
    ranks = problems.column_ranks(dataset.column_names, -1, -1)
    return problems.sorted([np.maximum(rows, 0), ranks, problems.code_ranks()])


# --- ingesting -----------------------------------------------------------------------------------


def discover(
    engine: Engine, settings: Settings, now: float | None = None, known_complete: frozenset[str] = frozenset()
) -> list[LandingFile]:
    """Complete landing files the ledger has not taken yet (by path, size and mtime).

    ``known_complete`` are relative paths known to be whole although just written, e.g. the files
    the county API pull renamed into place: they skip the quiet time.
    """
    listed = list_landing(settings.landing)
    files = complete_files(listed, settings.landing_quiet_seconds, now)
    files += [f for f in listed if f.relative_path in known_complete and f not in files]
    with engine.connect() as conn:
        taken = ledger.taken_files(conn)
    return [f for f in files if ledger.is_new(f, taken)]


def ingest_file(engine: Engine, settings: Settings, file: LandingFile, reference: Reference | None = None) -> Outcome:
    """Take one landing file all the way: archive, ledger, assess, merge or reject, feedback.

    Whatever happens to the file, the run goes on and the county hears of it:
    - over the size limit (by the listing, or while copying): rejected before anything is archived;
    - an unexpected error during the take: recorded in the ledger (the row stays ``received``, so
      the next run tries again) with a county-facing feedback line; after
      ``settings.max_failed_takes`` failed takes of the same bytes the file is ``quarantined``
      (feedback and an ``ALERT`` log line) instead of being retried forever;
    - the feedback files are written before the take commits and renamed into place after it, so
      an outbox that cannot be written fails the take instead of losing the feedback.
    """
    timings: dict[str, float] = {}
    try:
        if file.size > settings.max_file_bytes:  # the listing's size: nothing is copied
            raise TooLargeToArchive(file.size, settings.max_file_bytes)
        with timed(timings, "archive"):
            archived = archive_file(file.url, settings.archive, file.file_format, max_bytes=settings.max_file_bytes)
    except TooLargeToArchive as too_large:
        return _reject_unarchived(engine, settings, file, too_large)
    with engine.begin() as conn:
        sid = ledger.record_received(conn, file, archived)
        failures = ledger.failed_takes(conn, file.county_code, file.period, file.dataset, archived.sha256, before=sid)
    outcome = Outcome(label=file.label, status="received", submission_id=sid, timings=timings)
    if failures >= settings.max_failed_takes:
        return _quarantine(engine, settings, file, archived.sha256, outcome, failures)
    try:
        return _take(engine, settings, file, archived, outcome, reference)
    except Exception:
        log.exception("%s: take of submission %s failed (%d earlier failed take(s))", file.label, sid, failures)
        if failures + 1 >= settings.max_failed_takes:
            return _quarantine(engine, settings, file, archived.sha256, outcome, failures + 1)
        return _record_failed_take(engine, settings, file, archived.sha256, outcome)


def _take(
    engine: Engine,
    settings: Settings,
    file: LandingFile,
    archived: ArchivedFile,
    outcome: Outcome,
    reference: Reference | None,
) -> Outcome:
    """The take proper, after the ledger row: duplicate, or assess then reject or merge; feedback."""
    from teachflow.ingestion.merge import SubmissionIdentity, load_frame

    sid = outcome.submission_id
    assert sid is not None
    timings = outcome.timings
    with engine.connect() as conn:
        previous = ledger.latest_judged(conn, file.county_code, file.period, file.dataset, before=sid)
    if previous is not None and previous.sha256 == archived.sha256:
        with engine.begin() as conn:
            ledger.finish(conn, sid, "duplicate", duplicate_of=previous.submission_id)
        outcome.status = "duplicate"
        log.info("%s: same bytes as submission %s; nothing changes", file.label, previous.submission_id)
        return outcome

    reference = reference or load_reference_data(engine)
    published: tuple[int, list[int]] | None = None  # (rows loaded, submissions replaced) once merged
    staged: list[StagedFeedback] = []  # the feedback, written before the commit, renamed after it

    def stage(assessment: Assessment, loaded: int, old: list[int]) -> None:
        outcome.status, outcome.rows_loaded = "accepted", loaded
        outcome.rows_total, outcome.rows_duplicate = assessment.rows_total, assessment.rows_duplicate
        outcome.problem_count = len(assessment.problems)
        outcome.rows_rejected, outcome.replaced = len(assessment.bad_rows), old
        with timed(timings, "feedback"):
            staged.append(
                stage_outcome_feedback(
                    settings.outbox, file, archived.sha256, assessment, outcome, county_name=county_name
                )
            )

    county_name = reference.county_names.get(file.county_code, "")
    problems = identity_problems(
        file.county_code, file.period, file.dataset, file.file_format, reference, dt.date.today()
    )
    if problems:
        assessment = Assessment(dataset=DATASETS.get(file.dataset, DATASETS["teachers"]), problems=problems)
    else:
        dataset = DATASETS[file.dataset]
        copying = copies_while_validating(engine, dataset)
        assessment = read_file(archived.path, dataset, settings, warm_up_gx=not copying, defer_duplicates=copying)
        ident = SubmissionIdentity(sid, file.county_code, file.period, file.dataset)
        if copying and not assessment.rejected:
            published = validate_while_copying(engine, ident, assessment, reference, settings, before_commit=stage)
        else:
            judge(assessment, file.county_code, file.period, reference, settings)
        timings.update(assessment.timings)

    outcome.rows_total = assessment.rows_total
    outcome.rows_duplicate = assessment.rows_duplicate
    outcome.problem_count = len(assessment.problems)
    try:
        if assessment.rejected:
            outcome.status = "rejected"
            outcome.rows_rejected = assessment.rows_total
            with timed(timings, "ledger"), engine.connect() as conn:  # 已退回 or 已退回（沿用上次）: in force?
                in_force = bool(ledger.accepted_ids(conn, file.county_code, file.period, file.dataset, excluding=sid))
            with timed(timings, "feedback"):
                staged.append(
                    stage_outcome_feedback(
                        settings.outbox,
                        file,
                        archived.sha256,
                        assessment,
                        outcome,
                        county_name=county_name,
                        previous_in_force=in_force,
                    )
                )
            with timed(timings, "ledger"), engine.begin() as conn:
                ledger.finish(
                    conn,
                    sid,
                    "rejected",
                    rows_total=assessment.rows_total,
                    rows_loaded=0,
                    rows_rejected=assessment.rows_total,
                    rows_duplicate=assessment.rows_duplicate,
                    problem_count=len(assessment.problems),
                    reasons=assessment.file_problems,
                )
        elif published is None:
            with timed(timings, "hash IDs"):
                frame = load_frame(file.dataset, assessment.good_rows, settings.id_secret())
                assessment.good_rows = None  # the typed rows (with the IDs) are not needed any more
            with timed(timings, "merge"):
                publish(engine, ident, frame, assessment, before_commit=stage)
    except BaseException:
        for files in staged:
            files.discard()
        raise
    for files in staged:  # the take is committed: a failed rename must not make it look failed
        try:
            outcome.feedback_xlsx = str(files.publish().xlsx)
        except OSError:
            files.discard()
            log.exception(
                "ALERT teachflow: the feedback of %s (submission %s) could not be put in place in %s; "
                "after fixing it run `teachflow feedback resend --county %s --period %s`",
                file.label,
                sid,
                settings.outbox,
                file.county_code,
                file.period,
            )
    log.info("%s", outcome.summary())
    log.info("%s: seconds per stage: %s", file.label, ", ".join(f"{k} {v:.2f}" for k, v in timings.items()))
    return outcome


def _reject_unarchived(engine: Engine, settings: Settings, file: LandingFile, too_large: TooLargeToArchive) -> Outcome:
    """A file over the size limit: a ``rejected`` ledger row (nothing archived: no hash, no copy)."""
    problem = file_too_large(too_large.size, too_large.limit)
    assessment = Assessment(dataset=DATASETS.get(file.dataset, DATASETS["teachers"]), problems=[problem])
    outcome = Outcome(label=file.label, status="rejected", problem_count=1)
    with engine.begin() as conn:
        outcome.submission_id = sid = ledger.record_received(conn, file, ArchivedFile("", file.size, Path("")))
        staged = stage_outcome_feedback(settings.outbox, file, "", assessment, outcome)
        try:
            ledger.finish(
                conn, sid, "rejected", rows_total=0, rows_loaded=0, rows_rejected=0, problem_count=1, reasons=[problem]
            )
        except BaseException:
            staged.discard()
            raise
    outcome.feedback_xlsx = str(staged.publish().xlsx)
    log.info("%s: rejected unread: %s bytes, over the limit of %s", file.label, too_large.size, too_large.limit)
    return outcome


def _record_failed_take(
    engine: Engine, settings: Settings, file: LandingFile, sha256: str, outcome: Outcome
) -> Outcome:
    """Note the failure in the ledger and tell the county it is retried; the row stays ``received``."""
    problem = Problem(
        "processing_failed", params={"detail": f"报送编号 {outcome.submission_id} / submission {outcome.submission_id}"}
    )
    outcome.status = "failed"
    with engine.begin() as conn:
        ledger.record_failure(conn, outcome.submission_id, [problem])
    _feedback_or_alert(settings, file, sha256, problem, outcome)
    return outcome


def _quarantine(
    engine: Engine, settings: Settings, file: LandingFile, sha256: str, outcome: Outcome, failures: int
) -> Outcome:
    """Set the file aside: ``quarantined`` in the ledger, the county told, an alert for the data team."""
    problem = Problem("file_quarantined", params={"count": str(failures)})
    outcome.status = "quarantined"
    with engine.begin() as conn:
        ledger.finish(conn, outcome.submission_id, "quarantined", problem_count=1, reasons=[problem])
    log.error(
        "ALERT teachflow: %s (submission %s, %s) quarantined after %d failed takes; see the earlier task logs, "
        "fix the cause, then ask the county to send the file again or re-take it",
        file.label,
        outcome.submission_id,
        file.url,
        failures,
    )
    _feedback_or_alert(settings, file, sha256, problem, outcome)
    return outcome


def _feedback_or_alert(settings: Settings, file: LandingFile, sha256: str, problem: Problem, outcome: Outcome) -> None:
    """Write the feedback of a failed or quarantined take; if even that fails, an alert line says so."""
    assessment = Assessment(dataset=DATASETS.get(file.dataset, DATASETS["teachers"]), problems=[problem])
    try:
        outcome.feedback_xlsx = str(
            stage_outcome_feedback(settings.outbox, file, sha256, assessment, outcome).publish().xlsx
        )
    except Exception:
        log.exception(
            "ALERT teachflow: the feedback of %s (submission %s) could not be written to %s; "
            "after fixing it run `teachflow feedback resend --county %s --period %s`",
            file.label,
            outcome.submission_id,
            settings.outbox,
            file.county_code,
            file.period,
        )


def publish(
    engine: Engine,
    ident: SubmissionIdentity,
    frame: pd.DataFrame,
    assessment: Assessment,
    before_commit: BeforeCommit | None = None,
) -> tuple[int, list[int]]:
    """Merge an accepted submission and update the ledger in ONE transaction.

    Replaces the identity's previously accepted submission (marked superseded); returns the rows
    loaded and the submissions replaced. An error anywhere rolls all of it back, including one in
    ``before_commit(assessment, loaded, replaced)`` (the pipeline stages the feedback there).
    """
    from teachflow.ingestion.merge import lock_identity

    with engine.begin() as conn:
        lock_identity(conn, ident.county_code, ident.period, ident.dataset)
        old = ledger.accepted_ids(conn, ident.county_code, ident.period, ident.dataset, excluding=ident.submission_id)
        loaded = merge_rows(conn, ident, frame, old)
        _record_accepted(conn, ident, assessment, loaded, old)
        if before_commit is not None:
            before_commit(assessment, loaded, old)
    return loaded, old


def merge_rows(conn: Connection, ident: SubmissionIdentity, frame: pd.DataFrame, old: list[int]) -> int:
    """Merge validated rows by the dataset's path: training on PostgreSQL by ``COPY``, the rest staged.

    The choice lives here, above both paths, so that :mod:`teachflow.ingestion.training_copy` may
    build on :mod:`teachflow.ingestion.merge` without the two importing each other.
    """
    from teachflow.ingestion.merge import merge_submission

    if ident.dataset == "training_records" and conn.dialect.name == "postgresql":
        from teachflow.ingestion.training_copy import TrainingCopy

        rows = frame.assign(_row=np.arange(len(frame)))  # validated already: every row is good
        return TrainingCopy(conn, ident, rows, old).finish(rows)
    return merge_submission(conn, ident, frame, old)


def _record_accepted(
    conn: Connection, ident: SubmissionIdentity, assessment: Assessment, loaded: int, old: list[int]
) -> None:
    ledger.supersede(conn, old, ident.submission_id)
    ledger.finish(
        conn,
        ident.submission_id,
        "accepted",
        rows_total=assessment.rows_total,
        rows_loaded=loaded,
        rows_rejected=len(assessment.bad_rows),
        rows_duplicate=assessment.rows_duplicate,
        problem_count=len(assessment.problems),
    )


def copies_while_validating(engine: Engine, dataset: Dataset) -> bool:
    """Whether a file of ``dataset`` is written while it is validated (:mod:`teachflow.ingestion.training_copy`).

    Training files on PostgreSQL: the big ones, of new records, into a table ``COPY`` can append to.
    """
    return engine.dialect.name == "postgresql" and dataset.name == "training_records"


def validate_while_copying(
    engine: Engine,
    ident: SubmissionIdentity,
    assessment: Assessment,
    reference: Reference,
    settings: Settings,
    before_commit: BeforeCommit | None = None,
) -> tuple[int, list[int]] | None:
    """Judge a read file while its rows are copied into the warehouse; publish or roll back.

    Write-audit-publish in one transaction: the rows that can be stored and are not already known
    to be bad are copied (in a thread) while :func:`judge` validates the file; then the rows it
    rejected are taken out again and the transaction commits with the ledger update, or a file
    rejection rolls everything back. Returns (rows loaded, submissions replaced), or None when the
    file was rejected (the caller records that, as for any rejection).
    """
    from teachflow.ingestion.merge import load_frame, lock_identity
    from teachflow.ingestion.training_copy import TrainingCopy, fits_warehouse
    from teachflow.validation.gx_runner import warm_up
    from teachflow.validation.values import ROW_COLUMN

    typed = assessment.good_rows
    with timed(assessment.timings, "hash IDs"):
        frame = load_frame(ident.dataset, typed, settings.id_secret()).assign(
            **{ROW_COLUMN: typed[ROW_COLUMN].to_numpy()}
        )
    del typed  # judge() holds the typed rows through the assessment until it is done with them
    known_bad = frame[ROW_COLUMN].isin(assessment.bad_rows).to_numpy()
    with engine.connect() as conn, conn.begin() as transaction:
        lock_identity(conn, ident.county_code, ident.period, ident.dataset)
        old = ledger.accepted_ids(conn, ident.county_code, ident.period, ident.dataset, excluding=ident.submission_id)
        copy = TrainingCopy(conn, ident, _rows_where(frame, fits_warehouse(frame) & ~known_bad), old, background=True)
        warm_up()  # GX's import overlaps with the copy, which needs little of Python
        try:
            judge(assessment, ident.county_code, ident.period, reference, settings)
        except BaseException:
            copy.join()  # the transaction rolls back on the way out
            raise
        if assessment.rejected:
            with timed(assessment.timings, "roll back"):
                copy.join()
                transaction.rollback()
            return None
        with timed(assessment.timings, "merge"):
            is_good = frame[ROW_COLUMN].isin(assessment.good_rows[ROW_COLUMN]).to_numpy()
            assessment.good_rows = None  # the typed rows (with the IDs) are not needed any more
            copy.wait()  # its buffers are freed before the good rows are picked out
            loaded = copy.finish(_rows_where(frame, is_good))
            _record_accepted(conn, ident, assessment, loaded, old)
            if before_commit is not None:
                before_commit(assessment, loaded, old)
    return loaded, old


def stage_outcome_feedback(
    outbox: Path,
    file: LandingFile,
    sha256: str,
    assessment: Assessment,
    outcome: Outcome,
    *,
    county_name: str = "",
    previous_in_force: bool = False,
) -> StagedFeedback:
    """The outcome's feedback files under temporary names (publish() renames them into place)."""
    from teachflow.ingestion.feedback import stage_feedback

    status = {
        "submission_id": outcome.submission_id,
        "file": file.relative_path,
        "county_code": file.county_code,
        "county_name": county_name,
        "period": file.period,
        "dataset": file.dataset,
        "sha256": sha256,
        "processed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "outcome": outcome.status,
        "outcome_zh": OUTCOME_ZH.get(outcome.status, outcome.status),
        "rows_total": outcome.rows_total,
        "rows_loaded": outcome.rows_loaded,
        "rows_rejected": outcome.rows_rejected,
        "rows_duplicate": outcome.rows_duplicate,
        "replaced_submissions": outcome.replaced,
        "previous_in_force": previous_in_force,
    }
    return stage_feedback(
        outbox, file.county_code, file.period, file.dataset, assessment.problems, status, names=assessment.row_names
    )


def ingest_landing(engine: Engine, settings: Settings, rated_indicators: RatedIndicators = None) -> list[Outcome]:
    """``teachflow ingest``: every new, complete landing file, one after another, wave by wave
    (a support-activities file after the run's pairings files: ``datasets.ingest_wave``)."""
    files = sorted(discover(engine, settings), key=lambda f: ingest_wave(f.dataset))  # stable: path order within
    reference = load_reference_data(engine, rated_indicators)
    outcomes = []
    for file in files:
        try:
            outcomes.append(ingest_file(engine, settings, file, reference))
        except Exception:  # one county's file must never stop the others
            log.exception("%s: failed; the other files go on", file.label)
            outcomes.append(Outcome(label=file.label, status="failed"))
    return outcomes
