"""Reports a bureau leader can act on (issue #16): coverage, refusals, trend, named lists, workbooks.

The city is ``tests.citykit``'s (NORTH: N1, N2; SOUTH: S1, S2; community C01 = N1, S1, S2). Month
2026-10 is due at the end of 2026-11-05, Asia/Shanghai (2026-11-05 16:00 UTC). The ledger rows are
written straight into ``submissions``; the statuses come from ``teachflow.submission_status``.
"""

from __future__ import annotations

import datetime as dt
import zipfile
from decimal import Decimal

import pytest
from sqlalchemy import func, insert, select, text

from teachflow.policy import Policy
from teachflow.reports.coverage import (
    ReportRefused,
    check_month_reportable,
    month_coverage,
    period_ranges,
    read_coverage,
    store_coverage,
)
from teachflow.reports.rotation import compute_rotation_report
from teachflow.reports.trends import competition_ranks, month_view, needed
from teachflow.warehouse.schema import (
    ANALYST_VIEWS,
    report_coverage,
    report_rotation_monthly,
    report_rotation_overdue,
    restricted_teacher_names,
    roster_entries,
    submissions,
    teacher_flows,
    training_records,
)
from tests.citykit import CITY, N1, N2, NORTH, S1, S2, SOUTH, insert_city

D = dt.date
UTC = dt.UTC
NAMES = {"t0": "张三丰", "t1": "李四海", "t2": "王五岳", "s0": "赵六合"}


def at(day: int, month: int = 11, hour: int = 2) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, tzinfo=UTC)


def ledger(conn, county, period, dataset, status, received, *, rows_rejected=0) -> None:
    # Explicit numbers: citykit's row 1 was inserted with its id, so PostgreSQL's sequence still says 1.
    number = conn.execute(select(func.max(submissions.c.submission_id))).scalar() + 1
    conn.execute(
        insert(submissions).values(
            submission_id=number,
            county_code=county,
            period=period,
            dataset=dataset,
            file_format="csv",
            source_path=f"{county}/{period}/{dataset}.csv",
            sha256=f"{county}{period}{dataset}{status}".ljust(64, "0")[:64],
            size_bytes=10,
            archive_path="x",
            received_at=received,
            status=status,
            rows_total=10,
            rows_loaded=0 if status == "rejected" else 10 - rows_rejected,
            rows_rejected=rows_rejected,
        )
    )


