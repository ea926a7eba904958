"""The assessment workbook for the bureau: overview, ranking, per-school scores, the breakdown, notes.

Made with :mod:`teachflow.reports.xlsx_kit` like the monthly report: a title and 截至 line on each
sheet, what the data rests on (coverage) and the policy figures used first, a native bar chart of
the ranking, scores as ``0.0``, frozen and repeated headers, A4 landscape one page wide. The 明细
sheet names every input in Chinese (the table keeps the English names for analysts' SQL). Written
to a temporary file beside the target and renamed over it, so nobody opens half a workbook.
"""

from __future__ import annotations

from pathlib import Path

from teachflow import calendar
from teachflow.atomic_files import write_atomically
from teachflow.reports.xlsx_kit import Book, Column
from teachflow.scoring.computed import INPUT_NAMES_ZH, MEMBER_PREFIX
from teachflow.scoring.model import ScoringModel
from teachflow.scoring.store import StoredRun

ROLE_ZH = {"lead": "牵头学校", "member": "成员校"}
EVALUATOR_GROUP_ZH = {"expert": "外聘专家", "bureau": "局机关", "recipient": "服务对象"}


def checklist_scores(run: StoredRun, model: ScoringModel) -> dict[str, dict[str, float | None]]:
    """school_code -> checklist code -> the school's checklist score (from the breakdown)."""
    codes = {c.code for c in model.checklists}
    out: dict[str, dict[str, float | None]] = {}
    for row in run.breakdown:
        if row["input_name"] == "score" and row["item"] in codes:
            out.setdefault(row["school_code"], {})[row["item"]] = row["value"]
    return out


ITEM_NAMES_ZH = {"own": "自身得分", "bundle": "捆绑", "final": "捆绑后得分"}


NOTES_ZH = {
    "no roster: the county sent no roster this school year": "无名册：该区县本学年未报送教师名册，记 0 分",
    "no roster: the school is on no roster this school year": "无名册：该校不在本学年任何名册中，记 0 分",
    "n/a: no eligible teachers": "不适用：无符合交流条件的教师",
    "n/a: no teacher rotated": "不适用：本学年无交流教师",
    "n/a: no member schools": "不适用：教共体无成员校",
    "no roster: mentee share counted as 0": "无名册：结对教师占比记 0",
    "n/a: nothing scorable": "不适用：无可计分指标",
    "n/a: no own score": "不适用：无自身得分",
    "n/a": "不适用",
    "no ratings": "无评分",
    "rescaled": "权重已按缺项重新分配",
}


def note_zh(note: str | None) -> str | None:
    """The breakdown's note in Chinese (parts joined by "; " translated one by one)."""
    if not note:
        return note
    return "；".join(NOTES_ZH.get(part, part) for part in note.split("; "))


def input_name_zh(name: str) -> str:
    """The breakdown's input in Chinese (the stored name stays English for analysts' SQL)."""
    if name in INPUT_NAMES_ZH:
        return INPUT_NAMES_ZH[name]
    if name.startswith(MEMBER_PREFIX):  # a lead's B3a: each member's B3a, averaged
        return f"成员校 {name.removeprefix(MEMBER_PREFIX)} 得分"
    for group, label in EVALUATOR_GROUP_ZH.items():
        if name.startswith(group):
            return name.replace(group, label, 1).replace("_mean", " 平均分").replace("_ratings", " 评分人数")
    return name


def status_zh(run: StoredRun) -> str:
    return "暂定（学年未结束或八月数据未到截止日）" if run.provisional else "最终"


def as_of_line(run: StoredRun, context) -> str:
    elapsed = context.policy.months_elapsed
    through = "全学年" if elapsed >= 12 else f"截至学年第 {elapsed} 个月"
    return (
        f"{run.school_year} 学年，{through}；{status_zh(run)}；计算于 {calendar.format_local(run.computed_at)}"
        f"（北京时间）；修订版次 {run.revision}"
    )


