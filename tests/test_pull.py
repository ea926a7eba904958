"""Pulling county submissions over HTTP, against real servers on 127.0.0.1 (never mocks of requests).

The reference server (``teachflow serve-county-api``) serves the well-behaved cases; pytest-httpserver
plays the misbehaving county systems (5xx, 429, truncated bodies, wrong checksums, slow answers).
Every retry loop runs with tiny delays: waits go through a recording ``sleep`` so that a test asserts
which waits were asked for without taking them.
"""

from __future__ import annotations

import hashlib
import json
import logging
import time
from pathlib import Path

import pytest
from werkzeug import Request, Response

from teachflow.pull.client import (
    CountyApiAuthError,
    CountyApiNotFoundError,
    CountyApiProtocolError,
    CountyApiUnavailableError,
    parse_retry_after,
)
from teachflow.pull.config import CountyApiConfig, CountyApiConfigError, config_from_env, configured_counties_from_env
from teachflow.pull.puller import STATE_FOLDER, CountyPullError, pull_county
from teachflow.pull.server import CountyApiServer

COUNTY = "450202"
TOKEN = "s3cret-token"
ROSTER = "id_number,name,school_code,tier,current_school_since\n450202197001010011,教师,2145020001,无,2015-09-01\n"
FLOWS = b"id_number,flow_type\n450202197001010011,rotation\n"


class Waits(list):
    """A ``sleep`` that records each wait instead of taking it."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def pull_messages(caplog) -> list[str]:
    """The puller's log lines only (other loggers, e.g. Airflow's, may log in the same test)."""
    return [r.getMessage() for r in caplog.records if r.name.startswith("teachflow.pull")]


def sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def config(base_url: str, **overrides) -> CountyApiConfig:
    """Test values: short timeouts, 3 attempts, backoff in hundredths of a second, all bounded."""
    values = {
        "connect_timeout": 2.0,
        "read_timeout": 2.0,
        "max_attempts": 3,
        "backoff_base": 0.01,
        "backoff_max": 0.05,
        "retry_after_cap": 60.0,
        "request_deadline": 10.0,
        "page_size": 100,
        "max_pages": 20,
        **overrides,
    }
    return CountyApiConfig(COUNTY, base_url, TOKEN, **values)


def landed_files(landing: Path) -> dict[str, bytes]:
    """Every file below the landing root, hidden state and temporary files included."""
    return {p.relative_to(landing).as_posix(): p.read_bytes() for p in sorted(landing.rglob("*")) if p.is_file()}


@pytest.fixture
def source(tmp_path) -> Path:
    """A county system's files, laid out like the landing zone."""
    folder = tmp_path / "source" / COUNTY / "2026-10"
    folder.mkdir(parents=True)
    (folder / "teachers.csv").write_text(ROSTER, encoding="utf-8")
    (folder / "teacher_flows.csv").write_bytes(FLOWS)
    return tmp_path / "source"


@pytest.fixture
def api(source):
    with CountyApiServer(source, TOKEN) as server:
        yield server


@pytest.fixture
def landing(tmp_path) -> Path:
    return tmp_path / "landing"


def item(data: bytes, dataset: str = "teachers", period: str = "2026-10", **changes) -> dict:
    return {
        "period": period,
        "dataset": dataset,
        "format": "csv",
        "sha256": sha(data),
        "size": len(data),
        "updated_at": "2026-11-02T08:00:00Z",
        **changes,
    }


def listing(*items: dict, next_page_token: str | None = None) -> dict:
    return {"county_code": COUNTY, "items": list(items), "next_page_token": next_page_token}


LIST_PATH = f"/c/{COUNTY}/v1/submissions"
FILE_PATH = f"/c/{COUNTY}/v1/submissions/2026-10/teachers.csv"


# -- the reference server: the well-behaved county ------------------------------------------------


