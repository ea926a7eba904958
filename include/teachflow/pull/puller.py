"""Pulling one county: list what it offers, skip what is already here, land the rest atomically.

A downloaded file is streamed to a temporary name in its landing folder (``.<name>.<id>.part``, a
name discovery ignores), checked against the listing's size and SHA-256, and only then renamed to
``<landing>/<county>/<YYYY-MM>/<dataset>.<ext>``: a half-downloaded or corrupt file is never ingested.

What has been pulled is remembered per county in ``<landing>/.teachflow-pull/<county>.json``
(SHA-256, size and ETag per remote file). The state lives in the landing zone itself, not on the
worker's disk, so every Airflow worker sees the same state, and the dot keeps it out of discovery.
A file whose listing SHA-256 equals the state's (and which is still in the landing zone) is skipped
without a request; with no state, a landing file with the same SHA-256 is recognised too; and a
download sends the known ETag as ``If-None-Match``, so a 304 skips it as well.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import logging
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

import fsspec

from teachflow.pull.client import (
    CountyApiAuthError,
    CountyApiClient,
    CountyApiError,
    CountyApiNotFoundError,
    RemoteSubmission,
    too_large,
)
from teachflow.pull.config import CountyApiConfig

log = logging.getLogger("teachflow.pull")

STATE_FOLDER = ".teachflow-pull"


class CountyPullError(CountyApiError):
    """Some of a county's files could not be pulled; the others were landed."""

    transient = True

    def __init__(self, result: PullResult) -> None:
        lines = "; ".join(f"{path}: {why}" for path, why in result.failed)
        super().__init__(result.county_code, f"{len(result.failed)} file(s) not pulled: {lines}")
        self.result = result


@dataclass
class PullResult:
    """What a pull did for one county (relative landing paths)."""

    county_code: str
    landed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)  # (path, why)

    def summary(self) -> str:
        return (
            f"county {self.county_code}: {len(self.landed)} landed, {len(self.unchanged)} unchanged, "
            f"{len(self.failed)} failed"
        )

    def raise_for_failures(self) -> None:
        if self.failed:
            raise CountyPullError(self)


