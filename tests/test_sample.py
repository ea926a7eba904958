"""``teachflow sample``: a small synthetic city, checked the way the pipeline will read it."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from teachflow.cli import main
from teachflow.contract import DATASETS, REFERENCE_FILES
from teachflow.reference import load_reference
from teachflow.resident_id import birth_date_of, id_problem
from teachflow.sample import SampleParams, generate
from teachflow.vocabularies import VOCABULARIES

SMALL = {"counties": 3, "schools": 40, "communities": 4, "teachers": 600, "months": 3}
DATASET_NAMES = "teachers|teacher_flows|training_records|pairings|support_activities|assessment_ratings"
LANDING_PATH = re.compile(rf"^(\d{{6}})/(\d{{4}}-\d{{2}})/({DATASET_NAMES})\.(csv|xlsx)$")
#: The date forms the contract accepts (Excel date cells come back as datetimes).
DATE_FORMS = tuple(
    re.compile(pattern)
    for pattern in (
        r"^(\d{4})-(\d{1,2})-(\d{1,2})$",
        r"^(\d{4})/(\d{1,2})/(\d{1,2})$",
        r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$",
        r"^(\d{4})年(\d{1,2})月(\d{1,2})日$",
        r"^(\d{4})(\d{2})(\d{2})$",
    )
)


# --- reading the files back, as a county clerk's file is read -----------------------------------
def parse_date(value) -> dt.date | None:
    if value is None or value == "":
        return None
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    for pattern in DATE_FORMS:
        match = pattern.match(value)
        if match:
            return dt.date(*map(int, match.groups()))
    raise AssertionError(f"not a date in an accepted form: {value!r}")


def read_drop(root: Path, record: dict) -> tuple[list[str], list[tuple[int, dict]]]:
    """The file's header (as written) and its data rows as (Excel row number, English name -> value)."""
    dataset = DATASETS[record["dataset"]]
    english = {h: c.name for c in dataset.columns for h in c.headers}
    path = root / record["path"]
    if record["format"] == "xlsx":
        from openpyxl import load_workbook

        book = load_workbook(path, read_only=True)
        lines = [(n, list(r)) for n, r in enumerate(book.worksheets[0].iter_rows(values_only=True), start=1)]
        book.close()
    else:
        encoding = "gb18030" if record["encoding"] == "gbk" else record["encoding"]
        text = path.read_bytes().decode(encoding)
        lines = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))
    header_row = record["header_row"]
    header = [str(h) for h in lines[header_row - 1][1]]
    rows = []
    for number, cells in lines[header_row:]:
        if all(c in (None, "") for c in cells):
            continue  # blank trailing rows
        cells = list(cells) + [None] * (len(header) - len(cells))  # Excel leaves trailing blank cells out
        rows.append((number, {english[h]: (None if v == "" else v) for h, v in zip(header, cells, strict=True)}))
    return header, rows


def code_of(vocabulary: str, value) -> str | None:
    if value is None:
        return None
    return VOCABULARIES[vocabulary].lookup().get(str(value).strip().casefold())