def test_pull_lands_each_file_in_the_spec_layout_and_logs_it(api, source, landing, caplog):
    caplog.set_level(logging.INFO, logger="teachflow.pull")

    result = pull_county(config(api.county_url(COUNTY)), str(landing), max_file_bytes=10_000)

    files = landed_files(landing)
    assert files[f"{COUNTY}/2026-10/teachers.csv"] == ROSTER.encode("utf-8")
    assert files[f"{COUNTY}/2026-10/teacher_flows.csv"] == FLOWS
    assert sorted(files) == [
        f"{STATE_FOLDER}/{COUNTY}.json",
        f"{COUNTY}/2026-10/teacher_flows.csv",
        f"{COUNTY}/2026-10/teachers.csv",
    ]
    state = json.loads(files[f"{STATE_FOLDER}/{COUNTY}.json"])["files"]
    assert state["2026-10/teacher_flows.csv"]["sha256"] == sha(FLOWS)
    assert state["2026-10/teacher_flows.csv"]["etag"] == f'"{sha(FLOWS)}"'
    assert result.landed == [f"{COUNTY}/2026-10/teacher_flows.csv", f"{COUNTY}/2026-10/teachers.csv"]
    assert result.failed == []
    messages = [r.getMessage() for r in caplog.records]
    assert f"county {COUNTY}: 2 submission(s) offered at {api.county_url(COUNTY)}" in messages
    assert any(
        m.startswith(f"county {COUNTY}: landed {COUNTY}/2026-10/teachers.csv ({len(ROSTER.encode())} bytes")
        for m in messages
    )
    assert messages[-1] == f"county {COUNTY}: 2 landed, 0 unchanged, 0 failed"


def test_an_unchanged_file_is_not_downloaded_twice_and_a_changed_one_replaces_it(api, source, landing, caplog):
    caplog.set_level(logging.DEBUG, logger="teachflow.pull")
    cfg = config(api.county_url(COUNTY))
    pull_county(cfg, str(landing), max_file_bytes=10_000)
    caplog.clear()

    again = pull_county(cfg, str(landing), max_file_bytes=10_000)

    assert again.landed == [] and len(again.unchanged) == 2
    requests_seen = [r.getMessage() for r in caplog.records if r.name == "teachflow.pull.server"]
    assert len(requests_seen) == 1 and "GET /counties/450202/v1/submissions?page_size=100" in requests_seen[0]

    (source / COUNTY / "2026-10" / "teachers.csv").write_text(ROSTER + ROSTER.splitlines()[1] + "\n", encoding="utf-8")
    changed = pull_county(cfg, str(landing), max_file_bytes=10_000)

    assert changed.landed == [f"{COUNTY}/2026-10/teachers.csv"]
    assert changed.unchanged == [f"{COUNTY}/2026-10/teacher_flows.csv"]
    assert (landing / COUNTY / "2026-10" / "teachers.csv").read_text(encoding="utf-8").count("\n") == 3


def test_a_file_already_in_the_landing_zone_is_recognised_without_state(api, source, landing, caplog):
    caplog.set_level(logging.DEBUG, logger="teachflow.pull")
    pull_county(config(api.county_url(COUNTY)), str(landing), max_file_bytes=10_000)
    (landing / STATE_FOLDER / f"{COUNTY}.json").unlink()
    caplog.clear()

    result = pull_county(config(api.county_url(COUNTY)), str(landing), max_file_bytes=10_000)

    assert result.landed == [] and len(result.unchanged) == 2
    downloads = [
        r.getMessage() for r in caplog.records if r.name == "teachflow.pull.server" and "/2026-10/" in r.getMessage()
    ]
    assert downloads == []
    assert json.loads((landing / STATE_FOLDER / f"{COUNTY}.json").read_text())["files"]["2026-10/teachers.csv"][
        "sha256"
    ] == sha(ROSTER.encode())