def build(engine) -> None:
    """NORTH: roster 2026-09 in force; for 2026-10 its roster was rejected, its flows came late and its
    training records never came. SOUTH: everything for 2026-10 on time, its roster with 3 rejected rows.
    Teachers t0..t7 at N1 since 2010 (eligible), s0..s3 at S1 since 2024 (not eligible)."""
    with engine.begin() as conn:
        insert_city(
            conn,
            [
                (N1, "城中实验小学", NORTH),
                (N2, "城中第二小学", NORTH),
                (S1, "鱼峰乡村小学", SOUTH),
                (S2, "鱼峰镇中学", SOUTH),
            ],
            [
                (N1, "C01", "城中教共体", "lead"),
                (S1, "C01", "城中教共体", "member"),
                (S2, "C01", "城中教共体", "member"),
            ],
            ledger_period="2026-09",
        )
        for dataset in ("teacher_flows", "training_records"):
            ledger(conn, NORTH, "2026-09", dataset, "accepted", at(3, 10))
        for dataset in ("teachers", "teacher_flows", "training_records"):
            ledger(conn, SOUTH, "2026-09", dataset, "accepted", at(3, 10))
        ledger(conn, NORTH, "2026-08", "teachers", "accepted", at(3, 9))
        ledger(conn, NORTH, "2026-10", "teachers", "rejected", at(3))
        ledger(conn, NORTH, "2026-10", "teacher_flows", "accepted", at(8))  # after the due day: late
        ledger(conn, SOUTH, "2026-10", "teachers", "accepted", at(2), rows_rejected=3)
        ledger(conn, SOUTH, "2026-10", "teacher_flows", "accepted", at(2))
        ledger(conn, SOUTH, "2026-10", "training_records", "accepted", at(2))
        roster = []
        for period in ("2026-08", "2026-09"):
            roster += [
                {
                    "county_code": NORTH,
                    "period": period,
                    "teacher_key": f"t{i}",
                    "submission_id": 1,
                    "school_code": N1,
                    "current_school_since": D(2010, 9, 1),
                    "tier": "backbone" if i == 1 else "none",
                }
                for i in range(8)
            ]
        for period in ("2026-09", "2026-10"):
            roster += [
                {
                    "county_code": SOUTH,
                    "period": period,
                    "teacher_key": f"s{i}",
                    "submission_id": 1,
                    "school_code": S1,
                    "current_school_since": D(2024, 9, 1),
                    "tier": "none",
                }
                for i in range(4)
            ]
        conn.execute(insert(roster_entries), roster)

        def flow(key, start, planned, to=S1):
            return {
                "teacher_key": key,
                "to_school_code": to,
                "start_date": start,
                "flow_type": "rotation",
                "from_school_code": N1,
                "planned_end_date": planned,
                "actual_end_date": None,
                "source_submission_id": 1,
                "report_count": 1,
                "has_conflict": False,
            }

        conn.execute(
            insert(teacher_flows),
            [
                flow("t0", D(2026, 3, 1), D(2026, 10, 1)),  # last school year; overdue at the end of October
                flow("t1", D(2026, 9, 15), D(2027, 7, 1)),  # rotated in September
                flow("t2", D(2026, 10, 5), D(2027, 7, 1), to=S2),  # rotated in October
            ],
        )
        conn.execute(
            insert(training_records),
            [
                {
                    "teacher_key": f"t{i}",
                    "program_code": "P1",
                    "start_date": D(2026, 9, 20),
                    "submission_id": 1,
                    "county_code": NORTH,
                    "level": "city",
                    "mode": "online",
                    "end_date": D(2026, 9, 25),
                    "hours": Decimal("12.5"),
                }
                for i in range(4)  # t0..t3 on track (12 学时 due by October), t4..t7 and s0..s3 behind
            ],
        )
        conn.execute(
            insert(restricted_teacher_names),
            [{"teacher_key": k, "name": n, "submission_id": 1} for k, n in NAMES.items()],
        )


# --- coverage -----------------------------------------------------------------------------------------


def test_coverage_of_a_rejected_roster_a_missing_file_and_a_late_file(engine):
    build(engine)
    with engine.begin() as conn:
        coverage = month_coverage(conn, "2026-10", at=at(10), due_day=5)
        assert store_coverage(conn, coverage) == 6
    rows = {(r.county_code, r.dataset): (r.status.status, r.status.late, r.stand_in_period) for r in coverage.rows}
    assert rows == {
        (NORTH, "teachers"): ("rejected", False, "2026-09"),
        (NORTH, "teacher_flows"): ("accepted", True, None),
        (NORTH, "training_records"): ("missing", False, None),
        (SOUTH, "teachers"): ("accepted_with_rejections", False, None),
        (SOUTH, "teacher_flows"): ("accepted", False, None),
        (SOUTH, "training_records"): ("accepted", False, None),
    }
    assert coverage.lines_zh == (
        "城中区 2026-10：教师名册已退回，无可用数据，沿用 2026-09 名册；教师培训记录逾期未报（截止 2026-11-05 23:59）；"
        "迟报：教师交流轮岗（最晚 2026-11-08 10:00 收到）。",
        "鱼峰区 2026-10：教师名册部分入库（3 行未入库）。",
    )
    with engine.connect() as conn:
        stored = {
            (r.county_code, r.dataset): (r.status, r.late, r.stand_in_period, r.rows_rejected)
            for r in conn.execute(select(report_coverage).where(report_coverage.c.report_key == "2026-10"))
        }
        again = read_coverage(conn, "rotation", "2026-10")
    assert stored[(NORTH, "teachers")] == ("rejected", False, "2026-09", 0)
    assert stored[(SOUTH, "teachers")] == ("accepted_with_rejections", False, None, 3)
    assert again is not None and again.lines_zh == coverage.lines_zh  # the outputs say what was stored
    # Before the due day nothing is "missing" yet: pending, with the due moment in Beijing time.
    with engine.connect() as conn:
        early = month_coverage(conn, "2026-10", at=at(4), due_day=5)
    assert "教师培训记录待报送（截止 2026-11-05 23:59）" in early.lines_zh[0]


