"""One county's API settings: where its system is, its token, and how patient to be with it.

The same :class:`CountyApiConfig` comes from an Airflow connection ``county_api_<county_code>``
(``plugins/teachflow_airflow/county_api.py``) or, on the command line, from environment variables::

    TEACHFLOW_COUNTY_API_<county_code>_URL     base URL of the county's API (required)
    TEACHFLOW_COUNTY_API_<county_code>_TOKEN   the county's token (required)

A county with neither is a file-drop county: nothing is pulled for it.
"""

from __future__ import annotations

import ipaddress
import os
import re
import urllib.parse
from collections.abc import Mapping
from dataclasses import dataclass, field

ENV_PREFIX = "TEACHFLOW_COUNTY_API_"
#: The largest ``page_size`` the contract allows a listing request (docs/county-api.yaml).
MAX_PAGE_SIZE = 1000
_ENV_URL = re.compile(rf"^{ENV_PREFIX}(\d{{6}})_URL$")


class CountyApiConfigError(ValueError):
    """A county's API configuration is incomplete or malformed; the message says what to set."""


@dataclass(frozen=True)
class CountyApiConfig:
    """Everything needed to talk to one county's system. Defaults are production values; tests
    shrink the delays and timeouts (every wait is bounded by these numbers)."""

    county_code: str
    base_url: str  # e.g. https://edu.county.example/teachflow ; paths of the contract are below it
    token: str = field(repr=False)
    #: Where the configuration came from, named in error messages ("connection county_api_450102").
    source: str = "environment"
    connect_timeout: float = 10.0
    read_timeout: float = 60.0
    #: Attempts per request (1 = no retry), and the exponential backoff with full jitter between them.
    max_attempts: int = 5
    backoff_base: float = 1.0
    backoff_max: float = 30.0
    #: A server's Retry-After is honoured up to this many seconds.
    retry_after_cap: float = 60.0
    #: No request (all its attempts and waits) runs longer than this.
    request_deadline: float = 600.0
    #: Listing: items asked per page, and at most this many pages.
    page_size: int = 100
    max_pages: int = 1000
    #: Largest listing page accepted, counted after decompression (a gzip bomb stops here).
    max_listing_bytes: int = 16 * 1024 * 1024

    def __post_init__(self) -> None:
        if not re.fullmatch(r"[0-9]{6}", self.county_code, re.ASCII):
            raise CountyApiConfigError(f"county code {self.county_code!r} is not 6 digits ({self.source})")
        if not re.match(r"https?://[^/]+", self.base_url or "", re.ASCII):
            raise CountyApiConfigError(
                f"county {self.county_code}: base URL {self.base_url!r} is not an http(s) URL; set it in {self.source}"
            )
        if self.base_url.startswith("http://") and not is_loopback_url(self.base_url):
            raise CountyApiConfigError(
                f"county {self.county_code}: base URL {self.base_url!r} is plain http: the token would travel in "
                f"clear text. Use https:// (plain http only for a server on this machine); set it in {self.source}"
            )
        if not self.token:
            raise CountyApiConfigError(f"county {self.county_code}: no API token; set it in {self.source}")
        if self.max_attempts < 1:
            raise CountyApiConfigError(f"county {self.county_code}: max_attempts must be at least 1")
        if not 1 <= self.page_size <= MAX_PAGE_SIZE:  # the contract's range (docs/county-api.yaml)
            raise CountyApiConfigError(
                f"county {self.county_code}: page_size must be from 1 to {MAX_PAGE_SIZE} ({self.source})"
            )

    def url(self, path: str) -> str:
        """``path`` (from the contract, e.g. ``v1/submissions``) below the base URL."""
        return f"{self.base_url.rstrip('/')}/{path.lstrip('/')}"


def is_loopback_url(url: str) -> bool:
    """Whether ``url`` names this machine (localhost, 127.0.0.0/8, ::1): the one place plain http is allowed."""
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def env_url_name(county_code: str) -> str:
    return f"{ENV_PREFIX}{county_code}_URL"


def env_token_name(county_code: str) -> str:
    return f"{ENV_PREFIX}{county_code}_TOKEN"


def configured_counties_from_env(environ: Mapping[str, str] | None = None) -> list[str]:
    """County codes that have a ``TEACHFLOW_COUNTY_API_<code>_URL``, sorted."""
    environ = os.environ if environ is None else environ
    return sorted(m.group(1) for name in environ if (m := _ENV_URL.match(name)) and environ[name])


def config_from_env(county_code: str, environ: Mapping[str, str] | None = None, **overrides) -> CountyApiConfig | None:
    """The county's configuration from the environment, or None if it has no URL (a file-drop county).

    A URL without a token is an error, not a file-drop county: someone meant to configure it.
    """
    environ = os.environ if environ is None else environ
    url = environ.get(env_url_name(county_code))
    if not url:
        return None
    token = environ.get(env_token_name(county_code), "")
    if not token:
        raise CountyApiConfigError(
            f"county {county_code}: {env_url_name(county_code)} is set but {env_token_name(county_code)} "
            "is not; set the token the county gave the city"
        )
    return CountyApiConfig(
        county_code=county_code,
        base_url=url,
        token=token,
        source=f"environment ({ENV_PREFIX}{county_code}_*)",
        **overrides,
    )