def test_listing_follows_every_page(source, landing, caplog):
    for month in ("2026-07", "2026-08", "2026-09"):
        (source / COUNTY / month).mkdir()
        (source / COUNTY / month / "training_records.csv").write_text(f"month,{month}\n", encoding="utf-8")
    caplog.set_level(logging.DEBUG, logger="teachflow.pull")

    with CountyApiServer(source, TOKEN) as server:
        result = pull_county(config(server.county_url(COUNTY), page_size=2), str(landing), max_file_bytes=10_000)

    assert len(result.landed) == 5
    assert (landing / COUNTY / "2026-08" / "training_records.csv").read_text(encoding="utf-8") == "month,2026-08\n"
    pages = [r.getMessage() for r in caplog.records if "listing page" in r.getMessage()]
    assert pages == [f"county {COUNTY}: listing page {n}: {k} item(s)" for n, k in ((1, 2), (2, 2), (3, 1))]


def test_period_narrows_the_listing(source, landing):
    (source / COUNTY / "2026-09").mkdir()
    (source / COUNTY / "2026-09" / "teachers.csv").write_text(ROSTER, encoding="utf-8")
    with CountyApiServer(source, TOKEN) as server:
        result = pull_county(config(server.county_url(COUNTY)), str(landing), max_file_bytes=10_000, period="2026-09")
    assert result.landed == [f"{COUNTY}/2026-09/teachers.csv"]
    assert not (landing / COUNTY / "2026-10").exists()


def test_401_is_not_retried_and_says_which_county_and_what_to_fix(api, landing):
    waits = Waits()
    cfg = CountyApiConfig(COUNTY, api.county_url(COUNTY), "wrong-token", source=f"connection county_api_{COUNTY}")

    with pytest.raises(CountyApiAuthError) as raised:
        pull_county(cfg, str(landing), max_file_bytes=10_000, sleep=waits)

    message = str(raised.value)
    assert message.startswith(f"county {COUNTY}: ")
    assert "HTTP 401" in message and f"set it in connection county_api_{COUNTY}" in message
    assert waits == []
    assert not landing.exists()


def test_404_on_the_listing_points_at_the_base_url(api, landing):
    cfg = config(api.url + "/counties/450299")  # a county the server does not have
    with pytest.raises(CountyApiNotFoundError, match="Check the base URL"):
        pull_county(cfg, str(landing), max_file_bytes=10_000)


def test_a_file_over_the_cap_is_not_downloaded_and_the_others_land(api, source, landing, caplog):
    caplog.set_level(logging.DEBUG, logger="teachflow")
    cap = len(FLOWS) + 1  # the roster is larger than this, the flows file is not

    result = pull_county(config(api.county_url(COUNTY)), str(landing), max_file_bytes=cap)

    assert sorted(landed_files(landing)) == [f"{STATE_FOLDER}/{COUNTY}.json", f"{COUNTY}/2026-10/teacher_flows.csv"]
    assert result.landed == [f"{COUNTY}/2026-10/teacher_flows.csv"]
    [(path, why)] = result.failed
    assert path == f"{COUNTY}/2026-10/teachers.csv"
    assert f"over the cap of {cap} (TEACHFLOW_MAX_FILE_BYTES)" in why
    assert not any(
        "2026-10/teachers.csv HTTP" in r.getMessage() for r in caplog.records if r.name == "teachflow.pull.server"
    )
    with pytest.raises(CountyPullError, match=f"county {COUNTY}: 1 file\\(s\\) not pulled"):
        result.raise_for_failures()


# -- misbehaving county systems (pytest-httpserver) ------------------------------------------------


