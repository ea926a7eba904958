"""``teachflow check``: a county's pre-check writes the feedback and loads nothing."""

from __future__ import annotations

import csv

from teachflow.cli import main
from teachflow.ingestion.feedback import feedback_paths
from teachflow.settings import load_settings
from tests.citykit import NORTH, make_id, write_reference

HEADER = "id_number,name,program_code,level,mode,start_date,end_date,hours"


def test_check_reports_what_ingestion_would_and_writes_nothing_to_the_warehouse(tmp_path, capsys):
    reference = write_reference(tmp_path / "reference")
    rows = [f"{make_id(i)},教师{i},P1,市级,网络研修,2026-10-01,2026-10-02,8" for i in range(1, 40)]
    rows.append(f"{make_id(40)},教师40,P1,市级,网络研修,2026-10-01,2026年13月1日,8")
    source = tmp_path / "训练记录.csv"
    source.write_text("\n".join([HEADER, *rows]) + "\n", encoding="utf-8")

    code = main(
        [
            "check",
            str(source),
            "--dataset",
            "training_records",
            "--county",
            NORTH,
            "--period",
            "2026-10",
            "--reference",
            str(reference),
            "--out",
            str(tmp_path / "out"),
        ]
    )

    assert code == 0  # one bad row of 40 is under the 5 % threshold: the file would be accepted
    printed = capsys.readouterr().out
    assert "would be accepted" in printed and "rows with errors 1" in printed
    path = feedback_paths(tmp_path / "out", NORTH, "2026-10", "training_records").csv
    with path.open(encoding="utf-8-sig") as f:
        lines = [tuple(r[:4]) for r in list(csv.reader(f))[1:]]
    assert lines == [("41", "结束日期", "2026年13月1日", "date_invalid")]
    assert not (load_settings().data_dir / "warehouse.db").exists()


def test_check_says_rejected_with_exit_status_1(tmp_path, capsys):
    reference = write_reference(tmp_path / "reference")
    source = tmp_path / "teachers.csv"
    source.write_text("id_number,name,tier\n" + f"{make_id(1)},王五,无\n", encoding="utf-8")
    code = main(
        [
            "check",
            str(source),
            "--dataset",
            "teachers",
            "--county",
            NORTH,
            "--period",
            "2026-10",
            "--reference",
            str(reference),
        ]
    )
    assert code == 1
    out = capsys.readouterr().out
    assert "REJECTED" in out and "缺少必填列“学校标识码”" in out