def policy_lines(model: ScoringModel, context) -> list[str]:
    p = context.policy
    prorated = (
        f"（暂定结果按已过 {p.months_elapsed} 个月折算为 {p.hours_required:g} 学时）" if p.months_elapsed < 12 else ""
    )
    activities_prorated = (
        f"，全学年 {p.joint_research_activities_per_year:g} 项按已过月数折算" if p.months_elapsed < 12 else ""
    )
    return [
        f"交流条件：学年初在现学校任教满 {p.eligibility_years} 年，以该区县本学年第一期名册为准（A1）。",
        f"交流比例目标 {p.rotation_target * 100:g}%（A1 达到即满分）；"
        f"骨干教师占比目标 {p.backbone_target * 100:g}%（B2）。",
        f"培训学时要求：每学年 {p.hours_per_year:g} 学时{prorated}（B1，以该区县本学年最新名册为准）。",
        f"联合教研活动（B3a）：成员校 = 50 × min(1, 本学年接受教共体内其他学校帮扶活动数 ÷ "
        f"{p.joint_research_activities:g}{activities_prorated}) + 50 × min(1, "
        f"与教共体内其他学校导师结对的本校教师占比 ÷ {p.joint_research_mentee_share * 100:g}%)；"
        "牵头学校取其成员校 B3a 的平均值；联合教研质量（B3b）为评议得分（原 B3 评分按 B3b 计）。",
        "本学年未报送任何教师名册的区县，其学校 A1、B1 记 0 分（无名册），不作缺项处理。",
        f"捆绑：成员校 = 自身 {model.member_own:g} + 教共体均分 {model.member_community:g}；"
        f"牵头学校 = 自身 {model.lead_own:g} + 成员校均分 {model.lead_members:g}。",
        "等级："
        + "，".join(f"≥{b.minimum:g} {b.grade}" for b in model.grades)
        + f"；末位 {model.review_share:.0%}（至少 {model.review_at_least} 个）列入复核。",
    ]


def write_workbook(run: StoredRun, model: ScoringModel, path: Path, context) -> Path:
    """The workbook (xlsxwriter), written to a temporary name and renamed over ``path``."""
    write_atomically(path, lambda tmp: _build(run, model, tmp, context))
    return path


