"""The assessment page: a ranking chart and each community's checklist scores, in one HTML file.

Self-contained (inline SVG and CSS, no script, no CDN) so it opens on a bureau PC without network
and can be mailed as it is. Chinese labels. Written atomically (temporary file, then rename).
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from teachflow.atomic_files import open_atomically
from teachflow.scoring.excel import ROLE_ZH, as_of_line, checklist_scores, policy_lines
from teachflow.scoring.model import ScoringModel
from teachflow.scoring.store import StoredRun

GRADE_COLOURS = {0: "#2e7d32", 1: "#1565c0", 2: "#f9a825", 3: "#c62828"}
BAR_HEIGHT, BAR_GAP, LABEL_WIDTH, CHART_WIDTH = 22, 6, 220, 520


def _fmt(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _mean(values: list[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


def ranking_svg(run: StoredRun, model: ScoringModel) -> str:
    """Horizontal bars of the community scores in rank order, with the grade bands' lines."""
    rows = [c for c in run.communities if c["score"] is not None]
    height = len(rows) * (BAR_HEIGHT + BAR_GAP) + 40
    width = LABEL_WIDTH + CHART_WIDTH + 70
    band_index = {b.grade: i for i, b in enumerate(model.grades)}
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" role="img" '
        f'aria-label="教共体得分排名" font-family="sans-serif" font-size="12">'
    ]
    for band in model.grades:
        if band.minimum <= 0:
            continue
        x = LABEL_WIDTH + CHART_WIDTH * band.minimum / 100
        parts.append(
            f'<line x1="{x:.1f}" y1="14" x2="{x:.1f}" y2="{height - 20}" stroke="#999" stroke-dasharray="4 3"/>'
        )
        parts.append(
            f'<text x="{x:.1f}" y="11" text-anchor="middle" fill="#555">{escape(band.grade)} {band.minimum:g}</text>'
        )
    for index, community in enumerate(rows):
        y = 20 + index * (BAR_HEIGHT + BAR_GAP)
        bar = CHART_WIDTH * max(0.0, min(100.0, community["score"])) / 100
        colour = GRADE_COLOURS.get(band_index.get(community["grade"], 3), "#777")
        label = f"{community['rank']}. {community['community_name']}"
        flag = " ⚑复核" if community["review_flag"] else ""
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT * 0.7:.1f}" text-anchor="end">{escape(label)}</text>'
        )
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{bar:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
            f"<title>{escape(community['community_name'])}: {_fmt(community['score'], 3)} "
            f"{escape(community['grade'] or '')}</title></rect>"
        )
        parts.append(
            f'<text x="{LABEL_WIDTH + bar + 4:.1f}" y="{y + BAR_HEIGHT * 0.7:.1f}">'
            f"{_fmt(community['score'])}{escape(flag)}</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def render_page(run: StoredRun, model: ScoringModel, context) -> str:
    status = "暂定结果（学年尚未结束或八月数据未到截止日，数据仍会变化）" if run.provisional else "最终结果"
    by_school = checklist_scores(run, model)
    codes = [c.code for c in model.checklists]
    schools_of: dict[str, list[dict]] = {}
    for school in run.schools:
        schools_of.setdefault(school["community_code"], []).append(school)

    head = "".join(
        f"<th>清单{c.code}<br><small>{escape(c.name)}（{c.weight:g}）</small></th>" for c in model.checklists
    )
    community_rows = []
    for c in run.communities:
        members = schools_of.get(c["community_code"], [])
        cells = "".join(
            f"<td>{_fmt(_mean([by_school.get(s['school_code'], {}).get(code) for s in members]))}</td>"
            for code in codes
        )
        flag = '<span class="flag">复核</span>' if c["review_flag"] else ""
        community_rows.append(
            f"<tr><td>{c['rank'] or '—'}</td>"
            f"<td>{escape(c['community_name'])}<br><small>{escape(c['community_code'])}</small></td>"
            f"{cells}<td><b>{_fmt(c['score'], 2)}</b></td><td>{escape(c['grade'] or '—')}</td><td>{flag}</td></tr>"
        )
    school_rows = []
    names = {c["community_code"]: c["community_name"] for c in run.communities}
    for s in run.schools:
        cells = "".join(f"<td>{_fmt(by_school.get(s['school_code'], {}).get(code))}</td>" for code in codes)
        school_rows.append(
            f"<tr><td>{escape(names.get(s['community_code'], s['community_code']))}</td>"
            f"<td>{escape(s['school_name'])}<br><small>{escape(s['school_code'])}</small></td>"
            f"<td>{ROLE_ZH.get(s['role'], s['role'])}</td>{cells}"
            f"<td>{_fmt(s['own_score'], 2)}</td><td><b>{_fmt(s['final_score'], 2)}</b></td></tr>"
        )
    school_head = "".join(f"<th>清单{c}</th>" for c in codes)
    coverage = "".join(f"<li>{escape(line)}</li>" for line in (context.coverage_lines or ("未记录数据覆盖情况。",)))
    notes = "".join(f"<li>{escape(line)}</li>" for line in policy_lines(model, context))
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>{escape(model.name)} {escape(run.school_year)}</title>
<style>
body {{ font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 2em; color: #222; }}
.coverage {{ border-left: 4px solid #d9822b; background: #fff7ef; padding: 8px 14px; margin: 12px 0; }}
.note {{ color: #555; font-size: 13px; }}
table {{ border-collapse: collapse; margin: 1em 0; }}
th, td {{ border: 1px solid #ccc; padding: 4px 8px; text-align: center; }}
th {{ background: #ddebf7; }}
small {{ color: #666; }}
.flag {{ color: #fff; background: #c62828; padding: 1px 6px; border-radius: 3px; }}
.status {{ font-weight: bold; color: {"#b26a00" if run.provisional else "#2e7d32"}; }}
</style></head><body>
<h1>{escape(model.name)}　{escape(run.school_year)} 学年</h1>
<p class="status">{status}</p>
<p>{escape(as_of_line(run, context))}。模型 {escape(model.name)} 版本 {escape(model.version)}，
SHA-256 <code>{escape(run.model_hash[:16])}…</code>。</p>
<div class="coverage"><b>数据覆盖</b><ul>{coverage}</ul></div>
<h2>教共体得分排名</h2>
{ranking_svg(run, model)}
<h2>各教共体清单得分</h2>
<p><small>清单得分为教共体内各校清单得分的平均；总分为各校捆绑后得分的平均。</small></p>
<table><tr><th>名次</th><th>教共体</th>{head}<th>总分</th><th>等级</th><th>复核</th></tr>
{"".join(community_rows)}
</table>
<h2>各校得分</h2>
<table><tr><th>教共体</th><th>学校</th><th>角色</th>{school_head}<th>自身得分</th><th>捆绑后得分</th></tr>
{"".join(school_rows)}
</table>
<h2>说明（政策口径与模型）</h2><ul class="note">{notes}</ul>
</body></html>
"""


def write_page(run: StoredRun, model: ScoringModel, path: Path, context) -> Path:
    page = render_page(run, model, context)
    with open_atomically(path, "w", encoding="utf-8") as handle:
        handle.write(page)
    return path
