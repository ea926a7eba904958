"""A reference server of the county API contract (``docs/county-api.yaml``), for the demo and tests.

It serves a folder laid out like the landing zone (``<root>/<county_code>/<YYYY-MM>/<dataset>.<ext>``);
each county is below its own base URL ``http://<host>:<port>/counties/<county_code>``. A county
system implementing the contract can compare its answers with this one's, and the contract fuzzer
(``tests/test_county_api_contract.py``, docs/county-api.md) holds this server to every rule of the
contract: each declared parameter rule answered with 400 and the contract's JSON error body, any
method but GET/HEAD with 405, and every error (http.server's own included) as that JSON body.
Standard library only (``http.server``); it is a reference, not a production server: no TLS, one
token for every county.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import threading
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from teachflow.calendar import is_period
from teachflow.contract import DATASETS, FILE_FORMATS
from teachflow.ingestion.landing import is_ignored
from teachflow.pull.config import MAX_PAGE_SIZE

log = logging.getLogger("teachflow.pull.server")

TOKEN_ENV = "TEACHFLOW_COUNTY_API_SERVER_TOKEN"
DEFAULT_PAGE_SIZE = 100
#: The methods every resource of the contract answers; any other gets 405 with this ``Allow``.
ALLOWED_METHODS = "GET, HEAD"

# The contract's patterns, matched whole and ASCII only (Python's ``$`` would accept a trailing
# newline, and its ``\d`` any Unicode digit; the contract's regular expressions mean neither).
# Periods: teachflow.calendar.is_period, the same rule.
_COUNTY = re.compile(r"[0-9]{6}")
_FILE = re.compile(r"([a-z][a-z_]{0,63})\.(csv|xlsx)")
_PAGE_SIZE = re.compile(r"[0-9]{1,7}")
_MEDIA_TYPES = {
    # No charset: a county's CSV may be GBK as well as UTF-8 (spec/submissions.md), served byte for byte.
    "csv": "text/csv",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


class _BadRequest(ValueError):
    """A query parameter breaks the contract's rule for it; the message goes into the 400 body."""


@dataclass(frozen=True)
class _Entry:
    period: str
    dataset: str
    file_format: str
    path: Path
    sha256: str
    size: int
    updated_at: str

    @property
    def key(self) -> str:
        """The listing's sort key, ``<period>/<file>``; also the page token of the page it ends."""
        return f"{self.period}/{self.dataset}.{self.file_format}"

    def as_item(self) -> dict:
        return {
            "period": self.period,
            "dataset": self.dataset,
            "format": self.file_format,
            "sha256": self.sha256,
            "size": self.size,
            "updated_at": self.updated_at,
        }


