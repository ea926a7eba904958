"""The HTTP side of a pull: one ``requests.Session`` per county, bounded retries, clear errors.

Every request has a connect and a read timeout. Connection errors, timeouts, 5xx and 429 are
retried with exponential backoff and full jitter (a 429's or 503's ``Retry-After`` is honoured, up
to a cap); 401, 403 and 404 are not retried: they will not fix themselves, so the error says at once
which county and what to fix. Each loop is bounded in count (``max_attempts``, ``max_pages``) and in
time (``request_deadline``), so a misbehaving county system can never hold a worker for long.
"""

from __future__ import annotations

import datetime as dt
import email.utils
import hashlib
import json
import logging
import random
import re
import time
import urllib.parse
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import BinaryIO, TypeVar

import requests

from teachflow.calendar import is_period
from teachflow.contract import FILE_FORMATS
from teachflow.pull.config import CountyApiConfig

log = logging.getLogger("teachflow.pull")

T = TypeVar("T")

USER_AGENT = "teachflow-pull/1"
LIST_PATH = "v1/submissions"
CHUNK_BYTES = 64 * 1024
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504}) | frozenset(range(505, 600))

# The contract's patterns, matched whole (Python's ``$`` lets "2026-10\n" through) and ASCII only
# (periods: teachflow.calendar.is_period).
_DATASET = re.compile(r"[a-z][a-z_]{0,63}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


class CountyApiError(RuntimeError):
    """A pull from one county failed; the message names the county and what to do."""

    #: Whether trying again later may help (Airflow retries the task only then).
    transient = False

    def __init__(self, county_code: str, message: str) -> None:
        super().__init__(f"county {county_code}: {message}")
        self.county_code = county_code


class CountyApiAuthError(CountyApiError):
    """401/403: the token is wrong, expired or lacks rights. Fix the configuration, not the network."""


class CountyApiNotFoundError(CountyApiError):
    """404: the base URL is wrong, or a listed file vanished before it was downloaded."""


class CountyApiUnavailableError(CountyApiError):
    """The county's system kept failing (connection, timeout, 5xx, 429) through every attempt."""

    transient = True


class CountyApiTlsError(CountyApiError):
    """The TLS handshake or the certificate check failed: a configuration matter, not an overload."""


class CountyApiProtocolError(CountyApiError):
    """The county's system answered something the contract does not allow."""


class FileTooLargeError(CountyApiError):
    """A submission is over the size cap (``TEACHFLOW_MAX_FILE_BYTES``); it is not landed."""


class _Retryable(Exception):
    def __init__(self, reason: str, retry_after: float | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.retry_after = retry_after


@dataclass(frozen=True)
class RemoteSubmission:
    """One submission as the county's listing describes it."""

    county_code: str
    period: str
    dataset: str
    file_format: str
    sha256: str
    size: int
    updated_at: str

    @property
    def filename(self) -> str:
        return f"{self.dataset}.{self.file_format}"

    @property
    def relative_path(self) -> str:
        """Where it lands below the landing root (spec: ``<county>/<YYYY-MM>/<dataset>.<ext>``)."""
        return f"{self.county_code}/{self.period}/{self.filename}"

    @property
    def download_path(self) -> str:
        return f"{LIST_PATH}/{self.period}/{self.filename}"


@dataclass(frozen=True)
class Listing:
    """The county's submissions, and the listing items that break the contract (as messages)."""

    submissions: list[RemoteSubmission]
    invalid: list[str]


@dataclass(frozen=True)
class Download:
    """What one download attempt produced: 304 Not Modified, or bytes written with their digest."""

    not_modified: bool
    size: int = 0
    sha256: str = ""
    etag: str | None = None


def parse_retry_after(value: str | None, now: dt.datetime | None = None) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delta-seconds or an HTTP date); None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=dt.UTC)
    now = now or dt.datetime.now(dt.UTC)
    return max(0.0, (when - now).total_seconds())