@pytest.fixture(scope="module")
def sample(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("sample")
    generate(SampleParams(**SMALL), out)
    return out, json.loads((out / "sample" / "manifest.json").read_text(encoding="utf-8"))


def drops(manifest: dict, dataset: str) -> list[dict]:
    return [f for f in manifest["files"] if f["dataset"] == dataset]


def mistakes_at(manifest: dict) -> dict[tuple[str, int], dict]:
    return {(m["file"], m["row"]): m for m in manifest["mistakes"] if m["row"] is not None}


# --- determinism -----------------------------------------------------------------------------------
def _contents(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


def test_same_seed_gives_identical_files_and_another_seed_differs(sample, tmp_path):
    root, _ = sample
    again = tmp_path / "again"
    generate(SampleParams(**SMALL), again)
    first, second = _contents(root), _contents(again)
    assert sorted(first) == sorted(second)
    assert [name for name in first if first[name] != second[name]] == []

    other = tmp_path / "other"
    generate(SampleParams(**SMALL, seed=7), other)
    third = _contents(other)
    assert third["reference/schools.csv"] != first["reference/schools.csv"]
    assert sum(third.get(name) != data for name, data in first.items()) > len(first) // 2


# --- reference data ------------------------------------------------------------------------------
def test_reference_files_have_contract_headers_and_load(sample, engine):
    root, manifest = sample
    for name, header in REFERENCE_FILES.items():
        first_line = (root / "reference" / f"{name}.csv").read_text(encoding="utf-8").splitlines()[0]
        assert first_line == ",".join(header)
    result = load_reference(engine, root / "reference")
    assert (result.counties, result.schools, result.communities) == (4, 40, 4)
    city = manifest["city"]["code"]
    assert city == "450200" and manifest["county_codes"] == ["450202", "450203", "450221"]


def test_communities_have_one_urban_lead_and_members(sample):
    root, _ = sample
    schools = {r["school_code"]: r for r in csv.DictReader((root / "reference/schools.csv").open(encoding="utf-8"))}
    members = defaultdict(list)
    for row in csv.DictReader((root / "reference/communities.csv").open(encoding="utf-8")):
        members[row["community_code"]].append(row)
    for rows in members.values():
        leads = [r for r in rows if r["role"] == "lead"]
        assert len(leads) == 1 and schools[leads[0]["school_code"]]["location"] == "城区"
        assert len(rows) >= 3
    in_community = [r["school_code"] for rows in members.values() for r in rows]
    assert len(in_community) == len(set(in_community)) < len(schools)


# --- landing layout and forms --------------------------------------------------------------------
def test_landing_paths_follow_the_layout_and_match_the_manifest(sample):
    root, manifest = sample
    landing = root / "landing"
    on_disk = sorted(p.relative_to(landing).as_posix() for p in landing.rglob("*") if p.is_file())
    listed = sorted(f["path"].removeprefix("landing/") for f in manifest["files"] if f["path"].startswith("landing/"))
    assert on_disk == listed
    for path in on_disk:
        match = LANDING_PATH.match(path)
        assert match, path
        county, period, dataset, _ = match.groups()
        assert (dataset == "assessment_ratings") == (county == "450200")
        assert period in ("2026-08", "2026-09", "2026-10")
    counties = {LANDING_PATH.match(p).group(1) for p in on_disk}
    assert counties == {"450200", "450202", "450203", "450221"}


def test_the_three_county_forms(sample):
    root, manifest = sample
    kinds = {c["code"]: c["style"]["kind"] for c in manifest["counties"]}
    assert sorted(kinds.values()) == ["gbk_zh", "utf8_en", "xlsx_zh"]
    for record in manifest["files"]:
        if not record["path"].startswith("landing/4502") or record["county_code"] == "450200":
            continue
        dataset = DATASETS[record["dataset"]]
        header, rows = read_drop(root, record)
        assert len(rows) == record["rows"]
        style = kinds[record["county_code"]]
        if style == "gbk_zh":
            raw = (root / record["path"]).read_bytes()
            with pytest.raises(UnicodeDecodeError):
                raw.decode("utf-8")
            assert sorted(header) == sorted(c.header_zh for c in dataset.columns)
        elif style == "utf8_en":
            assert sorted(header) == sorted(dataset.column_names)
        else:
            assert record["format"] == "xlsx" and header == [c.header_zh for c in dataset.columns]


def test_xlsx_files_have_title_rows_above_the_header(sample):
    from openpyxl import load_workbook
    from openpyxl.utils import get_column_letter

    root, manifest = sample
    xlsx = [f for f in manifest["files"] if f["format"] == "xlsx"]
    assert xlsx
    for record in xlsx:
        book = load_workbook(root / record["path"])
        sheet = book.worksheets[0]
        assert record["header_row"] >= 2
        title = sheet.cell(1, 1).value
        assert title.startswith("城中区") and DATASETS[record["dataset"]].title_zh in title
        last_column = get_column_letter(len(DATASETS[record["dataset"]].columns))
        assert f"A1:{last_column}1" in {str(r) for r in sheet.merged_cells.ranges}
        assert sheet.cell(record["header_row"], 1).value == DATASETS[record["dataset"]].columns[0].header_zh
        assert DATASETS[record["dataset"]].columns[0].kind == "id_number"  # every dataset opens with an ID
        assert sheet.cell(record["header_row"] + 1, 1).data_type == "s"  # IDs are text, not numbers


# --- rosters -------------------------------------------------------------------------------------
def test_roster_ids_are_valid_except_the_labelled_one(sample):
    root, manifest = sample
    labelled = mistakes_at(manifest)
    bad_rows = []
    for record in drops(manifest, "teachers"):
        _, rows = read_drop(root, record)
        for number, row in rows:
            if id_problem(row["id_number"]) is not None:
                bad_rows.append((record["path"], number))
            else:
                assert parse_date(row["birth_date"]) == birth_date_of(row["id_number"])
                assert parse_date(row["current_school_since"]) <= dt.date(2026, 10, 31)
    assert len(bad_rows) == 1
    mistake = labelled[bad_rows[0]]
    assert (mistake["code"], mistake["column"], mistake["dataset"]) == ("id_check_character", "id_number", "teachers")
    rejections = {(r["file"], r["code"], r["cause"]) for r in manifest["expected_rejections"]}
    assert rejections == {
        (bad_rows[0][0], "too_many_bad_rows", "id_check_character"),
        ("landing/450221/2026-08/teachers.csv", "roster_other_county", "roster_other_county"),
    }


def test_rosters_hold_their_own_county_except_the_misfiled_one(sample):
    root, manifest = sample
    county_of = {r["school_code"]: r["county_code"] for r in csv.DictReader((root / "reference/schools.csv").open())}
    misfiled = [m["file"] for m in manifest["mistakes"] if m["code"] == "roster_other_county"]
    assert misfiled == ["landing/450221/2026-08/teachers.csv"]
    for record in drops(manifest, "teachers"):
        _, rows = read_drop(root, record)
        counties = {county_of[row["school_code"]] for _, row in rows}
        expected = {"450202"} if record["path"] in misfiled else {record["county_code"]}
        assert counties == expected, record["path"]


def test_roster_shares_of_eligible_and_backbone_teachers(sample):
    root, manifest = sample
    record = next(f for f in drops(manifest, "teachers") if f["county_code"] == "450221" and f["period"] == "2026-10")
    _, rows = read_drop(root, record)
    eligible = sum(parse_date(r["current_school_since"]) <= dt.date(2020, 9, 1) for _, r in rows)
    backbone = sum(code_of("tier", r["tier"]) in ("backbone", "subject_leader", "famous") for _, r in rows)
    assert 0.25 <= eligible / len(rows) <= 0.45
    assert 0.06 <= backbone / len(rows) <= 0.2


# --- flows ---------------------------------------------------------------------------------------
def _flow_rows(root: Path, manifest: dict) -> list[tuple[dict, int, dict]]:
    found = []
    for record in drops(manifest, "teacher_flows"):
        _, rows = read_drop(root, record)
        found += [(record, number, row) for number, row in rows]
    return found


def test_flows_cover_every_type_overdue_and_both_counties(sample):
    root, manifest = sample
    labelled = mistakes_at(manifest)
    clean = [(rec, row) for rec, n, row in _flow_rows(root, manifest) if (rec["path"], n) not in labelled]
    types = {code_of("flow_type", row["flow_type"]) for _, row in clean}
    assert types == {"rotation", "study_placement", "secondment", "city_recruit_county_use", "transfer"}

    overdue = [
        row
        for rec, row in clean
        if rec["period"] == "2026-10"
        and row["actual_end_date"] is None
        and row["planned_end_date"] is not None
        and parse_date(row["planned_end_date"]) < dt.date(2026, 10, 31)
    ]
    assert overdue

    reporters = defaultdict(set)
    for rec, row in clean:
        key = (rec["period"], str(row["id_number"]), row["to_school_code"], parse_date(row["start_date"]))
        reporters[key].add(rec["county_code"])
    assert any(len(counties) == 2 for counties in reporters.values())
    assert manifest["disagreements"]


def test_every_flow_touches_the_reporting_county(sample):
    root, manifest = sample
    county_of = {r["school_code"]: r["county_code"] for r in csv.DictReader((root / "reference/schools.csv").open())}
    labelled = mistakes_at(manifest)
    for record, number, row in _flow_rows(root, manifest):
        if (record["path"], number) in labelled:
            continue
        sides = {county_of[row["from_school_code"]], county_of[row["to_school_code"]]}
        assert record["county_code"] in sides
        assert row["from_school_code"] != row["to_school_code"]
        start = parse_date(row["start_date"])
        assert start <= dt.date.fromisoformat(record["period"] + "-01").replace(day=28) + dt.timedelta(days=4)
        if code_of("flow_type", row["flow_type"]) != "transfer":
            assert parse_date(row["planned_end_date"]) >= start


# --- training and ratings ------------------------------------------------------------------------
def test_training_records_end_in_their_month_and_keys_do_not_repeat(sample):
    root, manifest = sample
    labelled = mistakes_at(manifest)
    total = 0
    for record in drops(manifest, "training_records"):
        _, rows = read_drop(root, record)
        keys = Counter()
        for number, row in rows:
            if (record["path"], number) in labelled:
                continue
            total += 1
            end = parse_date(row["end_date"])
            assert f"{end:%Y-%m}" == record["period"]
            assert parse_date(row["start_date"]) <= end
            assert int(row["hours"]) in range(1, 121)
            assert code_of("training_level", row["level"]) and code_of("training_mode", row["mode"])
            keys[(row["id_number"], row["program_code"], row["start_date"])] += 1
        assert max(keys.values()) == 1
    assert total == 600 * 3 * 2 - sum(m["dataset"] == "training_records" and m["code"] != "duplicate_row"
                                      for m in manifest["mistakes"])  # fmt: skip


def test_assessment_ratings_in_the_city_folder(sample):
    root, manifest = sample
    (record,) = drops(manifest, "assessment_ratings")
    assert record["path"] == "landing/450200/2026-08/assessment_ratings.csv"
    _, rows = read_drop(root, record)
    community_schools = {r["school_code"] for r in csv.DictReader((root / "reference/communities.csv").open())}
    assert {r["school_code"] for _, r in rows} == community_schools
    labelled = mistakes_at(manifest)
    legacy = [r for n, r in rows if (record["path"], n) in labelled]
    assert {r["indicator_code"] for n, r in rows if (record["path"], n) not in labelled} == {"A2", "B3b", "C1"}
    # One evaluator still writes B3, the code before the split (practices.md §7): a labelled warning per school.
    assert len(legacy) == len(community_schools)
    assert {(r["indicator_code"], r["evaluator_id"]) for r in legacy} == {("B3", "JG02")}
    assert {labelled[(record["path"], n)]["code"] for n, r in rows if (record["path"], n) in labelled} == {
        "indicator_renamed"
    }
    assert {code_of("evaluator_group", r["evaluator_group"]) for _, r in rows} == {"expert", "bureau", "recipient"}
    assert {r["school_year"] for _, r in rows} == {"2025-2026"}
    assert all(50 <= int(r["score"]) <= 100 for _, r in rows)
    assert len(rows) == len(community_schools) * 3 * 9


# --- mistakes ------------------------------------------------------------------------------------
def test_manifest_mistakes_point_at_the_rows_that_hold_them(sample):
    root, manifest = sample
    by_file = defaultdict(list)
    for mistake in manifest["mistakes"]:
        assert (root / mistake["file"]).is_file()
        if mistake["row"] is not None:
            by_file[mistake["file"]].append(mistake)
    records = {f["path"]: f for f in manifest["files"]}
    codes = Counter(m["code"] for m in manifest["mistakes"])
    assert {"id_scientific", "id_check_character", "id_fullwidth", "date_order", "date_invalid"} <= set(codes)
    assert {"number_range", "vocab_unknown", "duplicate_row", "roster_other_county"} <= set(codes)
    for path, mistakes in by_file.items():
        _, rows = read_drop(root, records[path])
        row_at = dict(rows)
        for m in mistakes:
            row = row_at[m["row"]]
            if m["code"] == "duplicate_row":
                assert row == row_at[m["row"] - 1]
                continue
            cell = row[m["column"]]
            if m["code"] == "id_scientific" and records[path]["format"] == "xlsx":
                assert isinstance(cell, float) and f"{cell:.5E}" == m["value"]
            elif m["code"] == "planned_end_missing":
                assert cell is None
            elif m["code"] in ("date_order", "activity_outside_period"):
                assert parse_date(cell) == dt.date.fromisoformat(m["value"])
            else:
                assert str(cell) == m["value"], m
            if m["code"] == "id_check_character":
                assert id_problem(cell) == "id_check_character"
            if m["code"] == "id_fullwidth":
                assert id_problem(cell.translate({0xFF10 + d: 0x30 + d for d in range(10)} | {0xFF38: 0x58})) is None


def test_bad_rows_stay_under_the_rejection_threshold(sample):
    _, manifest = sample
    bad = Counter(m["file"] for m in manifest["mistakes"] if m["severity"] == "row" and m["dataset"] != "teachers")
    rows = {f["path"]: f["rows"] for f in manifest["files"]}
    assert bad
    assert all(count / rows[path] < 0.05 for path, count in bad.items())


# --- command line and scale flags ----------------------------------------------------------------
def test_command_writes_one_plain_csv_for_a_benchmark(tmp_path, capsys):
    out = tmp_path / "bench"
    args = ["--counties", "1", "--schools", "6", "--communities", "1", "--teachers", "120", "--months", "1"]
    code = main(["sample", "--out", str(out), *args, "--training-records", "5000", "--format", "csv", "--no-mistakes"])
    assert code == 0
    assert "training rows 5000" in capsys.readouterr().out
    manifest = json.loads((out / "sample/manifest.json").read_text(encoding="utf-8"))
    assert manifest["mistakes"] == []
    (record,) = drops(manifest, "training_records")
    assert record["path"] == "landing/450202/2026-10/training_records.csv" and record["rows"] == 5000
    text = (out / record["path"]).read_text(encoding="utf-8")
    assert text.splitlines()[0] == ",".join(DATASETS["training_records"].column_names)
    assert len(text.splitlines()) == 5001


def test_heavy_training_gives_the_first_counties_their_rows_and_the_others_their_share(tmp_path):
    out = tmp_path / "worst-day"
    args = ["--counties", "3", "--schools", "9", "--communities", "1", "--teachers", "180", "--months", "1"]
    code = main(["sample", "--out", str(out), *args, "--training-records", "300", "--heavy-training", "2:4000",
                 "--format", "csv", "--no-mistakes"])  # fmt: skip
    assert code == 0
    manifest = json.loads((out / "sample/manifest.json").read_text(encoding="utf-8"))
    rows = sorted(record["rows"] for record in drops(manifest, "training_records"))
    assert rows[1:] == [4000, 4000] and 0 < rows[0] < 300  # the third county: its share of the 300
    assert main(["sample", "--out", str(out), "--heavy-training", "two"]) == 2


def test_rerun_replaces_only_what_the_previous_run_wrote(tmp_path):
    small = {**SMALL, "counties": 2, "schools": 12, "communities": 2, "teachers": 200}
    generate(SampleParams(**small), tmp_path)
    keep = tmp_path / "landing" / "notes.txt"
    keep.write_text("not ours", encoding="utf-8")
    generate(SampleParams(**{**small, "months": 1}), tmp_path)
    periods = {p.name for p in (tmp_path / "landing").glob("*/*") if p.is_dir()}
    assert periods == {"2026-10"}
    assert keep.read_text(encoding="utf-8") == "not ours"


def test_impossible_flags_are_an_error(tmp_path, capsys):
    assert main(["sample", "--out", str(tmp_path), "--mistakes", "0.2"]) == 2
    assert "--mistakes" in capsys.readouterr().err