class _Catalog:
    """The files of the served folder, with their SHA-256 cached by (size, mtime).

    Only files the contract can describe are submissions: a dataset the contract names, a format it
    allows, in a ``YYYY-MM`` folder. Anything else in the folder is neither listed nor served.
    """

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashes: dict[Path, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def county_exists(self, county: str) -> bool:
        return (self.root / county).is_dir()

    def entries(self, county: str, period: str | None) -> list[_Entry]:
        """The county's submissions (of ``period`` if given), in the order of their keys."""
        found = []
        for folder in (self.root / county).iterdir():
            if not folder.is_dir() or not is_period(folder.name) or (period and folder.name != period):
                continue
            for path in folder.iterdir():
                entry = self.entry(path)
                if entry is not None:
                    found.append(entry)
        return sorted(found, key=lambda e: e.key)

    def entry(self, path: Path) -> _Entry | None:
        name = _FILE.fullmatch(path.name)
        if not name or name.group(1) not in DATASETS or name.group(2) not in FILE_FORMATS or is_ignored(path.name):
            return None
        if not path.is_file():
            return None
        stat = path.stat()
        with self._lock:
            cached = self._hashes.get(path)
        if cached and cached[:2] == (stat.st_size, stat.st_mtime_ns):
            sha = cached[2]
        else:
            sha = hashlib.sha256(path.read_bytes()).hexdigest()
            with self._lock:
                self._hashes[path] = (stat.st_size, stat.st_mtime_ns, sha)
        updated = datetime.fromtimestamp(stat.st_mtime, UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        return _Entry(path.parent.name, name.group(1), name.group(2), path, sha, stat.st_size, updated)


def listing_page(entries: list[_Entry], page_token: str, page_size: int) -> tuple[list[_Entry], str | None]:
    """One page: the entries whose key sorts after ``page_token``, and the next page's token.

    The token is the key of the page's last item (keyset pagination), so it is opaque to the city
    and yet every string is a position: a token from an older listing, or any string at all, gives
    the items after it rather than an error, and a file added between two pages neither shifts nor
    repeats the items that follow. Tokens never repeat, because the keys strictly increase.
    """
    page = [e for e in entries if e.key > page_token][:page_size]
    more = bool(page) and page[-1].key != entries[-1].key
    return page, page[-1].key if more else None


class CountyApiServer:
    """The reference server; ``start()`` runs it in a thread (port 0 picks a free port)."""

    def __init__(self, root: Path, token: str, host: str = "127.0.0.1", port: int = 0) -> None:
        if not token:
            raise ValueError(f"the reference server needs a token (--token or {TOKEN_ENV})")
        self.catalog = _Catalog(Path(root))
        self.token = token
        self.httpd = ThreadingHTTPServer((host, port), _handler_class(self))
        self.httpd.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def county_url(self, county_code: str) -> str:
        """The base URL of one county's API on this server."""
        return f"{self.url}/counties/{county_code}"

    def serve_forever(self) -> None:
        self.httpd.serve_forever(poll_interval=0.2)

    def start(self) -> CountyApiServer:
        self._thread = threading.Thread(target=self.serve_forever, name="county-api-server", daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> CountyApiServer:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def _handler_class(server: CountyApiServer) -> type[BaseHTTPRequestHandler]:
    class Handler(_Handler):
        api = server

    return Handler


class _Handler(BaseHTTPRequestHandler):
    api: CountyApiServer
    protocol_version = "HTTP/1.1"  # keep-alive, so a client's session reuses its connection
    server_version = "teachflow-county-api/1"

    def log_message(self, format: str, *args) -> None:
        log.debug("%s %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        self._handle()

    def do_HEAD(self) -> None:
        self._handle()

    def __getattr__(self, name: str):
        """http.server looks up ``do_<METHOD>`` and answers 501 with an HTML page when it is
        missing; every other method (TRACE, PUT, QUERY …) reaches ``_handle``, which answers 405."""
        if name.startswith("do_"):
            return self._handle
        raise AttributeError(name)

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's own errors (malformed request line, headers too long) as the contract's JSON
        error body rather than an HTML page."""
        status = HTTPStatus(code)
        self.close_connection = True
        self._error(status, message or status.description, {"Connection": "close"})

    def _handle(self) -> None:
        url = urlsplit(self.path)
        if self.headers.get("Content-Length", "0") not in ("", "0") or "Transfer-Encoding" in self.headers:
            self.close_connection = True  # a body no resource reads: the connection cannot be reused
        if not url.path.startswith("/counties/"):
            self._error(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}")
            return
        segments = [unquote(s) for s in url.path.split("/")[2:]]
        if segments[-1:] == [""]:
            segments.pop()  # a trailing slash
        if len(segments) not in (3, 5) or segments[1:3] != ["v1", "submissions"] or not _COUNTY.fullmatch(segments[0]):
            self._error(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}")
            return
        if self.command not in ("GET", "HEAD"):
            self._error(
                HTTPStatus.METHOD_NOT_ALLOWED,
                f"不支持 {self.command}，请用 GET / {self.command} is not allowed here; use GET",
                {"Allow": ALLOWED_METHODS},
            )
            return
        if not self._authorized():
            return
        if len(segments) == 3:
            self._list(segments[0], parse_qs(url.query, keep_blank_values=True))
        else:
            self._download(segments[0], segments[3], segments[4])

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.api.token.encode()):
            return True
        self._error(
            HTTPStatus.UNAUTHORIZED, "令牌缺失或错误 / missing or wrong bearer token", {"WWW-Authenticate": "Bearer"}
        )
        return False

    def _list(self, county: str, query: dict[str, list[str]]) -> None:
        if not self.api.catalog.county_exists(county):
            self._error(HTTPStatus.NOT_FOUND, f"本服务器没有区县 {county} / no county {county} on this server")
            return
        try:
            period = _single(query, "period")
            if period is not None and not is_period(period):
                raise _BadRequest("period 须为 YYYY-MM，如 2026-10 / period must be YYYY-MM, e.g. 2026-10")
            size_text = _single(query, "page_size")
            if size_text is not None and not (_PAGE_SIZE.fullmatch(size_text) and 1 <= int(size_text) <= MAX_PAGE_SIZE):
                raise _BadRequest(
                    f"page_size 须为 1 到 {MAX_PAGE_SIZE} 的整数 / "
                    f"page_size must be an integer from 1 to {MAX_PAGE_SIZE}"
                )
            token = _single(query, "page_token") or ""
        except _BadRequest as err:
            self._error(HTTPStatus.BAD_REQUEST, str(err))
            return
        size = int(size_text) if size_text is not None else DEFAULT_PAGE_SIZE
        page, following = listing_page(self.api.catalog.entries(county, period), token, size)
        body = {"county_code": county, "items": [e.as_item() for e in page], "next_page_token": following}
        self._send_json(HTTPStatus.OK, body)

    def _download(self, county: str, period: str, file: str) -> None:
        if not is_period(period) or not _FILE.fullmatch(file):
            self._error(
                HTTPStatus.BAD_REQUEST,
                "路径须为 <YYYY-MM>/<dataset>.<csv|xlsx> / the path must be <YYYY-MM>/<dataset>.<csv|xlsx>",
            )
            return
        entry = self.api.catalog.entry(self.api.catalog.root / county / period / file)
        if entry is None:
            self._error(HTTPStatus.NOT_FOUND, f"区县 {county} 没有报送 {period}/{file} / no submission {period}/{file}")
            return
        etag = f'"{entry.sha256}"'
        wanted = [t.strip() for t in self.headers.get("If-None-Match", "").split(",") if t.strip()]
        if "*" in wanted or etag in wanted or f"W/{etag}" in wanted:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _MEDIA_TYPES[entry.file_format])
        self.send_header("Content-Length", str(entry.size))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", self.date_time_string(entry.path.stat().st_mtime))
        self.end_headers()
        if self.command == "HEAD":
            return
        with entry.path.open("rb") as f:
            while chunk := f.read(64 * 1024):
                self.wfile.write(chunk)

    def _send_json(self, status: HTTPStatus, body: dict, headers: dict[str, str] | None = None) -> None:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        for name, value in (headers or {}).items():
            self.send_header(name, value)
        if self.close_connection and "Connection" not in (headers or {}):
            self.send_header("Connection", "close")
        self.end_headers()
        if getattr(self, "command", None) != "HEAD":
            self.wfile.write(data)

    def _error(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        self._send_json(status, {"error": status.phrase, "message": message}, headers)


def _single(query: dict[str, list[str]], name: str) -> str | None:
    """A query parameter the contract declares once: absent, or given exactly once."""
    values = query.get(name)
    if values is None:
        return None
    if len(values) > 1:
        raise _BadRequest(f"{name} 只能出现一次 / {name} may be given only once")
    return values[0]


def token_from_env() -> str:
    return os.environ.get(TOKEN_ENV, "")
