"""What a county clerk reads, line by line: the exact feedback lines and messages for the mistakes
clerks make (issue 13), in plain Chinese with the English twin.

Files go through the same parsing and validation as ingestion (``assess_file``), then the feedback
writer's lines are compared whole: (row, the teacher's name, column, value, code, Chinese message).
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from teachflow.contract import DATASETS
from teachflow.ingestion.feedback import feedback_lines
from teachflow.ingestion.pipeline import Reference, assess_file, read_file
from teachflow.ingestion.reading import read_table
from teachflow.problems import FileRejected, Problem, render
from teachflow.settings import load_settings
from tests.citykit import CITY, N1, N2, NORTH, S1, SOUTH, make_id

REFERENCE = Reference(
    counties={CITY: True, NORTH: False, SOUTH: False},
    schools={N1: NORTH, N2: NORTH, S1: SOUTH},
    county_names={CITY: "示例市", NORTH: "城中区", SOUTH: "鱼峰区"},
    school_names={N1: "城中实验小学", N2: "城中第二小学", S1: "鱼峰乡村小学"},
)


def lines_of(tmp_path: Path, dataset: str, header: str, *rows: str, period: str = "2026-10") -> list[tuple]:
    """The feedback lines of a CSV file of ``rows`` as (row, name, column, value, code, Chinese message)."""
    path = tmp_path / f"{dataset}.csv"
    path.write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")
    assessment = assess_file(path, DATASETS[dataset], NORTH, period, REFERENCE, load_settings())
    return [
        (line.row, line.name, line.column_zh, line.value, line.code, line.message_zh)
        for line in feedback_lines(dataset, assessment.problems, assessment.row_names)
    ]


TRAINING = "id_number,name,program_code,level,mode,start_date,end_date,hours"
FLOWS = "id_number,name,flow_type,from_school_code,to_school_code,start_date,planned_end_date"
ROSTER = "id_number,name,school_code,title,tier,current_school_since"


def training(seq: int, mode: str = "网络研修", start: str = "2026-10-01", end: str = "2026-10-02", hours: str = "8"):
    return f"{make_id(seq)},教师{seq},P{seq},市级,{mode},{start},{end},{hours}"


def test_training_mistakes_read_as_plain_chinese_with_the_teachers_name(tmp_path):
    rows = [training(i) for i in range(1, 101)]  # 4 bad rows of 100: under the 5 % that rejects a file
    rows[1] = training(2, mode="webinar")
    rows[2] = training(3, hours="250")
    rows[3] = training(4, start="2026-10-05", end="2026-10-03")
    rows[4] = training(5, start="2026-09-01", end="2026-09-30")
    rows.append(training(1))  # row 102 repeats row 2 exactly

    assert lines_of(tmp_path, "training_records", TRAINING, *rows) == [
        (3, "教师2", "培训形式", "webinar", "vocab_unknown",
         "“培训形式”填写的“webinar”不是有效选项，请从下拉列表中选择：集中培训、跟岗实践、网络研修。"),
        (4, "教师3", "学时", "250", "number_range", "“学时”为 250，超出范围：学时应大于 0 且不超过 200。"),
        (5, "教师4", "结束日期", "2026-10-03", "date_order",
         "“结束日期”为 2026-10-03，早于开始日期 2026-10-05，请核对。"),
        (6, "教师5", "结束日期", "2026-09-30", "date_outside_period",
         "“结束日期”为 2026-09-30，不在报送月份 2026-10 内。培训记录请放在结束日期所在月份的目录下报送。"),
        (102, "教师1", "", "", "duplicate_row", "与第 2 行完全相同，系统已忽略本行，只按第 2 行处理。请删除重复的行。"),
    ]  # fmt: skip


def test_a_missing_planned_end_shows_the_empty_cell_and_names_the_flow_type_in_the_message(tmp_path):
    rows = [f"{make_id(1)},张三,轮岗支教,{N1},{S1},2026-09-01,", f"{make_id(2)},李四,调动,{N1},{S1},2026-09-01,"]
    rows += [f"{make_id(i)},教师{i},挂职,{N1},{S1},2026-09-01,2027-07-15" for i in range(3, 41)]

    assert lines_of(tmp_path, "teacher_flows", FLOWS, *rows) == [
        (2, "张三", "计划结束日期", "", "planned_end_missing",
         "交流类型为“轮岗支教”，必须填写“计划结束日期”（只有“调动”可以不填）。"),
    ]  # fmt: skip


def test_roster_dates_have_a_verb_full_width_ids_are_fixed_and_one_bad_row_is_named_plainly(tmp_path):
    fullwidth = make_id(3).translate({ord(c): ord(c) + 0xFEE0 for c in "0123456789"})
    rows = [
        f"{make_id(1)},张三,{N1},一级,无,2026-11-03",
        f"{make_id(2)},李四,{N1},高级,无,2015-09-01",
        f"{fullwidth},王五,{N1},一级,无,2015-09-01",
    ]

    assert lines_of(tmp_path, "teachers", ROSTER, *rows) == [
        (None, "", "", "", "too_many_bad_rows",
         "1 行有错误；教师名册不允许有错误行，整个文件未入库。请按问题清单改正全部错误后，重新报送完整文件。"),
        (2, "张三", "现校任教起始日期", "2026-11-03", "date_after_period",
         "“现校任教起始日期”为 2026-11-03，晚于报送月份的最后一天 2026-10-31，请核对。"),
        (4, "王五", "身份证号", fullwidth, "id_fullwidth",
         f"身份证号“{fullwidth}”含全角字符或空格，系统已转为半角并去掉空格后入库。请在源系统中改正。"),
    ]  # fmt: skip


def test_titles_clerks_write_are_read_as_the_template_labels(tmp_path):
    rows = [f"{make_id(i)},教师{i},{N1},{title},无,2015-09-01" for i, title in enumerate(("中级", "副高", "正高"), 1)]
    path = tmp_path / "teachers.csv"
    path.write_text("\n".join([ROSTER, *rows]) + "\n", encoding="utf-8")

    assessment = read_file(path, DATASETS["teachers"], load_settings(), warm_up_gx=False)

    assert assessment.problems == []
    assert assessment.good_rows["title"].tolist() == ["first", "senior", "senior_full"]  # 一级, 高级, 正高级


# --- file-level messages ---------------------------------------------------------------------------


def test_a_password_protected_workbook_says_to_remove_the_password(tmp_path):
    # What Excel writes for a workbook with an opening password: an OLE2 file with an EncryptedPackage.
    path = tmp_path / "teachers.xlsx"
    path.write_bytes(
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504) + "EncryptedPackage".encode("utf-16-le") + bytes(512)
    )

    with pytest.raises(FileRejected) as rejected:
        read_table(path, "teachers")

    [problem] = rejected.value.problems
    assert render(problem) == (
        "工作簿设置了打开密码，系统无法读取。请在 Excel 中取消工作簿密码（文件 → 信息 → 保护工作簿 → "
        "用密码进行加密，清空密码后确定），保存后重新报送。",
        "The workbook is password-protected and cannot be read. Remove the password in Excel (File → "
        "Info → Protect Workbook → Encrypt with Password, clear it), save and submit it again.",
    )


def test_a_damaged_workbook_keeps_the_library_words_out_of_the_chinese(tmp_path):
    path = tmp_path / "teachers.xlsx"
    path.write_bytes(b"PK\x03\x04" + bytes(200))

    with pytest.raises(FileRejected) as rejected:
        read_table(path, "teachers")

    zh, en = render(rejected.value.problems[0])
    assert zh == (
        "工作簿已损坏或不完整，无法打开。请用 Excel 打开原文件，另存为 .xlsx 后重新报送；Excel 也打不开的，"
        "请从源系统重新导出。"
    )
    assert en.startswith("The workbook is damaged or incomplete and cannot be opened (")  # the detail: for engineers


def test_a_file_too_large_is_told_in_mb_with_what_to_do_instead_of_splitting(tmp_path):
    path = tmp_path / "teachers.csv"
    path.write_bytes(b"x" * (5 * 1024 * 1024 // 2))  # 2.5 MB
    settings = dataclasses.replace(load_settings(), max_file_bytes=2 * 1024 * 1024)

    [problem] = read_file(path, DATASETS["teachers"], settings, warm_up_gx=False).problems

    assert render(problem)[0] == (
        "文件大小为 2.5 MB，超过系统上限 2 MB，未能读取。请删除空白行、多余的工作表和图片后另存为 .xlsx，"
        "或另存为 CSV UTF-8（通常只有原文件的几分之一大），再重新报送；仍然超过上限的，请联系市局数据组。"
    )
    assert "拆分" not in render(problem)[0]


@pytest.mark.parametrize(
    ("problem", "column_zh", "message"),
    [
        (Problem("column_missing", column="school_code"), "学校标识码",
         "缺少必填列“学校标识码”。请使用市局模板，不要删除列或修改列名。"),
        (Problem("dataset_not_allowed", value="assessment_ratings"), None,
         "“assessment_ratings”只能由市局报送，区县无需报送。请删除此文件。"),
        (Problem("required_missing", row=3, column="name"), "姓名", "“姓名”是必填项，请填写。"),
        (Problem("duplicate_key", row=9, params={"other_row": "4", "key": "身份证号=450202198503120025"}), None,
         "与第 4 行是同一条记录（身份证号=450202198503120025），但内容不同。系统保留了第 4 行，本行未入库；"
         "请核对后只保留正确的一行。"),
    ],
    ids=["column_missing", "dataset_not_allowed", "required_missing", "duplicate_key"],
)  # fmt: skip
def test_catalogue_wording(problem, column_zh, message):
    assert render(problem, column_zh)[0] == message


def test_no_chinese_message_carries_an_english_code():
    """Allowed values are the template's labels; codes and library words stay in the English twin."""
    for dataset in DATASETS:
        from teachflow.validation.suites import build_suite

        for expectation in build_suite(dataset).expectations:
            params = (expectation.meta or {}).get("params", {})
            for key in ("allowed", "limit"):
                assert not any(c.isascii() and c.isalpha() for c in params.get(key, "")), (dataset, params)