def test_500_twice_then_success(httpserver, landing, caplog):
    caplog.set_level(logging.WARNING, logger="teachflow.pull")
    body = ROSTER.encode("utf-8")
    answers = iter([Response("boom", status=500), Response("boom", status=503), Response(body, status=200)])
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(body)))
    httpserver.expect_request(FILE_PATH).respond_with_handler(lambda request: next(answers))
    waits = Waits()

    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000, sleep=waits)

    assert result.landed == [f"{COUNTY}/2026-10/teachers.csv"]
    assert (landing / COUNTY / "2026-10" / "teachers.csv").read_bytes() == body
    assert len(waits) == 2 and all(0 <= w <= 0.05 for w in waits)  # jittered, within the backoff cap
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings[0].startswith(
        f"county {COUNTY}: download of {COUNTY}/2026-10/teachers.csv failed (HTTP 500), attempt 1 of 3"
    )
    assert "(HTTP 503), attempt 2 of 3" in warnings[1]


def test_5xx_on_every_attempt_gives_up_after_max_attempts(httpserver, landing):
    httpserver.expect_request(LIST_PATH).respond_with_data("down", status=502)
    waits = Waits()
    with pytest.raises(CountyApiUnavailableError) as raised:
        pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000, sleep=waits)
    assert "failed after 3 attempt(s): HTTP 502" in str(raised.value)
    assert str(raised.value).startswith(f"county {COUNTY}: listing page 1")
    assert len(waits) == 2
    assert len(httpserver.log) == 3
    assert not landing.exists()


@pytest.mark.parametrize(("retry_after", "cap", "expected_wait"), [("2", 60.0, 2.0), ("120", 0.5, 0.5)])
def test_429_honours_retry_after_up_to_the_cap(httpserver, landing, retry_after, cap, expected_wait):
    body = FLOWS
    answers = iter(
        [
            Response("slow down", status=429, headers={"Retry-After": retry_after}),
            Response(json.dumps(listing(item(body, "teacher_flows"))), status=200, content_type="application/json"),
        ]
    )
    httpserver.expect_request(LIST_PATH).respond_with_handler(lambda request: next(answers))
    httpserver.expect_request(f"/c/{COUNTY}/v1/submissions/2026-10/teacher_flows.csv").respond_with_data(body)
    waits = Waits()

    result = pull_county(
        config(httpserver.url_for(f"/c/{COUNTY}"), retry_after_cap=cap),
        str(landing),
        max_file_bytes=10_000,
        sleep=waits,
    )

    assert waits == [expected_wait]
    assert result.landed == [f"{COUNTY}/2026-10/teacher_flows.csv"]
    assert (landing / COUNTY / "2026-10" / "teacher_flows.csv").read_bytes() == body


def test_retry_after_as_an_http_date():
    import datetime as dt

    now = dt.datetime(2026, 11, 23, 8, 0, 0, tzinfo=dt.UTC)
    assert parse_retry_after("Mon, 23 Nov 2026 08:00:30 GMT", now) == 30.0
    assert parse_retry_after("soon", now) is None


def _truncated(body: bytes):
    """A handler that promises ``len(body)`` bytes and hangs up after half of them."""

    def handler(request: Request) -> Response:
        response = Response(iter([body[: len(body) // 2]]), status=200)
        response.headers["Content-Length"] = str(len(body))
        return response

    return handler


def test_a_truncated_body_is_retried_and_never_lands_half(httpserver, landing, caplog):
    caplog.set_level(logging.WARNING, logger="teachflow.pull")
    body = ROSTER.encode("utf-8") * 50
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(body)))
    httpserver.expect_request(FILE_PATH).respond_with_handler(_truncated(body))
    waits = Waits()

    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=100_000, sleep=waits)

    assert result.landed == []
    [(path, why)] = result.failed
    assert path == f"{COUNTY}/2026-10/teachers.csv"
    assert "failed after 3 attempt(s): download broken after" in why
    assert landed_files(landing) == {}  # no half file, no temporary file, no state
    assert len(waits) == 2
    assert any("download broken after" in m for m in pull_messages(caplog))


def test_a_truncated_body_then_a_whole_one_lands_the_whole_one(httpserver, landing):
    body = ROSTER.encode("utf-8") * 50
    handlers = iter([_truncated(body), lambda request: Response(body)])
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(body)))
    httpserver.expect_request(FILE_PATH).respond_with_handler(lambda request: next(handlers)(request))

    result = pull_county(
        config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=100_000, sleep=Waits()
    )

    assert result.landed == [f"{COUNTY}/2026-10/teachers.csv"]
    assert (landing / COUNTY / "2026-10" / "teachers.csv").read_bytes() == body


