"""The county API pull against hostile or broken county systems (issue #12, part 8).

Real servers on 127.0.0.1 (pytest-httpserver), no mocks of requests: a redirect to another host,
a gzip bomb for a listing, a response dripped byte by byte, plain http to a remote host, a TLS
failure, and the ``.part`` files a killed pull leaves behind.
"""

from __future__ import annotations

import gzip
import json
import os
import time

import pytest
from werkzeug import Request, Response

from teachflow.calendar import is_period
from teachflow.pull.client import CountyApiClient, CountyApiProtocolError, CountyApiTlsError, CountyApiUnavailableError
from teachflow.pull.config import CountyApiConfig, CountyApiConfigError
from teachflow.pull.puller import pull_county
from tests.test_pull import COUNTY, LIST_PATH, TOKEN, Waits, config, item, listing


def test_a_redirect_to_another_host_is_not_followed(httpserver, tmp_path):
    """The token must not travel to a host the bureau did not configure ("localhost" is another
    host than "127.0.0.1" and the other way round for this purpose: the origin is compared, not the address)."""
    seen_tokens: list[str | None] = []

    def elsewhere(request: Request) -> Response:
        seen_tokens.append(request.headers.get("Authorization"))
        return Response(json.dumps(listing()), content_type="application/json")

    httpserver.expect_request("/elsewhere").respond_with_handler(elsewhere)
    here = httpserver.url_for("/elsewhere")
    other_host = (
        here.replace("localhost", "127.0.0.1") if "localhost" in here else here.replace("127.0.0.1", "localhost")
    )
    httpserver.expect_request(LIST_PATH).respond_with_data("", status=302, headers={"Location": other_host})

    with pytest.raises(CountyApiProtocolError, match="redirects to another host"):
        pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(tmp_path / "landing"), max_file_bytes=10_000)
    assert seen_tokens == []


def test_a_redirect_within_the_county_system_is_followed(httpserver, tmp_path):
    httpserver.expect_request("/moved/v1/submissions").respond_with_json(listing())
    httpserver.expect_request(LIST_PATH).respond_with_data(
        "", status=301, headers={"Location": httpserver.url_for("/moved/v1/submissions")}
    )
    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(tmp_path / "landing"), max_file_bytes=10)
    assert result.failed == []


def test_a_gzip_bomb_listing_stops_at_the_byte_cap(httpserver, tmp_path):
    bomb = gzip.compress(b'{"items": [' + b" " * 50_000_000 + b"]}", compresslevel=9)
    assert len(bomb) < 100_000
    httpserver.expect_request(LIST_PATH).respond_with_data(
        bomb, headers={"Content-Encoding": "gzip", "Content-Type": "application/json"}
    )
    cfg = config(httpserver.url_for(f"/c/{COUNTY}"), max_listing_bytes=1_000_000)
    with pytest.raises(CountyApiProtocolError, match="more than 1000000 bytes"):
        pull_county(cfg, str(tmp_path / "landing"), max_file_bytes=10_000)


def test_a_drip_fed_response_ends_at_the_deadline(httpserver, tmp_path):
    """One byte every 50 ms never trips the read timeout; the overall deadline stops it."""

    def drip(request: Request) -> Response:
        def body():
            yield b'{"items": ['
            for _ in range(200):
                time.sleep(0.05)
                yield b" "
            yield b"]}"

        return Response(body(), content_type="application/json")

    httpserver.expect_request(LIST_PATH).respond_with_handler(drip)
    cfg = config(httpserver.url_for(f"/c/{COUNTY}"), request_deadline=0.5, read_timeout=2.0, max_attempts=1)
    started = time.monotonic()
    with pytest.raises(CountyApiUnavailableError, match="slower than"):
        pull_county(cfg, str(tmp_path / "landing"), max_file_bytes=10_000, sleep=Waits())
    assert time.monotonic() - started < 5  # the drip alone would take 10 s


def test_plain_http_is_refused_except_on_this_machine():
    with pytest.raises(CountyApiConfigError, match="clear text"):
        CountyApiConfig(COUNTY, "http://edu.county.example/teachflow", TOKEN)
    for local in ("http://127.0.0.1:8000/c", "http://localhost/c", "http://[::1]:9/c"):
        CountyApiConfig(COUNTY, local, TOKEN)
    CountyApiConfig(COUNTY, "https://edu.county.example/teachflow", TOKEN)


def test_a_tls_failure_is_reported_as_such_not_as_an_overload(httpserver, tmp_path):
    """https:// to a server that speaks plain HTTP: the handshake fails."""
    https_url = httpserver.url_for(f"/c/{COUNTY}").replace("http://", "https://")
    waits = Waits()
    with pytest.raises(CountyApiTlsError, match="TLS connection failed") as raised:
        pull_county(config(https_url), str(tmp_path / "landing"), max_file_bytes=10_000, sleep=waits)
    assert "overloaded" not in str(raised.value) and waits == []  # not retried: it will not fix itself


def test_part_files_of_a_killed_pull_are_removed_at_the_next_start(httpserver, tmp_path):
    landing = tmp_path / "landing"
    folder = landing / COUNTY / "2026-10"
    folder.mkdir(parents=True)
    stale = folder / ".teachers.csv.1a2b3c4d.part"
    stale.write_bytes(b"half a roster")
    fresh = folder / ".teacher_flows.csv.5e6f7a8b.part"  # a pull still running elsewhere
    fresh.write_bytes(b"being written")
    old = time.time() - 3600
    os.utime(stale, (old, old))
    httpserver.expect_request(LIST_PATH).respond_with_json(listing())

    pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000)

    assert not stale.exists() and fresh.exists()


@pytest.mark.parametrize("period", ["2026-04\n", "1\u066999-01", "2026-1\uff10"])
def test_listing_periods_are_matched_as_ascii_like_landing_paths(httpserver, period):
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(b"x", period=period)))
    with CountyApiClient(config(httpserver.url_for(f"/c/{COUNTY}"))) as client:
        found = client.list_submissions()
    assert found.submissions == [] and len(found.invalid) == 1
    assert not is_period(period)
