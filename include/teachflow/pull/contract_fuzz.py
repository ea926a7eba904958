"""The puller's side of the contract fuzzer: every answer the contract allows is one the puller accepts.

Schemathesis (the contract fuzzer, a dev dependency pinned in requirements-dev.txt) loads this
module as its hooks module, ``SCHEMATHESIS_HOOKS=teachflow.pull.contract_fuzz`` (docs/county-api.md);
nothing else imports it. The check it registers, ``puller_accepts``, runs beside Schemathesis' own
checks on the very responses they judge. Schemathesis asks "does the server answer as the contract
says?"; this check asks "and would teachflow's puller take that answer?", so a contract that allows
what the puller refuses (or a puller stricter than the contract) fails the same run.

It judges the answers to valid GET requests only, the only requests the puller itself sends:

- a listing page (200) goes through the puller's own parsing: the page's shape, its county, every
  item (an item the puller would report as breaking the contract fails the check);
- a download (200) is held, as the puller holds it before landing a file, to the size and SHA-256
  that the puller's own listing of that period gives for the file (a file no listing offers is never
  pulled, so it is not judged);
- a 304 must answer a request that named an ETag (``If-None-Match``): the puller reads a 304 as
  "the copy you have is current".

After the run it fails unless at least one listing page and one download went through it: a check
that never saw a success proves nothing.
"""

from __future__ import annotations

import hashlib
import re
from urllib.parse import unquote, urlsplit

import requests
import schemathesis

from teachflow.pull.client import LIST_PATH, CountyApiClient, CountyApiError
from teachflow.pull.config import CountyApiConfig

#: The county code the puller is configured with when a listing names none (the contract makes
#: ``county_code`` optional, and the puller compares it only when present).
ANY_COUNTY = "000000"
_COUNTY = re.compile(r"[0-9]{6}")


@schemathesis.check
class puller_accepts:  # snake_case: Schemathesis names a check after its class, like its own checks
    """The puller takes every successful answer to a valid request (see the module docstring)."""

    def __init__(self) -> None:
        self.listing_pages = 0
        self.downloads = 0

    def after_response(self, ctx, response, case) -> None:
        request = response.request
        if request.method != "GET" or case.meta is None or not case.meta.generation.mode.is_positive:
            return
        if response.status_code == 304:
            if not _header(request.headers, "If-None-Match"):
                raise AssertionError("304 Not Modified answers a request without If-None-Match")
            return
        if response.status_code != 200:
            return
        base_url, rest = _split_url(request.url)
        authorization = _header(request.headers, "Authorization")
        if rest == "":
            self._judge_listing_page(response, base_url, authorization)
            self.listing_pages += 1
        else:
            period, _, file = rest.partition("/")
            if self._judge_download(response, base_url, authorization, period, file):
                self.downloads += 1

    def after_run(self, ctx) -> None:
        if not self.listing_pages or not self.downloads:
            raise AssertionError(
                f"the puller judged {self.listing_pages} listing page(s) and {self.downloads} download(s): "
                "the fuzzer never reached a real submission, so nothing was shown about the puller"
            )

    def _judge_listing_page(self, response, base_url: str, authorization: str) -> None:
        body = response.json()
        county = body.get("county_code") if isinstance(body, dict) else None
        client = _puller(base_url, authorization, county if isinstance(county, str) and county else ANY_COUNTY)
        with client:
            try:
                items, _ = client._parse_page(body)  # the puller's own parsing, not a copy of it
            except CountyApiError as err:
                raise AssertionError(f"the puller refuses this listing page: {err}") from err
            refused = [why for item in items if isinstance(why := client._parse_item(item), str)]
        if refused:
            raise AssertionError("the puller refuses listing item(s): " + "; ".join(refused))

    def _judge_download(self, response, base_url: str, authorization: str, period: str, file: str) -> bool:
        with _puller(base_url, authorization, _county_of(base_url, authorization)) as client:
            try:
                listing = client.list_submissions(period)
            except CountyApiError as err:
                raise AssertionError(f"the puller cannot list period {period!r}: {err}") from err
        listed = next((s for s in listing.submissions if s.period == period and s.filename == file), None)
        if listed is None:
            return False
        body = response.content
        size, sha256 = response.content_size, hashlib.sha256(body).hexdigest()
        if (size, sha256) != (listed.size, listed.sha256):
            raise AssertionError(
                f"{period}/{file}: {size} bytes with SHA-256 {sha256}, but the listing says {listed.size} bytes "
                f"with {listed.sha256}: the puller discards this download"
            )
        return True


def _puller(base_url: str, authorization: str, county_code: str) -> CountyApiClient:
    """The puller's client for the server under test: one attempt per request, short timeouts."""
    token = authorization.partition(" ")[2]
    config = CountyApiConfig(
        county_code if _COUNTY.fullmatch(county_code) else ANY_COUNTY,
        base_url,
        token.strip() or "-",
        source="the contract fuzzer's -H 'Authorization: Bearer …'",
        connect_timeout=5.0,
        read_timeout=10.0,
        max_attempts=1,
        request_deadline=30.0,
    )
    return CountyApiClient(config)


def _county_of(base_url: str, authorization: str) -> str:
    """The county a base URL serves, as its listing names it (the puller's configuration would)."""
    response = requests.get(
        f"{base_url}/{LIST_PATH}", params={"page_size": "1"}, headers={"Authorization": authorization}, timeout=10
    )
    with response:
        county = response.json().get("county_code") if response.status_code == 200 else None
    return county if isinstance(county, str) and _COUNTY.fullmatch(county) else ANY_COUNTY


def _split_url(url: str) -> tuple[str, str]:
    """``(base URL, what follows /v1/submissions)``: the base URL is whatever precedes the
    contract's paths, so the check works below any county's base URL."""
    parts = urlsplit(url)
    marker = "/" + LIST_PATH
    cut = parts.path.rindex(marker)
    base = f"{parts.scheme}://{parts.netloc}{parts.path[:cut]}"
    return base, unquote(parts.path[cut + len(marker) :].strip("/"))


def _header(headers, name: str) -> str:
    value = headers.get(name)
    return value if isinstance(value, str) else ""