def test_a_checksum_mismatch_is_not_landed(httpserver, landing, caplog):
    caplog.set_level(logging.ERROR, logger="teachflow.pull")
    served = ROSTER.encode("utf-8")
    promised = served.replace(b"2015", b"2016")  # same size, other bytes
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(promised)))
    httpserver.expect_request(FILE_PATH).respond_with_data(served)

    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000, sleep=Waits())

    assert result.landed == []
    [(path, why)] = result.failed
    assert path == f"{COUNTY}/2026-10/teachers.csv"
    assert (
        f"received {len(served)} bytes with SHA-256 {sha(served)[:12]}…, the listing says {len(promised)} bytes" in why
    )
    assert sorted(landed_files(landing)) == []
    assert len([e for e in httpserver.log if e[0].path == FILE_PATH]) == 1  # not retried within the run
    assert any(
        m.startswith(f"county {COUNTY}: {COUNTY}/2026-10/teachers.csv not pulled:") for m in pull_messages(caplog)
    )


def test_a_body_larger_than_the_listing_said_stops_at_the_cap(httpserver, landing):
    body = b"x" * 5000
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(b"small")))
    httpserver.expect_request(FILE_PATH).respond_with_handler(
        lambda request: Response(iter([body[:2500], body[2500:]]))
    )

    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=1000, sleep=Waits())

    [(_, why)] = result.failed
    assert "over the cap of 1000" in why
    assert landed_files(landing) == {}


def test_a_slow_server_past_the_read_timeout_fails_after_bounded_attempts(httpserver, landing):
    def slow(request: Request) -> Response:
        time.sleep(0.6)
        return Response(json.dumps(listing()), content_type="application/json")

    httpserver.expect_request(LIST_PATH).respond_with_handler(slow)
    waits = Waits()
    cfg = config(httpserver.url_for(f"/c/{COUNTY}"), read_timeout=0.2, max_attempts=2)

    with pytest.raises(CountyApiUnavailableError) as raised:
        pull_county(cfg, str(landing), max_file_bytes=10_000, sleep=waits)

    assert "failed after 2 attempt(s): ReadTimeout" in str(raised.value)
    assert len(waits) == 1
    assert not landing.exists()


def test_a_listing_for_another_county_is_refused(httpserver, landing):
    httpserver.expect_request(LIST_PATH).respond_with_json(
        {"county_code": "450203", "items": [], "next_page_token": None}
    )
    with pytest.raises(CountyApiProtocolError, match="points at another county's system"):
        pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000)


def test_a_page_token_that_repeats_ends_the_listing_with_an_error(httpserver, landing):
    httpserver.expect_request(LIST_PATH).respond_with_json(listing(item(FLOWS), next_page_token="again"))
    with pytest.raises(CountyApiProtocolError, match="repeats page token 'again'"):
        pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000)
    assert len(httpserver.log) == 2


def test_listing_items_that_break_the_contract_are_reported_not_landed(httpserver, landing):
    httpserver.expect_request(LIST_PATH).respond_with_json(
        listing(
            item(FLOWS, dataset="../../etc"),
            item(FLOWS, period="2026-13"),
            item(FLOWS, format="exe"),
            item(FLOWS, period="2026-10\n"),  # Python's "$" would let the newline into a folder name
            item(FLOWS, dataset="teachers\n"),
            item(FLOWS, period="٢٠٢٦-10"),  # Unicode digits: "\d" in Python, not in the contract
            item(FLOWS, size=5.5),
        )
    )
    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000)
    assert [why.split(": ", 1)[1] for _, why in result.failed] == [
        "dataset must be a lower-case name such as teachers",
        "period must be YYYY-MM",
        "format must be one of csv, xlsx",
        "period must be YYYY-MM",
        "dataset must be a lower-case name such as teachers",
        "period must be YYYY-MM",
        "size must be a non-negative integer",
    ]
    assert not landing.exists()


