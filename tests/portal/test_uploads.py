"""The upload helpers: what a file's name says, landing whole, and the Airflow trigger."""

from __future__ import annotations

import dataclasses
import io
import json

import pytest

from teachflow.portal import uploads
from teachflow.settings import load_settings


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("2026-10_teachers.xlsx", ("2026-10", "teachers")),
        ("教师名册202610.xlsx", ("2026-10", "teachers")),
        ("城中区2026年10月教师培训记录.csv", ("2026-10", "training_records")),
        ("teacher_flows-2026.09.csv", ("2026-09", "teacher_flows")),
        ("roster.xlsx", (None, None)),
        ("2026-13 教师名册.xlsx", (None, "teachers")),
    ],
)
def test_the_file_name_says_period_and_dataset(name, expected):
    assert uploads.guess_from_name(name) == expected


def test_landing_writes_the_canonical_path_whole_on_any_fsspec_landing(tmp_path):
    settings = dataclasses.replace(load_settings(), landing="memory://landing-test")
    staged = uploads.stage_upload(settings, "450202", "2026-10", "teachers", "x.csv", io.BytesIO(b"a,b\n1,2\n"))
    relative = uploads.land(settings, staged)
    import fsspec

    fs = fsspec.filesystem("memory")
    assert relative == "450202/2026-10/teachers.csv"
    assert fs.cat("/landing-test/450202/2026-10/teachers.csv") == b"a,b\n1,2\n"
    assert fs.ls("/landing-test/450202/2026-10", detail=False) == ["/landing-test/450202/2026-10/teachers.csv"]
    assert not staged.path.exists()


def test_a_submission_triggers_county_ingest_through_the_rest_api(httpserver):
    httpserver.expect_request("/auth/token", method="POST").respond_with_json({"access_token": "jwt"})
    httpserver.expect_request(
        "/api/v2/dags/county_ingest/dagRuns", method="POST", headers={"Authorization": "Bearer jwt"}
    ).respond_with_json({"dag_run_id": "manual__portal"})
    env = {
        "TEACHFLOW_AIRFLOW_API_URL": httpserver.url_for("/"),
        "TEACHFLOW_AIRFLOW_API_USER": "admin",
        "TEACHFLOW_AIRFLOW_API_PASSWORD": "pw",
    }
    assert uploads.trigger_ingest("450202/2026-10/teachers.csv", env) == "manual__portal"
    body = json.loads(httpserver.log[-1][0].get_data())
    assert body["conf"] == {"files": ["450202/2026-10/teachers.csv"]}


def test_no_api_configured_or_api_down_lands_the_file_anyway():
    assert uploads.trigger_ingest("x", {}) is None
    assert uploads.trigger_ingest("x", {"TEACHFLOW_AIRFLOW_API_URL": "http://127.0.0.1:9"}) is None


def test_staged_uploads_not_submitted_are_removed_after_a_day(tmp_path):
    import os
    import time

    settings = load_settings()
    old = uploads.stage_upload(settings, "450202", "2026-10", "teachers", "a.csv", io.BytesIO(b"a\n1\n"))
    day_ago = time.time() - uploads.STAGING_HOURS * 3600 - 60
    os.utime(old.path.parent, (day_ago, day_ago))
    fresh = uploads.stage_upload(settings, "450202", "2026-10", "teachers", "b.csv", io.BytesIO(b"a\n1\n"))
    assert not old.path.parent.exists() and fresh.path.exists()
    assert uploads.load_staged(settings, old.token, "450202") is None
