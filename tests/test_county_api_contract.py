"""The county API contract under its fuzzer: the reference server, the contract and the puller agree.

Schemathesis (pinned in requirements-dev.txt) runs exactly as a county developer runs it
(docs/county-api.md): its command line, the contract ``docs/county-api.yaml``, the settings
``docs/county-api.schemathesis.toml`` (fixed seed, every check, every warning fails the run), and
the puller's check ``teachflow.pull.contract_fuzz`` as hooks module. The reference server serves a
folder on loopback (a free port) holding the submissions that settings file names.

The run's NDJSON report is read back, so the test asserts what was exercised (every phase, every
status the contract declares, every link followed, every check run on every response, the puller's
check included), not only that the fuzzer exited 0. A second run against a server whose listing
lies about a file's SHA-256 shows what the puller's check adds: Schemathesis' own checks cannot see
that lie (the contract cannot express it), the puller's check fails the run.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

import openpyxl
import pytest
import requests

from teachflow.pull import server as server_module
from teachflow.pull.server import CountyApiServer

ROOT = Path(__file__).resolve().parents[1]
CONTRACT = ROOT / "docs" / "county-api.yaml"
FUZZER_SETTINGS = ROOT / "docs" / "county-api.schemathesis.toml"
COUNTY = "450202"
TOKEN = "fuzz-token"
LISTING, DOWNLOAD = "GET /v1/submissions", "GET /v1/submissions/{period}/{file}"
LINKS = {
    f"{LISTING} -> [200] downloadFirstItem -> {DOWNLOAD}",
    f"{LISTING} -> [200] nextPage -> {LISTING}",
    f"{LISTING} -> [200] samePeriod -> {LISTING}",
    f"{DOWNLOAD} -> [200] revalidate -> {DOWNLOAD}",
}
#: Schemathesis 4.32's built-in checks (max_response_time is on through the settings file).
BUILT_IN_CHECKS = {
    "not_a_server_error",
    "status_code_conformance",
    "content_type_conformance",
    "response_headers_conformance",
    "response_schema_conformance",
    "negative_data_rejection",
    "positive_data_acceptance",
    "missing_required_header",
    "unsupported_method",
    "allow_header_conformance",
    "use_after_free",
    "ensure_resource_availability",
    "ignored_auth",
    "object_level_authorization",
    "max_response_time",
}


#: Every file's time, so that the files' bytes, ETags and ``updated_at`` (and so the whole run) are
#: the same on every run.
FILE_TIME = datetime(2026, 11, 2, 8, 15, tzinfo=UTC)


def write_roster_xlsx(path: Path, teacher_name: str) -> None:
    workbook = openpyxl.Workbook()
    workbook.properties.created = workbook.properties.modified = FILE_TIME.replace(tzinfo=None)
    sheet = workbook.active
    sheet.append(["身份证号", "姓名", "学校代码", "层级", "现任职学校起始日期"])
    sheet.append(["450202197001010011", teacher_name, "2145020001", "无", "2015-09-01"])
    workbook.save(path)


@pytest.fixture
def county_files(tmp_path) -> Path:
    """The submissions the settings file's dictionaries name: rosters as XLSX (the contract's example
    file) for two periods, and CSV flows and training records."""
    root = tmp_path / "county"
    for period in ("2026-09", "2026-10"):
        (root / COUNTY / period).mkdir(parents=True)
        write_roster_xlsx(root / COUNTY / period / "teachers.xlsx", f"教师{period}")
    (root / COUNTY / "2026-10" / "teacher_flows.csv").write_bytes(b"id_number,flow_type\n450202197001010011,rotation\n")
    (root / COUNTY / "2026-10" / "training_records.csv").write_bytes(
        "身份证号,项目\n450202197001010011,新教师培训\n".encode()
    )
    for path in root.rglob("*.*"):
        os.utime(path, (FILE_TIME.timestamp(), FILE_TIME.timestamp()))
    return root


# -- the four mismatches the fuzzer found, one by one (fast, without the fuzzer) -----------------------


@pytest.fixture
def api(county_files):
    with CountyApiServer(county_files, TOKEN) as server:
        yield server


def get(url: str, method: str = "GET", **kwargs) -> requests.Response:
    headers = {"Authorization": f"Bearer {TOKEN}", **kwargs.pop("headers", {})}
    return requests.request(method, url, headers=headers, timeout=5, **kwargs)


def assert_error_body(response: requests.Response, status: int, *words: str) -> None:
    """The contract's ``Error`` body: JSON with the reason phrase, and a message (Chinese, then English)."""
    assert response.status_code == status
    assert response.headers["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert body["error"] == response.reason
    for word in words:
        assert word in body["message"]


@pytest.mark.parametrize(
    "query",
    [
        {"period": ""},
        {"period": "2026-13"},
        {"period": "2026-10\n"},
        {"period": "٢٠٢٦-10"},
        {"page_size": "0"},
        {"page_size": "1001"},
        {"page_size": "1.5"},
        {"page_size": "+5"},
        {"period": ["2026-09", "2026-10"]},
    ],
)
def test_every_declared_parameter_rule_is_answered_400_with_the_error_body(api, query):
    response = get(f"{api.county_url(COUNTY)}/v1/submissions", params=query)
    assert_error_body(response, 400, next(iter(query)))


@pytest.mark.parametrize("path", ["2026-13/teachers.xlsx", "2026-10/teachers.exe", "2026-10/Teachers.csv"])
def test_a_download_path_that_breaks_its_pattern_is_answered_400(api, path):
    assert_error_body(get(f"{api.county_url(COUNTY)}/v1/submissions/{path}"), 400, "YYYY-MM")


def test_page_tokens_are_opaque_strings_and_pages_neither_skip_nor_repeat(api, county_files):
    url = f"{api.county_url(COUNTY)}/v1/submissions"
    first = get(url, params={"page_size": 2}).json()
    # A file that appears between two pages does not shift the pages that follow.
    (county_files / COUNTY / "2026-09" / "teacher_flows.csv").write_bytes(b"id_number,flow_type\n")
    second = get(url, params={"page_size": 2, "page_token": first["next_page_token"]}).json()
    keys = [f"{i['period']}/{i['dataset']}.{i['format']}" for page in (first, second) for i in page["items"]]
    assert keys == [
        "2026-09/teachers.xlsx",
        "2026-10/teacher_flows.csv",
        "2026-10/teachers.xlsx",
        "2026-10/training_records.csv",
    ]
    assert second["next_page_token"] is None
    # A token the server never issued is a position in the listing, not an error.
    assert get(url, params={"page_token": "2026-10/teachers"}).json()["items"][0]["dataset"] == "teachers"
    assert get(url, params={"page_token": "zzz"}).json() == {
        "county_code": COUNTY,
        "items": [],
        "next_page_token": None,
    }
    # An empty token (a valid string) is the start of the listing, now with the new file first.
    assert get(url, params={"page_token": ""}).json()["items"][0]["dataset"] == "teacher_flows"


@pytest.mark.parametrize("method", ["TRACE", "PUT", "POST", "DELETE", "PATCH", "OPTIONS", "QUERY", "BREW"])
@pytest.mark.parametrize("path", ["/v1/submissions", "/v1/submissions/2026-10/teachers.xlsx"])
def test_an_undeclared_method_is_answered_405_with_allow_and_the_error_body(api, method, path):
    response = get(api.county_url(COUNTY) + path, method=method, data=b"x" if method == "POST" else None)
    assert_error_body(response, 405, method)
    assert response.headers["Allow"] == "GET, HEAD"


def test_head_answers_the_headers_of_get_without_a_body(api):
    url = f"{api.county_url(COUNTY)}/v1/submissions/2026-10/teachers.xlsx"
    head, full = get(url, method="HEAD"), get(url)
    assert (head.status_code, head.content) == (200, b"")
    assert head.headers["ETag"] == full.headers["ETag"]
    assert head.headers["Content-Length"] == str(len(full.content))


def test_http_servers_own_errors_are_the_contracts_json_too(api):
    """A request http.server itself refuses (here a request line of four words) gets the JSON body, not HTML."""
    with socket.create_connection(api.httpd.server_address[:2], timeout=5) as connection:
        connection.sendall(b"GET /counties/450202/v1/submissions x HTTP/1.1\r\n\r\n")
        answer = connection.makefile("rb").read().decode("utf-8")
    head, _, body = answer.partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 400 ") and "Content-Type: application/json" in head
    assert json.loads(body)["error"] == "Bad Request"


# -- the contract fuzzer ----------------------------------------------------------------------------


def run_fuzzer(base_url: str, workdir: Path, *options: str) -> tuple[subprocess.CompletedProcess, list[dict]]:
    """``schemathesis run`` as docs/county-api.md shows it, plus an NDJSON report; its working folder
    is ``workdir`` so its caches stay out of the checkout."""
    reports = workdir / "reports"
    command = [
        *(sys.executable, "-m", "schemathesis.cli", "--no-color", "--config-file", str(FUZZER_SETTINGS)),
        *("run", str(CONTRACT), "--url", base_url, "-H", f"Authorization: Bearer {TOKEN}"),
        *("--report", "ndjson", "--report-dir", str(reports), *options),
    ]
    env = {**os.environ, "SCHEMATHESIS_HOOKS": "teachflow.pull.contract_fuzz"}
    run = subprocess.run(command, cwd=workdir, env=env, capture_output=True, text=True, timeout=600)
    [report] = reports.glob("*.ndjson")
    events = [json.loads(line) for line in report.read_text(encoding="utf-8").splitlines()]
    return run, events


def finished_scenarios(events: list[dict]) -> list[dict]:
    return [e["ScenarioFinished"]["recorder"] for e in events if e.get("ScenarioFinished", {}).get("recorder")]


def operation_of(case: dict) -> str:
    return f"{case['value']['method']} {case['value']['path']}"


def test_the_reference_server_passes_the_contract_fuzzer_and_the_puller_takes_every_answer(county_files, tmp_path):
    with CountyApiServer(county_files, TOKEN) as server:
        run, events = run_fuzzer(server.county_url(COUNTY), tmp_path)
    output = run.stdout + run.stderr

    # No failure and no warning: the settings file makes every warning fail the run.
    assert run.returncode == 0, output
    assert "No issues found" in output and "WARNINGS" not in output, output

    phases = {e["PhaseFinished"]["phase"]["name"]: e["PhaseFinished"]["status"] for e in events if "PhaseFinished" in e}
    assert {phases[p] for p in ("examples", "coverage", "fuzzing", "stateful")} == {"success"}, phases

    statuses: dict[str, Counter] = {}
    checks: dict[str, Counter] = {}
    links_followed = set()
    for recorder in finished_scenarios(events):
        for case_id, interaction in recorder.get("interactions", {}).items():
            case = recorder["cases"][case_id]
            label = operation_of(case)
            method = interaction["request"]["method"]
            key = label if method == "GET" else f"{method} (undeclared) {case['value']['path']}"
            statuses.setdefault(key, Counter())[interaction["response"]["status_code"]] += 1
            transition = case.get("transition")
            if transition and case.get("is_transition_applied"):
                links_followed.add(transition["id"])
        for results in recorder.get("checks", {}).values():
            for result in results:
                checks.setdefault(result["name"], Counter())[result["status"]] += 1

    # Every operation answered with each status the generated cases call for.
    assert {200, 400, 401}.issubset(statuses[LISTING]), statuses
    assert {200, 304, 400, 401, 404}.issubset(statuses[DOWNLOAD]), statuses
    undeclared = {k: c for k, c in statuses.items() if "(undeclared)" in k}
    assert any(k.startswith("TRACE ") for k in undeclared), undeclared
    assert {s for c in undeclared.values() for s in c} == {405}, undeclared
    # Stateful testing followed every link of the contract (listing -> file -> 304, pages, periods).
    assert links_followed == LINKS
    # Every check ran, none failed; the puller's check judged the successful answers.
    assert BUILT_IN_CHECKS | {"puller_accepts"} <= set(checks), sorted(checks)
    assert not [name for name, counts in checks.items() if counts["failure"]], checks
    assert checks["puller_accepts"]["success"] > 100, checks["puller_accepts"]


def test_the_puller_check_fails_a_listing_whose_sha256_does_not_describe_the_file(county_files, tmp_path, monkeypatch):
    """A server whose listing gives the roster a wrong SHA-256 satisfies every rule the contract can
    state; the puller would discard each download of it, and its check says so."""
    wrong = "0" * 64
    as_item = server_module._Entry.as_item
    monkeypatch.setattr(
        server_module._Entry,
        "as_item",
        lambda entry: {**as_item(entry), **({"sha256": wrong} if entry.dataset == "teachers" else {})},
    )

    with CountyApiServer(county_files, TOKEN) as server:
        run, events = run_fuzzer(server.county_url(COUNTY), tmp_path, "--phases", "examples")
    output = run.stdout + run.stderr

    assert run.returncode == 1, output
    assert "Custom check failed: `puller_accepts`" in output
    assert "but the listing says" in output and f"with {wrong}: the puller discards this download" in output
    failed = {
        result["name"]
        for recorder in finished_scenarios(events)
        for results in recorder.get("checks", {}).values()
        for result in results
        if result["status"] == "failure"
    }
    assert failed == {"puller_accepts"}