# --- the guide and the templates ------------------------------------------------------------------


def test_the_guide_says_what_the_issue_asked_and_no_longer_the_old_wording():
    guide = (Path(__file__).resolve().parents[1] / "docs" / "county-guide.zh.md").read_text(encoding="utf-8")
    for old in ("同一文件名", "UTF-8（含 BOM）", "不要删除、改名", "每月 5 日前", "职称写成“中级”"):
        assert old not in guide, old
    for new in (
        "`teachers.csv` 就替换 `teachers.xlsx`",
        "UTF-8 编码（带不带 BOM 均可）或 GBK 编码",
        "不要删除列、修改列名或合并列",
        "截止日由市局统一设定",
        "在**教师返回的那个月**的 `teacher_flows` 文件中把这条交流**再报一次**",
        "“中级”按“一级”、“副高”按“高级”、“正高”按“正高级”读取",
    ):
        assert new in guide, new


def test_the_templates_name_the_due_day_of_the_setting():
    from teachflow.templates import INSTRUCTIONS_SHEET, build_template

    sheet = build_template(DATASETS["teachers"], due_day=10)[INSTRUCTIONS_SHEET]
    notes = [cell.value for cell in sheet["A"] if isinstance(cell.value, str) and cell.value.startswith("• 报送时间")]
    assert notes == [
        "• 报送时间：每月 10 日（含当天）之前报送上个月的数据。同一月份再次报送同一数据集的文件"
        "（无论 .xlsx 还是 .csv），将整体替换该月此前的报送。"
    ]