class PullState:
    """What was pulled from one county, keyed by ``<period>/<file>``, stored as JSON in the landing zone."""

    def __init__(self, fs, root: str, county_code: str) -> None:
        self.fs = fs
        self.path = f"{root}/{STATE_FOLDER}/{county_code}.json"
        self.county_code = county_code
        self.files: dict[str, dict] = {}
        self.dirty = False
        if fs.exists(self.path):
            try:
                with fs.open(self.path, "rb") as f:
                    self.files = dict(json.loads(f.read().decode("utf-8")).get("files", {}))
            except (ValueError, AttributeError) as err:  # unreadable: landing files are recognised by SHA-256
                log.warning("county %s: pull state %s unreadable (%s); starting afresh", county_code, self.path, err)

    def get(self, key: str) -> dict:
        return self.files.get(key, {})

    def record(self, submission: RemoteSubmission, etag: str | None) -> None:
        self.dirty = True
        self.files[f"{submission.period}/{submission.filename}"] = {
            "sha256": submission.sha256,
            "size": submission.size,
            "etag": etag,
            "updated_at": submission.updated_at,
            "pulled_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        }

    def save(self) -> None:
        body = json.dumps({"county_code": self.county_code, "files": self.files}, indent=1, sort_keys=True)
        _write_atomically(self.fs, self.path, body.encode("utf-8"))


def pull_county(
    config: CountyApiConfig,
    landing: str,
    *,
    max_file_bytes: int,
    period: str | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PullResult:
    """Pull every new or changed submission of one county into ``landing``.

    Raises :class:`CountyApiError` when the county cannot be listed at all (bad token, wrong URL,
    system down). A file that fails (checksum, size, cap, broken download) is reported in the
    result and the other files go on; call :meth:`PullResult.raise_for_failures` to fail on them.
    """
    fs, root = fsspec.core.url_to_fs(landing)
    root = root.rstrip("/")
    result = PullResult(config.county_code)
    remove_stale_partials(fs, root, config.county_code, older_than=config.request_deadline + config.read_timeout)
    state = PullState(fs, root, config.county_code)
    with CountyApiClient(config, sleep=sleep) as client:
        listing = client.list_submissions(period)
        log.info(
            "county %s: %d submission(s) offered%s at %s",
            config.county_code,
            len(listing.submissions),
            f" for {period}" if period else "",
            config.base_url,
        )
        for message in listing.invalid:
            log.error("county %s: listing item breaks the contract: %s", config.county_code, message)
            result.failed.append(("(listing)", message))
        try:
            for submission in listing.submissions:
                try:
                    _pull_one(client, fs, root, state, submission, max_file_bytes, result)
                except CountyApiAuthError:
                    raise  # the token stopped working: nothing else will download either
                except CountyApiError as err:
                    log.error("county %s: %s not pulled: %s", config.county_code, submission.relative_path, err)
                    result.failed.append((submission.relative_path, str(err)))
        finally:
            if state.dirty:
                state.save()
    log.info("%s", result.summary())
    return result


def remove_stale_partials(fs, root: str, county_code: str, older_than: float, now: float | None = None) -> list[str]:
    """Delete the ``.part`` files a killed pull of this county left behind; returns their paths.

    Only files older than ``older_than`` seconds (a download's deadline plus a read timeout): a
    younger one may belong to a pull still running on another worker.
    """
    now = time.time() if now is None else now
    removed = []
    for folder in (f"{root}/{county_code}", f"{root}/{STATE_FOLDER}"):
        if not fs.exists(folder):
            continue
        for path, info in fs.find(folder, detail=True).items():
            name = path.rsplit("/", 1)[-1]
            if not (name.startswith(".") and name.endswith(".part")):
                continue
            if STATE_FOLDER in path and not name.startswith(f".{county_code}.json."):
                continue  # another county's state file
            if now - _modified(info) >= older_than:
                fs.rm(path)
                removed.append(path)
    for path in removed:
        log.warning("county %s: removed %s, left by an interrupted pull", county_code, path)
    return removed


def _modified(info: dict) -> float:
    value = info.get("mtime") or info.get("LastModified") or info.get("last_modified") or 0
    if isinstance(value, dt.datetime):
        return value.timestamp()
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).timestamp()
    return float(value)


def _pull_one(
    client: CountyApiClient,
    fs,
    root: str,
    state: PullState,
    submission: RemoteSubmission,
    max_file_bytes: int,
    result: PullResult,
) -> None:
    county = submission.county_code
    final = f"{root}/{submission.relative_path}"
    known = state.get(f"{submission.period}/{submission.filename}")
    present = fs.exists(final)
    if present and known.get("sha256") == submission.sha256:
        log.debug("county %s: %s unchanged (SHA-256 as pulled before)", county, submission.relative_path)
        result.unchanged.append(submission.relative_path)
        return
    if present and _sha256_of(fs, final) == submission.sha256:
        log.info("county %s: %s already in the landing zone with this SHA-256", county, submission.relative_path)
        state.record(submission, known.get("etag"))
        result.unchanged.append(submission.relative_path)
        return
    if submission.size > max_file_bytes:
        raise too_large(submission, submission.size, max_file_bytes)

    folder = final.rsplit("/", 1)[0]
    fs.makedirs(folder, exist_ok=True)
    temporary = f"{folder}/.{submission.filename}.{uuid.uuid4().hex[:8]}.part"
    try:
        try:
            download = client.download(
                submission,
                lambda: fs.open(temporary, "wb"),
                etag=known.get("etag") if present else None,
                max_bytes=max_file_bytes,
            )
        except CountyApiNotFoundError as err:
            raise CountyApiNotFoundError(
                county, f"{submission.relative_path} is in the listing but its download answered HTTP 404"
            ) from err
        if download.not_modified:
            log.info("county %s: %s not modified (ETag)", county, submission.relative_path)
            result.unchanged.append(submission.relative_path)
            return
        if download.size != submission.size or download.sha256 != submission.sha256:
            raise CountyApiError(
                county,
                f"{submission.relative_path}: received {download.size} bytes with SHA-256 {download.sha256[:12]}…, "
                f"the listing says {submission.size} bytes with {submission.sha256[:12]}…: truncated or changed "
                "during the download; not landed (tried again on the next run)",
            )
        fs.mv(temporary, final)
    finally:
        if fs.exists(temporary):
            fs.rm(temporary)
    state.record(submission, download.etag)
    result.landed.append(submission.relative_path)
    log.info(
        "county %s: landed %s (%d bytes, SHA-256 %s…)",
        county,
        submission.relative_path,
        download.size,
        download.sha256[:12],
    )


def _sha256_of(fs, path: str) -> str:
    digest = hashlib.sha256()
    with fs.open(path, "rb") as f:
        while chunk := f.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _write_atomically(fs, path: str, data: bytes) -> None:
    folder, _, name = path.rpartition("/")
    fs.makedirs(folder, exist_ok=True)
    temporary = f"{folder}/.{name}.{uuid.uuid4().hex[:8]}.part"
    with fs.open(temporary, "wb") as f:
        f.write(data)
    fs.mv(temporary, path)


@dataclass
class PullRun:
    """``teachflow pull`` over several counties: results, and the counties that failed as a whole."""

    results: list[PullResult] = field(default_factory=list)
    errors: list[CountyApiError] = field(default_factory=list)


def pull_counties(
    configs: list[CountyApiConfig], landing: str, *, max_file_bytes: int, period: str | None = None
) -> PullRun:
    """Each county in turn; one county down never stops the others."""
    run = PullRun()
    for config in configs:
        try:
            result = pull_county(config, landing, max_file_bytes=max_file_bytes, period=period)
        except CountyApiError as err:
            log.error("%s", err)
            run.errors.append(err)
            continue
        run.results.append(result)
        if result.failed:
            run.errors.append(CountyPullError(result))
    return run