class CountyApiClient:
    """A county's API, as the contract in ``docs/county-api.yaml`` defines it.

    ``sleep`` and ``rng`` are parameters so that tests can record the waits instead of taking them.
    """

    def __init__(
        self,
        config: CountyApiConfig,
        *,
        sleep: Callable[[float], None] = time.sleep,
        rng: Callable[[], float] = random.random,
    ) -> None:
        self.config = config
        self._sleep = sleep
        self._rng = rng
        self.session = requests.Session()
        self.session.headers.update({"Authorization": f"Bearer {config.token}", "User-Agent": USER_AGENT})

    def close(self) -> None:
        self.session.close()

    def __enter__(self) -> CountyApiClient:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- the contract's two operations -------------------------------------------------------

    def list_submissions(self, period: str | None = None) -> Listing:
        """Every submission the county offers (for ``period`` if given), following the pages."""
        cfg = self.config
        submissions: list[RemoteSubmission] = []
        invalid: list[str] = []
        token: str | None = None
        seen_tokens: set[str] = set()
        for page in range(1, cfg.max_pages + 1):
            params = {"page_size": str(cfg.page_size)}
            if period:
                params["period"] = period
            if token:
                params["page_token"] = token
            body = self._with_retries(f"listing page {page}", lambda p=params: self._get_json(LIST_PATH, p))
            items, token = self._parse_page(body)
            for item in items:
                parsed = self._parse_item(item)
                if isinstance(parsed, str):
                    invalid.append(parsed)
                else:
                    submissions.append(parsed)
            log.debug("county %s: listing page %d: %d item(s)", cfg.county_code, page, len(items))
            if not token:
                return Listing(submissions, invalid)
            if token in seen_tokens:
                raise self._protocol(f"the listing repeats page token {token!r} (it would never end)")
            seen_tokens.add(token)
        raise self._protocol(f"the listing has more than {cfg.max_pages} pages; ask for a larger page size")

    def download(
        self, submission: RemoteSubmission, open_sink: Callable[[], BinaryIO], *, etag: str | None, max_bytes: int
    ) -> Download:
        """Stream one submission's bytes into a fresh sink from ``open_sink`` (opened again on each
        attempt, so a retry never appends to a half-written file), hashing as it goes.

        Returns ``not_modified`` if ``etag`` still matches (304). Stops and raises
        :class:`FileTooLargeError` as soon as more than ``max_bytes`` arrive, whatever the listing said.
        """

        def attempt() -> Download:
            headers = {"If-None-Match": etag} if etag else {}
            response = self._request("GET", submission.download_path, headers=headers, stream=True)
            with response:
                if response.status_code == 304:
                    return Download(not_modified=True, etag=etag)
                if response.status_code != 200:
                    raise self._protocol(f"download of {submission.filename} answered HTTP {response.status_code}")
                declared = response.headers.get("Content-Length")
                if declared and declared.isdigit() and int(declared) > max_bytes:
                    raise too_large(submission, int(declared), max_bytes)
                digest = hashlib.sha256()
                size = 0
                started = time.monotonic()
                with open_sink() as sink:
                    try:
                        for chunk in _chunks(response):
                            size += len(chunk)
                            if size > max_bytes:
                                raise too_large(submission, size, max_bytes)
                            if time.monotonic() - started > self.config.request_deadline:
                                raise _Retryable(f"download slower than {self.config.request_deadline:.0f} s")
                            digest.update(chunk)
                            sink.write(chunk)
                    except (
                        requests.ConnectionError,
                        requests.Timeout,
                        requests.exceptions.ChunkedEncodingError,
                    ) as err:
                        raise _Retryable(f"download broken after {size} bytes ({_short(err)})") from err
                return Download(
                    not_modified=False, size=size, sha256=digest.hexdigest(), etag=response.headers.get("ETag")
                )

        return self._with_retries(f"download of {submission.relative_path}", attempt)

    # -- one request, and the retry loop around it ------------------------------------------

    def _get_json(self, path: str, params: dict[str, str]) -> object:
        """A JSON body read under the listing's byte cap (after decompression) and the deadline."""
        cfg = self.config
        response = self._request("GET", path, params=params, stream=True)
        with response:
            if response.status_code != 200:
                raise self._protocol(f"{path} answered HTTP {response.status_code}")
            body = bytearray()
            started = time.monotonic()
            try:
                for chunk in _chunks(response):
                    body += chunk
                    if len(body) > cfg.max_listing_bytes:
                        raise self._protocol(
                            f"{path} answered more than {cfg.max_listing_bytes} bytes (after decompression); "
                            "ask for a smaller page size"
                        )
                    if time.monotonic() - started > cfg.request_deadline:
                        raise _Retryable(f"listing slower than {cfg.request_deadline:.0f} s")
            except (
                requests.ConnectionError,
                requests.Timeout,
                requests.exceptions.ChunkedEncodingError,
                requests.exceptions.ContentDecodingError,
            ) as err:
                raise _Retryable(f"listing broken after {len(body)} bytes ({_short(err)})") from err
            try:
                return json.loads(bytes(body))
            except ValueError as err:
                raise self._protocol(f"{path} did not answer JSON ({_short(err)})") from err

    def _request(self, method: str, path: str, **kwargs) -> requests.Response:
        """One attempt. Raises the permanent errors; turns the transient ones into ``_Retryable``.

        Redirects are followed only within the base URL's origin (scheme, host and port), at most
        :data:`MAX_REDIRECTS` of them: the token must never be sent, nor a file taken, elsewhere.
        """
        cfg = self.config
        url = cfg.url(path)
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                response = self.session.request(
                    method, url, timeout=(cfg.connect_timeout, cfg.read_timeout), allow_redirects=False, **kwargs
                )
            except requests.exceptions.SSLError as err:
                raise CountyApiTlsError(
                    cfg.county_code,
                    f"{url}: the TLS connection failed ({_short(err)}). The county's certificate is not valid for "
                    "this host or not signed by a trusted authority; ask the county to fix it (or set "
                    "REQUESTS_CA_BUNDLE to the CA it uses). This is not a network overload.",
                ) from err
            except (requests.ConnectionError, requests.Timeout) as err:
                raise _Retryable(_short(err)) from err
            if not response.is_redirect:
                break
            target = urllib.parse.urljoin(url, response.headers.get("Location", ""))
            response.close()
            if _origin(target) != _origin(cfg.base_url):
                raise self._protocol(
                    f"{url} redirects to another host ({_origin(target)}); the redirect is not followed "
                    "(the token would go there too). Set the county's real base URL"
                )
            url, kwargs = target, {k: v for k, v in kwargs.items() if k != "params"}
        else:
            raise self._protocol(f"{url}: more than {MAX_REDIRECTS} redirects")
        status = response.status_code
        if status in (401, 403):
            response.close()
            what = "rejected the token (HTTP 401)" if status == 401 else "refused access (HTTP 403)"
            raise CountyApiAuthError(
                cfg.county_code,
                f"{url} {what}. Ask the county for a valid token and set it in {cfg.source}.",
            )
        if status == 404:
            response.close()
            raise CountyApiNotFoundError(
                cfg.county_code,
                f"{url} does not exist (HTTP 404). Check the base URL in {cfg.source} "
                f"(it should be the URL under which the county serves {LIST_PATH}).",
            )
        if status in RETRY_STATUSES:
            retry_after = parse_retry_after(response.headers.get("Retry-After"))
            response.close()
            raise _Retryable(f"HTTP {status}", retry_after)
        return response

    def _with_retries(self, what: str, attempt: Callable[[], T]) -> T:
        cfg = self.config
        deadline = time.monotonic() + cfg.request_deadline
        reason = ""
        for number in range(1, cfg.max_attempts + 1):
            try:
                return attempt()
            except _Retryable as err:
                reason = err.reason
                if number == cfg.max_attempts:
                    break
                delay = self._delay(number, err.retry_after)
                if time.monotonic() + delay > deadline:
                    reason += f"; the next wait would pass the {cfg.request_deadline:.0f} s deadline"
                    break
                log.warning(
                    "county %s: %s failed (%s), attempt %d of %d; retrying in %.2f s",
                    cfg.county_code,
                    what,
                    reason,
                    number,
                    cfg.max_attempts,
                    delay,
                )
                self._sleep(delay)
        raise CountyApiUnavailableError(
            cfg.county_code,
            f"{what} at {cfg.base_url} failed after {number} attempt(s): {reason}. "
            "The county's system is down or overloaded; it is tried again on the next run.",
        )

    def _delay(self, attempt: int, retry_after: float | None) -> float:
        """The server's Retry-After (capped), else exponential backoff with full jitter."""
        cfg = self.config
        if retry_after is not None:
            return min(retry_after, cfg.retry_after_cap)
        return self._rng() * min(cfg.backoff_max, cfg.backoff_base * 2 ** (attempt - 1))

    # -- parsing the listing -------------------------------------------------------------------

    def _parse_page(self, body: object) -> tuple[list, str | None]:
        if not isinstance(body, dict) or not isinstance(body.get("items"), list):
            raise self._protocol("the listing is not an object with an 'items' array")
        county = body.get("county_code")
        if county is not None and county != self.config.county_code:
            raise self._protocol(
                f"the listing is for county {county!r}: the base URL in {self.config.source} "
                "points at another county's system"
            )
        token = body.get("next_page_token")
        if token is not None and not isinstance(token, str):
            raise self._protocol("next_page_token must be a string or null")
        return body["items"], token or None

    def _parse_item(self, item: object) -> RemoteSubmission | str:
        """A valid submission, or a message saying why the item breaks the contract."""
        if not isinstance(item, dict):
            return f"listing item {item!r} is not an object"
        period, dataset, fmt = item.get("period"), item.get("dataset"), item.get("format")
        sha, size = item.get("sha256"), item.get("size")
        label = f"{period}/{dataset}.{fmt}"
        if not is_period(period):
            return f"{label}: period must be YYYY-MM"
        if not isinstance(dataset, str) or not _DATASET.fullmatch(dataset):
            return f"{label}: dataset must be a lower-case name such as teachers"
        if fmt not in FILE_FORMATS:
            return f"{label}: format must be one of {', '.join(FILE_FORMATS)}"
        if not isinstance(sha, str) or not _SHA256.fullmatch(sha.lower()):
            return f"{label}: sha256 must be 64 hex digits"
        if isinstance(size, float) and size.is_integer():
            size = int(size)  # JSON Schema's integer includes 5120.0, which some serializers write
        if not isinstance(size, int) or isinstance(size, bool) or size < 0:
            return f"{label}: size must be a non-negative integer"
        return RemoteSubmission(
            county_code=self.config.county_code,
            period=period,
            dataset=dataset,
            file_format=fmt,
            sha256=sha.lower(),
            size=size,
            updated_at=str(item.get("updated_at") or ""),
        )

    def _protocol(self, message: str) -> CountyApiProtocolError:
        return CountyApiProtocolError(self.config.county_code, f"{message} (see docs/county-api.md)")