def test_period_ranges():
    assert period_ranges(["2026-02", "2025-09", "2025-10", "2025-11"]) == "2025-09 至 2025-11、2026-02"
    assert period_ranges(["2025-12", "2026-01"]) == "2025-12 至 2026-01"


def test_future_and_empty_months_are_refused(engine):
    build(engine)
    with engine.connect() as conn:
        with pytest.raises(ReportRefused, match=r"^2030-01 尚未到来，不能出月报（今天是 2026-12-02）"):
            check_month_reportable(conn, "2030-01", today=D(2026, 12, 2))
        with pytest.raises(ReportRefused, match=r"^尚无任何区县报送 2026-11 的数据，不出月报"):
            check_month_reportable(conn, "2026-11", today=D(2026, 12, 2))
        check_month_reportable(conn, "2026-10", today=D(2026, 12, 2))  # no exception
        # A month of only rejected files is no data either.
        conn.execute(text("UPDATE submissions SET status = 'rejected' WHERE period = '2026-10'"))
        with pytest.raises(ReportRefused):
            check_month_reportable(conn, "2026-10", today=D(2026, 12, 2))
        conn.rollback()


def test_the_command_refuses_with_one_line_and_exit_2(engine, warehouse_url, monkeypatch, capsys, tmp_path):
    from teachflow import cli
    from teachflow.cli import main

    if "teachflow.commands.report" not in cli.COMMAND_MODULES:
        monkeypatch.setattr(cli, "COMMAND_MODULES", (*cli.COMMAND_MODULES, "teachflow.commands.report"))
    build(engine)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))
    far = dt.date.today().year + 3
    assert main(["report", "rotation", "--month", f"{far}-01"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"{far}-01 尚未到来，不能出月报" in err and "is in the future" in err
    assert main(["score", "--school-year", f"{far}-{far + 1}"]) == 2
    assert f"{far}-{far + 1} 学年尚未开始" in capsys.readouterr().err
    with engine.connect() as conn:
        assert conn.execute(select(report_rotation_monthly)).first() is None  # nothing written
    assert not (tmp_path / "reports").exists()


# --- trend, change, rank, still needed ----------------------------------------------------------------


def test_needed_and_ranks_are_exact():
    assert needed(0.10, 125, 0) == 13  # ⌈12.5⌉
    assert needed(0.1, 120, 0) == 12  # 0.1 × 120 is 12.000000000000002 in floats: still 12
    assert needed(0.20, 7, 5) == 0  # ⌈1.4⌉ = 2 backbone needed, 5 already
    rows = [
        {"scope_code": c, "rotation_rate": r} for c, r in (("a", 0.2), ("b", 0.1), ("c", 0.1), ("d", 0.05), ("e", None))
    ]
    assert competition_ranks(rows) == {"a": 1, "b": 2, "c": 2, "d": 4, "e": None}


def test_trend_rows_across_a_school_year_boundary(engine):
    build(engine)
    policy = Policy()
    for period in ("2026-08", "2026-09", "2026-10"):
        compute_rotation_report(engine, period, policy, now=at(10))
    with engine.connect() as conn:
        stored = {
            p: {
                r.scope_code: dict(r._mapping)
                for r in conn.execute(select(report_rotation_monthly).where(report_rotation_monthly.c.period == p))
            }
            for p in ("2026-09", "2026-10")
        }
        rows_of = {
            p: {k: [r for r in v.values() if r["scope"] == k] for k in ("city", "county", "community")}
            for p, v in stored.items()
        }
        september = month_view(conn, "2026-09", rows_of["2026-09"], policy)
        october = month_view(conn, "2026-10", rows_of["2026-10"], policy)
    # The trend of a month holds its own school year only: 2026-08 belongs to 2025-2026.
    assert sorted(september.trend) == ["2026-09"]
    assert sorted(october.trend) == ["2026-09", "2026-10"]
    north_sep = next(r for r in september.rows["county"] if r["scope_code"] == NORTH)
    north_oct = next(r for r in october.rows["county"] if r["scope_code"] == NORTH)
    # September: the school-year figures restart, no change shown; active flows compare with August
    # (t0 active in August; t0 and t1 at the end of September: +1).
    assert north_sep["change"]["rotation_rate"] is None and north_sep["change"]["rotated_sy"] is None
    assert north_sep["change"]["active_out"] == 1
    # October: rotated 1 (t1) -> 2 (t1, t2) of 8 eligible: 12.5 % -> 25 %, +12.5 points.
    assert (north_sep["rotated_sy"], north_oct["rotated_sy"]) == (1, 2)
    assert north_oct["change"]["rotated_sy"] == 1 and north_oct["change"]["rotation_rate"] == pytest.approx(0.125)
    # ⌈10 % × 8⌉ = 1 needed, 2 rotated: nothing more; backbone ⌈20 % × 2⌉ = 1, t1 is backbone: 0 more.
    assert (north_oct["rotation_needed"], north_oct["backbone_needed"]) == (0, 0)
    ranks = {r["scope_code"]: r["rank"] for r in october.rows["county"]}
    assert ranks == {NORTH: 1, SOUTH: None}  # SOUTH has nobody eligible: no rate, no rank


def test_a_month_computes_the_earlier_months_of_its_school_year_first(engine, warehouse_url, monkeypatch):
    from teachflow.reports.rotation_run import compute_month
    from teachflow.settings import load_settings

    build(engine)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    result, filled = compute_month(engine, load_settings(), "2026-10", now=at(10))
    # 2026-09 (same school year, and the month before) has data; 2026-08 is not needed.
    assert filled == ["2026-09"] and result.period == "2026-10"
    with engine.connect() as conn:
        keys = set(conn.execute(select(report_coverage.c.report_key).distinct()).scalars())
    assert keys == {"2026-09", "2026-10"}


# --- named lists: names only where the county and the city read them ---------------------------------------


def _texts_of(path) -> str:
    if path.suffix == ".xlsx":
        with zipfile.ZipFile(path) as z:
            return "".join(z.read(n).decode("utf-8", "replace") for n in z.namelist() if n.endswith(".xml"))
    return path.read_text(encoding="utf-8", errors="replace")


def test_named_lists_have_names_and_nothing_an_analyst_reads_does(engine, warehouse_url, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    from teachflow.reports.rotation_run import compute_month, publish_month
    from teachflow.settings import load_settings

    build(engine)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))
    monkeypatch.setenv("TEACHFLOW_OUTBOX", str(tmp_path / "outbox"))
    settings = load_settings()
    compute_month(engine, settings, "2026-10", now=at(10))
    paths = publish_month(engine, settings, "2026-10")

    lists = tmp_path / "outbox" / NORTH / "lists"
    overdue = load_workbook(lists / "逾期未返名单_2026-10.xlsx")["名单"]
    rows = list(overdue.iter_rows(min_row=5, values_only=True))
    assert [c.value for c in overdue[4]] == [
        "姓名",
        "派出学校",
        "区县",
        "交流类型",
        "接收学校",
        "开始日期",
        "计划返回日期",
        "逾期天数（至月末）",
    ]
    assert [r[:5] for r in rows] == [("张三丰", "城中实验小学", "城中区", "轮岗支教", "鱼峰乡村小学")]
    assert rows[0][5] == dt.datetime(2026, 3, 1) and rows[0][7] == 30
    behind = load_workbook(lists / "培训进度滞后名单_2026-10.xlsx")["名单"]
    behind_rows = list(behind.iter_rows(min_row=5, values_only=True))
    # t4..t7 (no hours; 72 × 2 / 12 = 12 学时 due by the end of October); t4..t7 have no registered name.
    assert [r[2] for r in behind_rows] == ["城中区"] * 4
    assert all(r[0].startswith("（未登记姓名）t") for r in behind_rows)
    assert [(r[3], r[4], r[5]) for r in behind_rows] == [(0, 12, 12)] * 4
    assert behind["E5"].number_format == "#,##0.0"
    south = _texts_of(tmp_path / "outbox" / SOUTH / "lists" / "培训进度滞后名单_2026-10.xlsx")
    assert "赵六合" in south and "张三丰" not in _texts_of(
        tmp_path / "outbox" / SOUTH / "lists" / "逾期未返名单_2026-10.xlsx"
    )
    city = _texts_of(tmp_path / "outbox" / CITY / "lists" / "培训进度滞后名单_2026-10.xlsx")
    assert "赵六合" in city and "城中区" in city  # the city's team sees every county

    # Nothing an analyst reads holds a name: the report files, the report tables, the analyst views.
    report_files = [p for p in (tmp_path / "reports").rglob("*") if p.is_file()]
    assert report_files and all(str(p).startswith(str(tmp_path / "reports")) for p in paths[:2])
    assert all("lists" in p.parts for p in paths[2:])
    for path in report_files:
        body = _texts_of(path)
        assert not [n for n in NAMES.values() if n in body], path
    with engine.connect() as conn:
        for table in (report_rotation_monthly, report_rotation_overdue, report_coverage):
            values = {str(v) for row in conn.execute(select(table)) for v in row}
            assert not values & set(NAMES.values()), table.name
        for view in ANALYST_VIEWS:
            values = {str(v) for row in conn.execute(text(f"SELECT * FROM {view}")) for v in row}
            assert not values & set(NAMES.values()), view
            columns = conn.execute(text(f"SELECT * FROM {view}")).keys()
            assert "name" not in columns


# --- the workbooks, opened as a person would ------------------------------------------------------------


def test_the_monthly_workbook_has_charts_print_settings_and_formats(engine, warehouse_url, monkeypatch, tmp_path):
    from openpyxl import load_workbook

    from teachflow.reports.rotation_run import run_rotation_report
    from teachflow.settings import load_settings

    build(engine)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))
    run = run_rotation_report(load_settings(), "2026-10", now=at(10))
    workbook_path, page_path = run.paths[:2]
    wb = load_workbook(workbook_path)
    assert wb.sheetnames == ["概览", "区县", "教共体", "全市", "趋势", "帮扶与结对", "帮扶活动类型", "逾期未返", "说明"]
    support = wb["帮扶与结对"]  # the 帮扶与结对 section (issue 17): a chart by county, printed like the rest
    assert len(support._charts) == 1 and support.page_setup.orientation == "landscape" and support.print_title_rows
    overview = wb["概览"]
    assert overview["A1"].value == "交流轮岗月报 2026-10 · 概览"
    assert overview["A2"].value.startswith(
        "截至 2026-10-31（2026-2027 学年第 2 个月）；计算于 2026-11-10 10:00（北京时间）"
    )
    column_a = [c.value for c in overview["A"] if c.value]
    assert column_a[2] == "数据覆盖（本报告依据的报送情况）" and column_a[3].startswith(
        "城中区 2026-10：教师名册已退回"
    )
    assert "本月摘要" in column_a and column_a[column_a.index("本月摘要") + 1].startswith("截至 2026-10 月末，全市")
    assert len(overview._charts) == 2 and len(wb["趋势"]._charts) == 1
    counties = wb["区县"]
    header = [c.value for c in counties[4]]
    assert header[:3] == ["名次", "代码", "名称"] and "本学年还需交流人数" in header
    north = {h: c for h, c in zip(header, counties[5], strict=True)}
    assert north["代码"].value == NORTH and north["名次"].value == 1
    assert (north["交流比例"].value, north["交流比例"].number_format) == (0.25, "0.0%")
    assert north["本月培训学时"].number_format == "#,##0.0"
    assert north["交流比例达标"].value == "是"
    assert counties.freeze_panes == "D5" and counties.print_title_rows == "$4:$4"
    setup = counties.page_setup
    assert (setup.orientation, setup.paperSize, setup.fitToHeight) == ("landscape", 9, 0)
    assert counties.sheet_properties.pageSetUpPr.fitToPage and (setup.fitToWidth or 1) == 1
    assert counties.conditional_formatting  # targets coloured: met green, not met orange
    notes = " ".join(str(c.value) for c in wb["说明"]["A"] if c.value)
    assert "交流比例目标：10%" in notes and "每学年 72 学时" in notes and "满 6 年" in notes
    overdue = wb["逾期未返"]
    assert [c.value for c in overdue[5]][:4] == ["t0", "轮岗支教", N1, "城中实验小学"]
    page = page_path.read_text(encoding="utf-8")
    assert page.index("数据覆盖") < page.index('class="summary"') < page.index('class="cards"')
    assert "目标 10.0%，已达标" in page and "计算于 2026-11-10 10:00（北京时间）" in page


