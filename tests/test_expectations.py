"""The committed GX suites in expectations/: equal to what the contract builds, and loadable by GX."""

from __future__ import annotations

import argparse
import json

import pytest

from teachflow.commands import expectations as command
from teachflow.contract import DATASETS
from teachflow.problems import CATALOG
from teachflow.settings import project_root
from teachflow.validation.suites import SuiteError, build_suite, load_suite, suite_json_text, write_suites

COMMITTED = project_root() / "expectations"


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="teachflow")
    command.register(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(list(argv))
    return args.func(args)


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_committed_suite_equals_the_contracts(dataset):
    committed = (COMMITTED / f"{dataset}.json").read_text(encoding="utf-8")
    assert committed == suite_json_text(dataset), "run `teachflow expectations build` and commit the result"


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_gx_loads_every_expectation_of_the_committed_suite(dataset):
    raw = json.loads((COMMITTED / f"{dataset}.json").read_text(encoding="utf-8"))
    suite = load_suite(dataset)
    assert suite.name == f"teachflow.{dataset}"
    assert len(suite.expectations) == len(raw["expectations"])
    assert suite.to_json_dict() == raw


@pytest.mark.parametrize("dataset", list(DATASETS))
def test_every_expectation_names_a_row_problem(dataset):
    suite = build_suite(dataset)
    codes = [e.meta["problem_code"] for e in suite.expectations]
    assert codes, f"{dataset} has no expectations"
    assert all(CATALOG[code].severity == "row" for code in codes)


def test_suite_covers_each_required_column_and_vocabulary():
    suite = build_suite("training_records")
    pairs = {(e.expectation_type, e.configuration.kwargs.get("column")) for e in suite.expectations}
    assert {
        ("expect_column_values_to_not_be_null", c.name) for c in DATASETS["training_records"].required_columns
    } <= pairs
    assert ("expect_column_values_to_be_in_set", "level") in pairs
    assert ("expect_column_values_to_be_in_set", "mode") in pairs
    assert ("expect_column_values_to_be_between", "hours") in pairs


def test_suites_are_read_from_the_folder_in_the_environment(tmp_path, monkeypatch):
    write_suites(tmp_path)
    raw = json.loads((tmp_path / "teachers.json").read_text(encoding="utf-8"))
    raw["expectations"] = raw["expectations"][:1]
    (tmp_path / "teachers.json").write_text(json.dumps(raw), encoding="utf-8")
    monkeypatch.setenv("TEACHFLOW_EXPECTATIONS_DIR", str(tmp_path))
    assert len(load_suite("teachers").expectations) == 1


def test_missing_suite_file_is_an_error(tmp_path, monkeypatch):
    monkeypatch.setenv("TEACHFLOW_EXPECTATIONS_DIR", str(tmp_path))
    with pytest.raises(SuiteError, match="teachflow expectations build"):
        load_suite("teachers")


def _break_first_expectation(folder, **changes) -> None:
    write_suites(folder)
    path = folder / "teachers.json"
    raw = json.loads(path.read_text(encoding="utf-8"))
    raw["expectations"][0].update(changes)
    path.write_text(json.dumps(raw), encoding="utf-8")


def test_an_expectation_gx_skips_is_an_error_not_a_shorter_suite(tmp_path):
    _break_first_expectation(tmp_path, type="expect_no_such_thing")
    with pytest.raises(SuiteError, match=r"1 expectation\(s\) did not load"):
        load_suite("teachers", tmp_path)


def test_an_expectation_with_bad_arguments_is_an_error(tmp_path):
    _break_first_expectation(tmp_path, kwargs={"no_such_argument": 1})
    with pytest.raises(SuiteError, match="does not load"):
        load_suite("teachers", tmp_path)


def test_an_expectation_without_problem_code_is_an_error(tmp_path):
    _break_first_expectation(tmp_path, meta={})
    with pytest.raises(SuiteError, match="problem_code"):
        load_suite("teachers", tmp_path)


def test_build_command_writes_the_committed_files(tmp_path, capsys):
    assert _run("expectations", "build", "--dir", str(tmp_path)) == 0
    for dataset in DATASETS:
        assert (tmp_path / f"{dataset}.json").read_bytes() == (COMMITTED / f"{dataset}.json").read_bytes()
    assert _run("expectations", "build", "--dir", str(tmp_path), "--check") == 0
    assert "match the contract" in capsys.readouterr().out


def test_build_check_reports_stale_files(tmp_path):
    from teachflow.cli import CommandError

    write_suites(tmp_path)
    (tmp_path / "teacher_flows.json").write_text("{}", encoding="utf-8")
    (tmp_path / "teachers.json").unlink()
    with pytest.raises(CommandError, match="out of date") as caught:
        _run("expectations", "build", "--dir", str(tmp_path), "--check")
    assert "teachers.json" in str(caught.value)
    assert "teacher_flows.json" in str(caught.value)
    assert "training_records.json" not in str(caught.value)