def test_a_size_written_as_an_integral_number_is_a_size(httpserver, landing):
    """JSON Schema's ``integer`` (the contract's type of ``size``) includes 31.0; the puller takes it."""
    httpserver.expect_request(LIST_PATH).respond_with_json(
        listing(item(FLOWS, dataset="teacher_flows", size=float(len(FLOWS))))
    )
    httpserver.expect_request(FILE_PATH.replace("teachers", "teacher_flows")).respond_with_data(FLOWS)
    result = pull_county(config(httpserver.url_for(f"/c/{COUNTY}")), str(landing), max_file_bytes=10_000)
    assert result.failed == [] and result.landed == [f"{COUNTY}/2026-10/teacher_flows.csv"]
    assert (landing / COUNTY / "2026-10" / "teacher_flows.csv").read_bytes() == FLOWS


def test_a_page_size_outside_the_contract_is_a_configuration_error():
    with pytest.raises(CountyApiConfigError, match="page_size must be from 1 to 1000"):
        config("https://edu.example/api", page_size=5000)


# -- configuration and the command line -------------------------------------------------------------


def test_configuration_from_the_environment():
    env = {
        f"TEACHFLOW_COUNTY_API_{COUNTY}_URL": "https://edu.example/api",
        f"TEACHFLOW_COUNTY_API_{COUNTY}_TOKEN": TOKEN,
        "TEACHFLOW_COUNTY_API_450203_URL": "https://other.example",
    }
    assert configured_counties_from_env(env) == [COUNTY, "450203"]
    cfg = config_from_env(COUNTY, env)
    assert (cfg.base_url, cfg.token, cfg.url("v1/submissions")) == (
        "https://edu.example/api",
        TOKEN,
        "https://edu.example/api/v1/submissions",
    )
    assert TOKEN not in repr(cfg)
    assert config_from_env("450204", env) is None  # a file-drop county
    with pytest.raises(CountyApiConfigError, match="TEACHFLOW_COUNTY_API_450203_TOKEN is not"):
        config_from_env("450203", env)


def _main_with_pull(monkeypatch):
    from teachflow import cli

    if "teachflow.commands.pull" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "teachflow.commands.pull"))
    return cli.main


def test_teachflow_pull_command(api, landing, monkeypatch, capsys):
    main = _main_with_pull(monkeypatch)
    monkeypatch.setenv("TEACHFLOW_LANDING", str(landing))
    monkeypatch.setenv(f"TEACHFLOW_COUNTY_API_{COUNTY}_URL", api.county_url(COUNTY))
    monkeypatch.setenv(f"TEACHFLOW_COUNTY_API_{COUNTY}_TOKEN", TOKEN)

    assert main(["pull", "--period", "2026-10"]) == 0
    out = capsys.readouterr().out
    assert f"county {COUNTY}: 2 landed, 0 unchanged, 0 failed" in out
    assert (landing / COUNTY / "2026-10" / "teachers.csv").read_text(encoding="utf-8") == ROSTER

    monkeypatch.setenv(f"TEACHFLOW_COUNTY_API_{COUNTY}_TOKEN", "expired")
    assert main(["pull"]) == 1
    assert (
        f"FAILED county {COUNTY}: {api.county_url(COUNTY)}/v1/submissions rejected the token" in capsys.readouterr().out
    )

    assert main(["pull", "--county", "450203"]) == 2
    assert "county 450203 has no API configured: set TEACHFLOW_COUNTY_API_450203_URL" in capsys.readouterr().err