def _build(run: StoredRun, model: ScoringModel, path: Path, context) -> None:
    book = Book(path, f"{model.name} {run.school_year}")
    as_of = as_of_line(run, context)
    status = status_zh(run)
    names = {c["community_code"]: c["community_name"] for c in run.communities}
    school_counts: dict[str, int] = {}
    for s in run.schools:
        school_counts[s["community_code"]] = school_counts.get(s["community_code"], 0) + 1

    ws, row = book.sheet("概览", as_of=as_of)
    ws.set_column(0, 0, 30)
    row = book.lines(ws, row, "数据覆盖（本次考核依据的报送情况）", context.coverage_lines or ("未记录数据覆盖情况。",))
    row = book.lines(ws, row, "政策口径与模型", policy_lines(model, context))
    ranked = [c for c in run.communities if c["score"] is not None]
    if ranked:
        chart = book.workbook.add_chart({"type": "bar"})
        chart.add_series(
            {
                "name": "教共体得分",
                "categories": ["排名", 4, 2, 3 + len(ranked), 2],
                "values": ["排名", 4, 4, 3 + len(ranked), 4],
                "fill": {"color": "#4A78B5"},
                "data_labels": {"value": True, "num_format": "0.0"},
            }
        )
        chart.set_title({"name": "教共体得分排名"})
        chart.set_x_axis({"min": 0, "max": 100, "num_format": "0"})
        chart.set_y_axis({"reverse": True})
        chart.set_legend({"none": True})
        chart.set_size({"width": 640, "height": max(240, 24 * len(ranked) + 80)})
        ws.insert_chart(row, 0, chart)

    ws, row = book.sheet("排名", as_of=as_of)
    book.table(
        ws,
        row,
        [
            Column("rank", "名次", "int", width=7),
            Column("community_code", "教共体代码", "text"),
            Column("community_name", "教共体名称", "name"),
            Column("schools", "学校数", "int", width=8),
            Column("score", "得分", "score"),
            Column("grade", "等级", "text", width=9),
            Column("review", "列入复核", "text", width=9),
            Column("status", "状态", "text", width=22),
        ],
        [
            {
                **c,
                "schools": school_counts.get(c["community_code"], 0),
                "review": "是" if c["review_flag"] else "否",
                "status": status,
                "grade": c["grade"] or "无数据",
            }
            for c in run.communities
        ],
        freeze_columns=3,
    )
    if run.communities:
        last = 3 + len(run.communities)
        grade_fills = {
            "优秀": "#C6EFCE",
            "良好": "#DDEBF7",
            "合格": "#FFF2CC",
            "不合格": "#FCE4D6",
            "无数据": "#EEEEEE",
        }
        for grade, colour in grade_fills.items():
            ws.conditional_format(
                4,
                5,
                last,
                5,
                {
                    "type": "cell",
                    "criteria": "==",
                    "value": f'"{grade}"',
                    "format": book.workbook.add_format({"bg_color": colour}),
                },
            )

    by_school = checklist_scores(run, model)
    codes = [c.code for c in model.checklists]
    ws, row = book.sheet("学校得分", as_of=as_of)
    book.table(
        ws,
        row,
        [
            Column("community_code", "教共体代码", "text"),
            Column("community_name", "教共体名称", "name"),
            Column("school_code", "学校标识码", "text"),
            Column("school_name", "学校名称", "name"),
            Column("role_zh", "角色", "text", width=9),
            *[Column(f"checklist_{c.code}", f"清单{c.code} {c.name}", "score", width=16) for c in model.checklists],
            Column("own_score", "自身得分", "score"),
            Column("final_score", "捆绑后得分", "score"),
        ],
        [
            {
                **s,
                "community_name": names.get(s["community_code"], ""),
                "role_zh": ROLE_ZH.get(s["role"], s["role"]),
                **{f"checklist_{code}": by_school.get(s["school_code"], {}).get(code) for code in codes},
            }
            for s in run.schools
        ],
        freeze_columns=4,
    )

    school_names = {s["school_code"]: s["school_name"] for s in run.schools}
    item_names = {i.code: f"{i.code} {i.name}" for i in model.indicators}
    item_names.update({c.code: f"清单{c.code} {c.name}" for c in model.checklists})
    ws, row = book.sheet("明细", as_of=as_of, subtitle="每项得分的输入、得分与权重，可据此手工复算")
    book.table(
        ws,
        row,
        [
            Column("school_code", "学校标识码", "text"),
            Column("school_name", "学校名称", "name"),
            Column("item_zh", "项目", "name"),
            Column("input_zh", "输入", "name"),
            Column("value", "数值", "number"),
            Column("weight", "权重", "number", width=10),
            Column("note_zh", "说明", "name", width=40),
        ],
        [
            {
                **b,
                "school_name": school_names.get(b["school_code"], ""),
                "item_zh": item_names.get(b["item"], ITEM_NAMES_ZH.get(b["item"], b["item"])),
                "input_zh": input_name_zh(b["input_name"]),
                "note_zh": note_zh(b["note"]),
            }
            for b in run.breakdown
        ],
        freeze_columns=2,
    )

    model_rows: list[dict] = [
        {"k": "模型", "v": model.name},
        {"k": "版本", "v": model.version},
        {"k": "模型文件 SHA-256", "v": run.model_hash},
        {"k": "学年", "v": run.school_year},
        {"k": "状态", "v": status},
        {"k": "修订版次", "v": str(run.revision)},
        {"k": "计算时间（北京时间）", "v": calendar.format_local(run.computed_at)},
        {
            "k": "评议主体权重",
            "v": "，".join(f"{EVALUATOR_GROUP_ZH.get(g, g)} {w:g}" for g, w in model.evaluator_groups.items()),
        },
    ]
    for checklist in model.checklists:
        model_rows.append({"k": f"清单 {checklist.code} {checklist.name}", "v": f"权重 {checklist.weight:g}"})
        for indicator in checklist.indicators:
            detail = (
                indicator.measure
                if indicator.kind == "computed"
                else "评议：" + "，".join(EVALUATOR_GROUP_ZH.get(e, e) for e in indicator.evaluators)
            )
            model_rows.append(
                {"k": f"  {indicator.code} {indicator.name}", "v": f"{detail}；清单内权重 {indicator.weight:.4g}"}
            )
    notes = [{"k": "政策口径", "v": line} for line in policy_lines(model, context)]
    ws, row = book.sheet("说明", as_of=as_of)
    book.table(
        ws, row, [Column("k", "项目", "name", width=34), Column("v", "值", "long", width=90)], model_rows + notes
    )
    book.close()
