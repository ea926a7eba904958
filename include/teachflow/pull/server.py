"""A reference server of the county API contract (``docs/county-api.yaml``), for the demo and tests.

It serves a folder laid out like the landing zone (``<root>/<county_code>/<YYYY-MM>/<dataset>.<ext>``);
each county is below its own base URL ``http://<host>:<port>/counties/<county_code>``. A county
system implementing the contract can compare its answers with this one's. Standard library only
(``http.server``); it is a reference, not a production server: no TLS, one token for every county.
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
from urllib.parse import parse_qs, urlsplit

from teachflow.contract import FILE_FORMATS
from teachflow.ingestion.landing import is_ignored

log = logging.getLogger("teachflow.pull.server")

TOKEN_ENV = "TEACHFLOW_COUNTY_API_SERVER_TOKEN"
DEFAULT_PAGE_SIZE = 100
MAX_PAGE_SIZE = 1000

_LIST = re.compile(r"^/counties/(\d{6})/v1/submissions/?$")
_FILE = re.compile(r"^/counties/(\d{6})/v1/submissions/(\d{4}-(?:0[1-9]|1[0-2]))/([a-z][a-z_]{0,63})\.([a-z]+)$")
_PERIOD = re.compile(r"^\d{4}-(0[1-9]|1[0-2])$")
_MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


@dataclass(frozen=True)
class _Entry:
    period: str
    dataset: str
    file_format: str
    path: Path
    sha256: str
    size: int
    updated_at: str

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
    """The files of the served folder, with their SHA-256 cached by (size, mtime)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._hashes: dict[Path, tuple[int, int, str]] = {}
        self._lock = threading.Lock()

    def county_exists(self, county: str) -> bool:
        return (self.root / county).is_dir()

    def entries(self, county: str, period: str | None) -> list[_Entry]:
        found = []
        for folder in sorted((self.root / county).iterdir()):
            if not folder.is_dir() or not _PERIOD.match(folder.name) or (period and folder.name != period):
                continue
            for path in sorted(folder.iterdir()):
                entry = self.entry(path)
                if entry is not None:
                    found.append(entry)
        return found

    def entry(self, path: Path) -> _Entry | None:
        stem, _, ext = path.name.rpartition(".")
        if not path.is_file() or is_ignored(path.name) or ext not in FILE_FORMATS or not stem:
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
        return _Entry(path.parent.name, stem, ext, path, sha, stat.st_size, updated)


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
        url = urlsplit(self.path)
        if not self._authorized():
            return
        if m := _LIST.match(url.path):
            self._list(m.group(1), parse_qs(url.query))
        elif m := _FILE.match(url.path):
            self._download(*m.groups())
        else:
            self._error(HTTPStatus.NOT_FOUND, f"no such resource: {url.path}")

    def _authorized(self) -> bool:
        header = self.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(token.strip().encode(), self.api.token.encode()):
            return True
        self._error(HTTPStatus.UNAUTHORIZED, "missing or wrong bearer token", {"WWW-Authenticate": "Bearer"})
        return False

    def _list(self, county: str, query: dict[str, list[str]]) -> None:
        if not self.api.catalog.county_exists(county):
            self._error(HTTPStatus.NOT_FOUND, f"no county {county} on this server")
            return
        period = (query.get("period") or [None])[0]
        if period is not None and not _PERIOD.match(period):
            self._error(HTTPStatus.BAD_REQUEST, "period must be YYYY-MM")
            return
        try:
            size = min(int((query.get("page_size") or [DEFAULT_PAGE_SIZE])[0]), MAX_PAGE_SIZE)
            start = int((query.get("page_token") or ["0"])[0])
        except ValueError:
            self._error(HTTPStatus.BAD_REQUEST, "page_size and page_token must be integers")
            return
        entries = self.api.catalog.entries(county, period)
        page = entries[start : start + max(size, 1)]
        following = start + len(page)
        body = {
            "county_code": county,
            "items": [e.as_item() for e in page],
            "next_page_token": str(following) if following < len(entries) else None,
        }
        self._send_json(HTTPStatus.OK, body)

    def _download(self, county: str, period: str, dataset: str, file_format: str) -> None:
        entry = self.api.catalog.entry(self.api.catalog.root / county / period / f"{dataset}.{file_format}")
        if entry is None:
            self._error(HTTPStatus.NOT_FOUND, f"no submission {period}/{dataset}.{file_format} for county {county}")
            return
        etag = f'"{entry.sha256}"'
        wanted = [t.strip() for t in self.headers.get("If-None-Match", "").split(",") if t.strip()]
        if "*" in wanted or etag in wanted or f"W/{etag}" in wanted:
            self.send_response(HTTPStatus.NOT_MODIFIED)
            self.send_header("ETag", etag)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        self.send_response(HTTPStatus.OK)
        self.send_header("Content-Type", _MEDIA_TYPES.get(file_format, "application/octet-stream"))
        self.send_header("Content-Length", str(entry.size))
        self.send_header("ETag", etag)
        self.send_header("Last-Modified", self.date_time_string(entry.path.stat().st_mtime))
        self.end_headers()
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
        self.end_headers()
        self.wfile.write(data)

    def _error(self, status: HTTPStatus, message: str, headers: dict[str, str] | None = None) -> None:
        self._send_json(status, {"error": status.phrase, "message": message}, headers)


def token_from_env() -> str:
    return os.environ.get(TOKEN_ENV, "")
