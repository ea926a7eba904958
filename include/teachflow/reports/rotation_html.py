"""The rotation report as one self-contained HTML page with charts, readable opened from disk.

The charts are inline SVG drawn here (no JavaScript, no CDN: the bureau's machines may be
offline): rotation rate by county against the target line, active flows by type, backbone share
by county against its target, and the training on-track share by county. Labels are Chinese.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from teachflow.reports.months import report_month
from teachflow.reports.rotation import RotationReportData
from teachflow.reports.rotation_labels import MONTHLY_COLUMNS, yes_no
from teachflow.reports.rotation_sql import RotationPolicy
from teachflow.vocabularies import FLOW_TYPE

BAR_HEIGHT = 18
LABEL_WIDTH = 150
PLOT_WIDTH = 460
MET, NOT_MET, NEUTRAL = "#4e9a55", "#d9822b", "#4a78b5"


def _pct(value) -> str:
    return "—" if value is None else f"{float(value) * 100:.1f}%"


def hbar_chart(
    title: str, items: list[tuple[str, float | None]], *, target: float | None = None, percent: bool = True
) -> str:
    """A horizontal bar chart as SVG: one bar per item, a dashed line at ``target``; blank values say 无数据."""
    values = [v for _, v in items if v is not None]
    top = max([*values, target or 0, 1e-9])
    if percent:
        top = max(top, (target or 0) * 1.25, 0.01)
    scale = PLOT_WIDTH / top
    height = 30 + len(items) * (BAR_HEIGHT + 6) + 20
    width = LABEL_WIDTH + PLOT_WIDTH + 70
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
    ]
    for i, (label, value) in enumerate(items):
        y = 30 + i * (BAR_HEIGHT + 6)
        parts.append(
            f'<text x="{LABEL_WIDTH - 6}" y="{y + BAR_HEIGHT - 5}" text-anchor="end">{escape(label[:12])}</text>'
        )
        if value is None:
            parts.append(f'<text x="{LABEL_WIDTH + 4}" y="{y + BAR_HEIGHT - 5}" fill="#888">无数据</text>')
            continue
        colour = NEUTRAL if target is None else (MET if value >= target else NOT_MET)
        length = max(float(value) * scale, 1)
        text = _pct(value) if percent else f"{value:g}"
        parts.append(
            f'<rect x="{LABEL_WIDTH}" y="{y}" width="{length:.1f}" height="{BAR_HEIGHT}" fill="{colour}">'
            f"<title>{escape(label)}: {text}</title></rect>"
        )
        parts.append(f'<text x="{LABEL_WIDTH + length + 4:.1f}" y="{y + BAR_HEIGHT - 5}">{text}</text>')
    if target is not None:
        x = LABEL_WIDTH + target * scale
        bottom = height - 16
        parts.append(f'<line x1="{x:.1f}" y1="26" x2="{x:.1f}" y2="{bottom}" stroke="#c0392b" stroke-dasharray="4 3"/>')
        parts.append(
            f'<text x="{x:.1f}" y="{bottom + 12}" text-anchor="middle" fill="#c0392b">目标 {_pct(target)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _table(rows: list[dict]) -> str:
    head = "".join(f"<th>{escape(h)}</th>" for _, h, _ in MONTHLY_COLUMNS)
    body = []
    for row in rows:
        cells = []
        for name, _, kind in MONTHLY_COLUMNS:
            value = row.get(name)
            if kind == "pct":
                text = _pct(value)
            elif kind == "bool":
                text = yes_no(value)
            elif kind == "hours":
                text = f"{float(value):,.2f}"
            else:
                text = "" if value is None else str(value)
            align = "" if kind == "text" else ' class="num"'
            cells.append(f"<td{align}>{escape(text)}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 24px; color: #222; }
h1 { font-size: 22px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 130px; }
.card b { display: block; font-size: 20px; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; }
th { background: #ddebf7; position: sticky; top: 0; }
td.num { text-align: right; }
.note { color: #666; font-size: 12px; }
@media print { .charts { display: block; } }
"""


def render_rotation_html(data: RotationReportData, policy: RotationPolicy) -> str:
    rotation_target, backbone_target = policy.rotation_target, policy.backbone_target
    month = report_month(data.period)
    title = f"交流轮岗月报 {data.period}"
    city = data.rows["city"][0] if data.rows["city"] else {}
    counties = data.rows["county"]
    cards = [
        ("在外交流人数", city.get("active_out", 0)),
        ("本月新派出", city.get("started_out", 0)),
        ("逾期未返", city.get("overdue_out", 0)),
        ("本学年已交流教师", city.get("rotated_sy", 0)),
        ("交流比例", _pct(city.get("rotation_rate"))),
        ("骨干教师占比", _pct(city.get("backbone_share"))),
        ("培训进度达标比例", _pct(city.get("training_on_track_share"))),
    ]
    charts = [
        hbar_chart(
            f"各区县交流比例（目标 {_pct(rotation_target)}）",
            [(r["scope_name"], r["rotation_rate"] and float(r["rotation_rate"])) for r in counties],
            target=rotation_target,
        ),
        hbar_chart(
            "月末在外交流人数（按交流类型，全市）",
            [(FLOW_TYPE.label_of(t), n) for t, n in data.active_by_type.items()],
            percent=False,
        ),
        hbar_chart(
            f"各区县骨干教师占比（目标 {_pct(backbone_target)}）",
            [(r["scope_name"], r["backbone_share"] and float(r["backbone_share"])) for r in counties],
            target=backbone_target,
        ),
        hbar_chart(
            "各区县培训进度达标比例",
            [(r["scope_name"], r["training_on_track_share"] and float(r["training_on_track_share"])) for r in counties],
        ),
    ]
    card_html = "".join(f'<div class="card">{escape(k)}<b>{escape(str(v))}</b></div>' for k, v in cards)
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="note">{escape(city.get("scope_name", ""))} · {month.school_year} 学年第 {month.months_elapsed} 个月 ·
统计截至 {month.month_end.isoformat()} · 修订版次 {data.revision}</p>
<div class="cards">{card_html}</div>
<h2>图表</h2>
<div class="charts">{"".join(f"<div>{c}</div>" for c in charts)}</div>
<h2>区县</h2>{_table(counties)}
<h2>教共体</h2>{_table(data.rows["community"])}
<h2>逾期未返</h2><p>共 {len(data.overdue)} 人次，名单见同目录 Excel 的“逾期未返”工作表。</p>
<p class="note">口径：交流比例 = 本学年已交流教师数 / 符合交流条件教师数（学年初在校满 {policy.eligibility_years} 年）；
骨干教师占比 = 已交流教师中骨干教师、学科带头人、名师所占比例；
培训进度达标 = 本学年截至月末学时 ≥ {policy.training_hours_per_year:g} 学时 × 已过月数 / 12（9 月为第 1 个月）。</p>
</body></html>
"""


def write_rotation_html(data: RotationReportData, path: Path, policy: RotationPolicy) -> None:
    path.write_text(render_rotation_html(data, policy), encoding="utf-8")