# -- the contract document and the demo -------------------------------------------------------------


def test_the_reference_server_answers_as_the_openapi_document_says(api, source):
    import jsonschema
    import requests
    import yaml

    document = yaml.safe_load((Path(__file__).resolve().parents[1] / "docs" / "county-api.yaml").read_text("utf-8"))
    schemas = document["components"]["schemas"]
    page_schema = {"$defs": schemas, **schemas["SubmissionPage"]}
    page_schema = json.loads(json.dumps(page_schema).replace("#/components/schemas/", "#/$defs/"))
    example = document["paths"]["/v1/submissions"]["get"]["responses"]["200"]["content"]["application/json"]["example"]
    jsonschema.Draft202012Validator(page_schema).validate(example)

    with requests.Session() as session:
        session.headers["Authorization"] = f"Bearer {TOKEN}"
        page = session.get(f"{api.county_url(COUNTY)}/v1/submissions", params={"page_size": 1}, timeout=5).json()
        jsonschema.Draft202012Validator(page_schema).validate(page)
        # The token is the key of the page's last item (keyset pagination), opaque to the puller.
        assert page["next_page_token"] == "2026-10/teacher_flows.csv" and len(page["items"]) == 1
        download = session.get(f"{api.county_url(COUNTY)}/v1/submissions/2026-10/teacher_flows.csv", timeout=5)
        assert (download.status_code, download.content, download.headers["ETag"]) == (200, FLOWS, f'"{sha(FLOWS)}"')
        again = session.get(
            f"{api.county_url(COUNTY)}/v1/submissions/2026-10/teacher_flows.csv",
            headers={"If-None-Match": download.headers["ETag"]},
            timeout=5,
        )
        assert (again.status_code, again.content) == (304, b"")


def test_demo_pull_serves_one_county_and_pulls_it_back(tmp_path, monkeypatch):
    from teachflow.pull.demo import demo_source, run_demo_pull
    from teachflow.settings import load_settings

    landing = tmp_path / "landing"
    monkeypatch.setenv("TEACHFLOW_LANDING", str(landing))
    files = {f"{COUNTY}/2026-09/teachers.csv": ROSTER.encode(), f"{COUNTY}/2026-10/teacher_flows.csv": FLOWS}
    for relative, data in files.items():
        (landing / relative).parent.mkdir(parents=True, exist_ok=True)
        (landing / relative).write_bytes(data)
    (landing / "450203" / "2026-10").mkdir(parents=True)
    (landing / "450203" / "2026-10" / "teachers.csv").write_bytes(b"other county\n")
    settings = load_settings()

    for _ in range(2):  # a second demo gives the same landing zone
        result = run_demo_pull(settings, COUNTY)
        assert sorted(result.landed) == sorted(files)
        on_disk = {k: v for k, v in landed_files(landing).items() if not k.startswith(".")}
        assert on_disk == {**files, "450203/2026-10/teachers.csv": b"other county\n"}
    assert (demo_source(settings) / COUNTY / "2026-10" / "teacher_flows.csv").read_bytes() == FLOWS


def test_an_unreadable_pull_state_is_rebuilt_from_the_landing_zone(api, landing, caplog):
    pull_county(config(api.county_url(COUNTY)), str(landing), max_file_bytes=10_000)
    (landing / STATE_FOLDER / f"{COUNTY}.json").write_text("{not json", encoding="utf-8")
    caplog.set_level(logging.WARNING, logger="teachflow.pull")

    result = pull_county(config(api.county_url(COUNTY)), str(landing), max_file_bytes=10_000)

    assert result.landed == [] and len(result.unchanged) == 2
    assert any("pull state" in m and "unreadable" in m for m in pull_messages(caplog))
    assert set(json.loads((landing / STATE_FOLDER / f"{COUNTY}.json").read_text())["files"]) == {
        "2026-10/teachers.csv",
        "2026-10/teacher_flows.csv",
    }