def _origin(url: str) -> tuple[str, str, int | None]:
    parts = urllib.parse.urlsplit(url)
    return parts.scheme.lower(), (parts.hostname or "").lower(), parts.port


def _chunks(response: requests.Response) -> Iterator[bytes]:
    """The body (decompressed) in pieces as they arrive, so a deadline is checked between them.

    ``iter_content(n)`` waits until ``n`` bytes are in: a server dripping one byte per read timeout
    would hold the worker for hours between two checks. ``read1`` hands over what has arrived.
    """
    import urllib3.exceptions as u3

    raw = response.raw
    while True:
        try:  # the same translation requests' iter_content makes
            chunk = raw.read1(CHUNK_BYTES, decode_content=True)
        except u3.ProtocolError as err:
            raise requests.exceptions.ChunkedEncodingError(err) from err
        except u3.DecodeError as err:
            raise requests.exceptions.ContentDecodingError(err) from err
        except u3.ReadTimeoutError as err:
            raise requests.ConnectionError(err) from err
        if not chunk:
            return
        yield chunk


def too_large(submission: RemoteSubmission, size: int, max_bytes: int) -> FileTooLargeError:
    """The error for a submission over the cap, saying what the county should do."""
    return FileTooLargeError(
        submission.county_code,
        f"{submission.relative_path} is {size} bytes, over the cap of {max_bytes} "
        "(TEACHFLOW_MAX_FILE_BYTES): not downloaded. Ask the county to split or trim it.",
    )


def _short(err: BaseException) -> str:
    text = str(err) or err.__class__.__name__
    return f"{err.__class__.__name__}: {text[:200]}"