def test_the_feedback_workbook_prints_on_a4_landscape_one_page_wide(tmp_path):
    from openpyxl import load_workbook

    from teachflow.ingestion.feedback import write_feedback

    files = write_feedback(
        tmp_path, NORTH, "2026-10", "teachers", [], {"outcome": "accepted", "processed_at": "2026-11-05T09:30:00+00:00"}
    )
    wb = load_workbook(files.xlsx)
    for sheet in wb.worksheets:
        setup = sheet.page_setup
        assert (setup.orientation, setup.paperSize, setup.fitToWidth, setup.fitToHeight) == ("landscape", 9, 1, 0)
        assert sheet.sheet_properties.pageSetUpPr.fitToPage
    problems = wb.worksheets[0]
    assert problems.print_title_rows == "$1:$1" and problems.freeze_panes == "A2"
    summary = {row[0]: row[1] for row in wb.worksheets[1].iter_rows(values_only=True) if row and row[0]}
    assert summary["处理时间（北京时间）Processed at (Asia/Shanghai)"] == "2026-11-05 17:30"


# --- the page in a real browser ---------------------------------------------------------------------------


def test_the_page_renders_in_headless_chromium_with_a_cjk_font(engine, warehouse_url, monkeypatch, tmp_path):
    import shutil
    import subprocess

    from teachflow.reports.rotation_run import run_rotation_report
    from teachflow.settings import load_settings
    from tests.conftest import IN_CI

    chromium = shutil.which("chromium")
    fonts = subprocess.run(["fc-list"], capture_output=True, text=True).stdout if shutil.which("fc-list") else ""
    if not chromium or "Noto Sans CJK" not in fonts:
        if IN_CI:
            pytest.fail("Chromium and fonts-noto-cjk are required (scripts/ensure-chromium.sh)")
        pytest.skip("no Chromium or no CJK font")
    build(engine)
    monkeypatch.setenv("TEACHFLOW_WAREHOUSE_URL", warehouse_url)
    monkeypatch.setenv("TEACHFLOW_REPORTS", str(tmp_path / "reports"))
    run = run_rotation_report(load_settings(), "2026-10", now=at(10))
    page = run.paths[1]
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--no-first-run",
        f"--user-data-dir={tmp_path / 'profile'}",
    ]
    shot = tmp_path / "page.png"
    subprocess.run(
        [chromium, *flags, "--hide-scrollbars", "--window-size=1280,1600", f"--screenshot={shot}", page.as_uri()],
        capture_output=True,
        timeout=120,
        check=True,
    )
    png = shot.read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 30_000  # a drawn page, not a blank one
    dom = subprocess.run(
        [chromium, *flags, "--dump-dom", page.as_uri()], capture_output=True, timeout=120, check=True, text=True
    ).stdout
    assert "数据覆盖" in dom and "城中区 2026-10：教师名册已退回" in dom and dom.count("<svg") == 7


def test_text_cells_of_the_report_workbooks_never_become_formulas(tmp_path):
    from openpyxl import load_workbook

    from teachflow.reports.xlsx_kit import Book, Column
    from teachflow.spreadsheet_text import neutralize_formula

    assert [neutralize_formula(v) for v in ("=1+1", "+1", "-x", "@SUM(A1)", "\tx", "\rx", "城中", 5, None)] == [
        "'=1+1",
        "'+1",
        "'-x",
        "'@SUM(A1)",
        "'\tx",
        "'\rx",
        "城中",
        5,
        None,
    ]
    book = Book(tmp_path / "x.xlsx", "=标题")
    ws, row = book.sheet("名单", as_of="截至 2026-10-31")
    book.table(
        ws,
        row,
        [Column("name", "学校", "name"), Column("n", "人数", "int")],
        [
            {"name": '=HYPERLINK("http://x","点我")', "n": 3},
        ],
    )
    book.close()
    sheet = load_workbook(tmp_path / "x.xlsx")["名单"]
    assert sheet["A5"].data_type == "s" and sheet["A5"].value == '\'=HYPERLINK("http://x","点我")'
    assert sheet["A1"].value == "'=标题 · 名单" and sheet["B5"].value == 3
