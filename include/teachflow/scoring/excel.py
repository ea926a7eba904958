"""The assessment workbook for the bureau's analysts: ranking, per-school scores, the breakdown, the model.

Chinese headers; one sheet per view. Written to a temporary file beside the target and renamed over
it, so nobody opens half a workbook.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from teachflow.scoring.model import ScoringModel
from teachflow.scoring.store import StoredRun

ROLE_ZH = {"lead": "牵头学校", "member": "成员校"}


def checklist_scores(run: StoredRun, model: ScoringModel) -> dict[str, dict[str, float | None]]:
    """school_code -> checklist code -> the school's checklist score (from the breakdown)."""
    codes = {c.code for c in model.checklists}
    out: dict[str, dict[str, float | None]] = {}
    for row in run.breakdown:
        if row["input_name"] == "score" and row["item"] in codes:
            out.setdefault(row["school_code"], {})[row["item"]] = row["value"]
    return out


def _sheet(workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]], widths: Sequence[int]) -> None:
    from openpyxl.styles import Font, PatternFill

    sheet = workbook.create_sheet(title)
    sheet.append(list(headers))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.fill = PatternFill("solid", fgColor="DDEBF7")
    for row in rows:
        sheet.append(list(row))
    sheet.freeze_panes = "A2"
    if rows:
        sheet.auto_filter.ref = sheet.dimensions
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[sheet.cell(1, index).column_letter].width = width


def write_workbook(run: StoredRun, model: ScoringModel, path: Path) -> Path:
    from openpyxl import Workbook

    status = "暂定（学年未结束）" if run.provisional else "最终"
    workbook = Workbook()
    workbook.remove(workbook.active)
    names = {c["community_code"]: c["community_name"] for c in run.communities}
    school_counts: dict[str, int] = {}
    for s in run.schools:
        school_counts[s["community_code"]] = school_counts.get(s["community_code"], 0) + 1
    _sheet(
        workbook,
        "排名",
        ["名次", "教共体代码", "教共体名称", "学校数", "得分", "等级", "列入复核", "状态"],
        [
            [
                c["rank"],
                c["community_code"],
                c["community_name"],
                school_counts.get(c["community_code"], 0),
                c["score"],
                c["grade"],
                "是" if c["review_flag"] else "否",
                status,
            ]
            for c in run.communities
        ],
        [8, 14, 28, 8, 10, 10, 10, 18],
    )
    by_school = checklist_scores(run, model)
    codes = [c.code for c in model.checklists]
    _sheet(
        workbook,
        "学校得分",
        [
            "教共体代码",
            "教共体名称",
            "学校标识码",
            "学校名称",
            "角色",
            *[f"清单{code} {c.name}" for code, c in zip(codes, model.checklists, strict=True)],
            "自身得分",
            "捆绑后得分",
        ],
        [
            [
                s["community_code"],
                names.get(s["community_code"], ""),
                s["school_code"],
                s["school_name"],
                ROLE_ZH.get(s["role"], s["role"]),
                *[
                    None
                    if by_school.get(s["school_code"], {}).get(code) is None
                    else round(by_school[s["school_code"]][code], 3)
                    for code in codes
                ],
                s["own_score"],
                s["final_score"],
            ]
            for s in run.schools
        ],
        [14, 28, 14, 28, 10, *[16] * len(codes), 10, 12],
    )
    _sheet(
        workbook,
        "明细",
        ["学校标识码", "项目", "输入", "数值", "权重", "说明"],
        [[b["school_code"], b["item"], b["input_name"], b["value"], b["weight"], b["note"]] for b in run.breakdown],
        [14, 10, 24, 14, 10, 36],
    )
    model_rows: list[list[Any]] = [
        ["模型", model.name],
        ["版本", model.version],
        ["模型文件 SHA-256", run.model_hash],
        ["学年", run.school_year],
        ["状态", status],
        ["计算时间 (UTC)", str(run.computed_at)],
        ["评议主体权重", ", ".join(f"{g} {w:g}" for g, w in model.evaluator_groups.items())],
        ["成员校捆绑", f"自身 {model.member_own:g} + 教共体均分 {model.member_community:g}"],
        ["牵头学校捆绑", f"自身 {model.lead_own:g} + 成员校均分 {model.lead_members:g}"],
        ["复核比例", f"末位 {model.review_share:g}（至少 {model.review_at_least} 个）"],
        ["等级", "，".join(f"≥{b.minimum:g} {b.grade}" for b in model.grades)],
    ]
    for checklist in model.checklists:
        model_rows.append([f"清单 {checklist.code} {checklist.name}", f"权重 {checklist.weight:g}"])
        for indicator in checklist.indicators:
            detail = indicator.measure if indicator.kind == "computed" else "评议: " + ", ".join(indicator.evaluators)
            params = ", ".join(f"{k}={v:g}" for k, v in indicator.params.items())
            model_rows.append(
                [f"  {indicator.code} {indicator.name}", f"{detail} {params} 清单内权重 {indicator.weight:.4g}"]
            )
    _sheet(workbook, "模型", ["项目", "值"], model_rows, [34, 80])
    return _save(workbook, path)


def _save(workbook, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    os.close(fd)
    try:
        workbook.save(temp_name)
        os.replace(temp_name, path)
    except BaseException:
        Path(temp_name).unlink(missing_ok=True)
        raise
    return path
