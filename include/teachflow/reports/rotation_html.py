"""The rotation report as one self-contained HTML page with charts, readable opened from disk.

The page opens with what the data rests on (coverage) and a generated summary, then the headline
figures against their targets (with what is still needed), charts, the counties and communities
ranked, the school year month by month, the 帮扶与结对 section (:mod:`teachflow.reports.support_html`),
and the definitions and policy figures used. The charts are inline SVG drawn here (no JavaScript,
no CDN: the bureau's machines may be offline). No names.
"""

from __future__ import annotations

from html import escape
from pathlib import Path

from teachflow.reports.rotation_labels import yes_no
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


def line_chart(
    title: str, months: list[str], series: list[tuple[str, list[float | None]]], target: float | None
) -> str:
    """Month-by-month lines as SVG (the first series, the city, drawn thicker); a dashed target line."""
    width, height, left, top, plot_w, plot_h = 640, 260, 50, 30, 440, 180
    values = [v for _, vs in series for v in vs if v is not None]
    peak = max([*values, (target or 0) * 1.25, 0.01])
    step = plot_w / max(len(months) - 1, 1)

    def x(i: int) -> float:
        return left + i * step

    def y(v: float) -> float:
        return top + plot_h - v / peak * plot_h

    palette = ["#222222", "#4a78b5", "#d9822b", "#4e9a55", "#8e44ad", "#c0392b", "#16a085", "#7f8c8d", "#b8860b"]
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">',
        f"<title>{escape(title)}</title>",
        f'<text x="0" y="16" font-size="14" font-weight="bold">{escape(title)}</text>',
        f'<line x1="{left}" y1="{top + plot_h}" x2="{left + plot_w}" y2="{top + plot_h}" stroke="#999"/>',
    ]
    for i, month in enumerate(months):
        parts.append(f'<text x="{x(i):.1f}" y="{top + plot_h + 16}" text-anchor="middle">{escape(month)}</text>')
    if target is not None:
        parts.append(
            f'<line x1="{left}" y1="{y(target):.1f}" x2="{left + plot_w}" y2="{y(target):.1f}" '
            f'stroke="#c0392b" stroke-dasharray="4 3"/>'
            f'<text x="{left - 4}" y="{y(target) + 4:.1f}" text-anchor="end" fill="#c0392b">{_pct(target)}</text>'
        )
    for n, (name, vs) in enumerate(series):
        colour = palette[n % len(palette)]
        points = [(x(i), y(v)) for i, v in enumerate(vs) if v is not None]
        if len(points) > 1:
            path = " ".join(f"{px:.1f},{py:.1f}" for px, py in points)
            stroke = 3 if n == 0 else 1.5
            parts.append(f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="{stroke}"/>')
        for px, py in points:
            parts.append(f'<circle cx="{px:.1f}" cy="{py:.1f}" r="3" fill="{colour}"/>')
        ly = top + 10 + n * 16
        parts.append(
            f'<rect x="{left + plot_w + 14}" y="{ly - 9}" width="10" height="10" fill="{colour}"/>'
            f'<text x="{left + plot_w + 28}" y="{ly}">{escape(name[:10])}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def _change(value, kind: str) -> str:
    if value is None:
        return "—"
    if kind == "pct":
        return f"{value * 100:+.1f} 个百分点"
    return f"{int(value):+d}"


def _cell(value, kind: str) -> str:
    if kind in ("pct", "pct_change"):
        return _pct(value) if kind == "pct" else _change(value, "pct")
    if kind == "bool":
        return yes_no(value)
    if kind == "hours":
        return "" if value is None else f"{float(value):,.1f}"
    if kind == "int_change":
        return _change(value, "int")
    return "" if value is None else str(value)


def _table(rows: list[dict], columns) -> str:
    head = "".join(f"<th>{escape(c.header)}</th>" for c in columns)
    body = []
    for row in rows:
        cells = []
        for c in columns:
            value = row.get(c.key)
            css = ["text"] if c.kind == "text" else ["num"]
            if c.target is not None and value is not None:
                css.append("met" if float(value) >= c.target else "notmet")
            attr = f' class="{" ".join(css)}"' if css else ""
            cells.append(f"<td{attr}>{escape(_cell(value, c.kind))}</td>")
        body.append("<tr>" + "".join(cells) + "</tr>")
    return f"<table><thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>"


STYLE = """
body { font-family: "Noto Sans CJK SC", "Microsoft YaHei", "PingFang SC", sans-serif; margin: 24px; color: #222; }
h3 { font-size: 14px; margin: 14px 0 4px; }
h1 { font-size: 22px; margin-bottom: 4px; } h2 { font-size: 17px; margin-top: 28px; border-bottom: 1px solid #ccc; }
.coverage { border-left: 4px solid #d9822b; background: #fff7ef; padding: 8px 14px; margin: 12px 0; }
.coverage.ok { border-color: #4e9a55; background: #f1f8f1; }
.coverage ul { margin: 4px 0; padding-left: 20px; }
.summary { font-size: 15px; line-height: 1.7; background: #f4f7fb; padding: 10px 14px; border-radius: 6px; }
.cards { display: flex; flex-wrap: wrap; gap: 12px; }
.card { border: 1px solid #ddd; border-radius: 6px; padding: 10px 14px; min-width: 150px; }
.card b { display: block; font-size: 22px; }
.card .t { font-size: 12px; } .card.met { border-color: #4e9a55; } .card.notmet { border-color: #d9822b; }
.card.met .t { color: #2e7d32; } .card.notmet .t { color: #b35a00; }
.charts { display: flex; flex-wrap: wrap; gap: 24px; }
table { border-collapse: collapse; font-size: 12px; }
th, td { border: 1px solid #ccc; padding: 3px 6px; }
td.text { white-space: nowrap; } /* names, codes: a community name wrapped over 4-5 lines beside 15 figures */
th { background: #ddebf7; position: sticky; top: 0; }
td.num { text-align: right; } td:nth-child(2) { white-space: nowrap; }
td.met { background: #c6efce; } td.notmet { background: #fce4d6; }
.note { color: #555; font-size: 12px; }
@media print { .charts { display: block; } th { position: static; } }
"""


def _card(name: str, value: str, change: str | None = None, target: str | None = None, met=None) -> str:
    css = "" if met is None else (" met" if met else " notmet")
    lines = [f"{escape(name)}<b>{escape(value)}</b>"]
    if change:
        lines.append(f'<span class="t">较上月 {escape(change)}</span><br>')
    if target:
        lines.append(f'<span class="t">{escape(target)}</span>')
    return f'<div class="card{css}">{"".join(lines)}</div>'


def render_rotation_html(document) -> str:
    """The page of a :class:`~teachflow.reports.rotation_outputs.RotationDocument`."""
    from teachflow.reports.rotation_excel import as_of_line
    from teachflow.reports.rotation_labels import definition_lines, policy_lines, scope_columns
    from teachflow.reports.support_html import render_support_section
    from teachflow.reports.support_labels import definition_lines as support_definition_lines

    data, policy, view = document.data, document.policy, document.view
    rotation_target, backbone_target = policy.rotation_target, policy.backbone_target
    title = f"交流轮岗月报 {data.period}"
    city = view.rows["city"][0] if view.rows["city"] else {}
    counties = sorted(view.rows["county"], key=lambda r: (r["rank"] is None, r["rank"] or 0, r["scope_code"]))
    change = city.get("change", {})

    def target_text(met, needed_text: str, target: float) -> str:
        if met is None:
            return f"目标 {_pct(target)}"
        return f"目标 {_pct(target)}，已达标" if met else f"目标 {_pct(target)}，未达标，{needed_text}"

    cards = [
        _card("本学年已交流教师", str(city.get("rotated_sy", 0)), _change(change.get("rotated_sy"), "int")),
        _card(
            "交流比例",
            _pct(city.get("rotation_rate")),
            _change(change.get("rotation_rate"), "pct"),
            target_text(city.get("rotation_target_met"), f"还需 {city.get('rotation_needed', 0)} 人", rotation_target),
            city.get("rotation_target_met"),
        ),
        _card(
            "骨干教师占比",
            _pct(city.get("backbone_share")),
            _change(change.get("backbone_share"), "pct"),
            target_text(
                city.get("backbone_target_met"), f"还需骨干 {city.get('backbone_needed', 0)} 人", backbone_target
            ),
            city.get("backbone_target_met"),
        ),
        _card(
            "培训进度达标比例",
            _pct(city.get("training_on_track_share")),
            _change(change.get("training_on_track_share"), "pct"),
        ),
        _card("在外交流人数", str(city.get("active_out", 0)), _change(change.get("active_out"), "int")),
        _card("逾期未返", f"{city.get('overdue_out', 0)} 人次", _change(change.get("overdue_out"), "int")),
    ]
    months = sorted(view.trend)
    scopes = [*view.rows["city"], *view.rows["county"]]

    def series(key: str) -> list[tuple[str, list[float | None]]]:
        out = []
        for r in scopes:
            by_month = []
            for m in months:
                match = [x for x in view.trend[m].get(r["scope"], []) if x["scope_code"] == r["scope_code"]]
                value = match[0][key] if match else None
                by_month.append(None if value is None else float(value))
            out.append((r["scope_name"], by_month))
        return out

    trend_series = series("rotation_rate")
    charts = [
        hbar_chart(
            f"各区县交流比例（目标 {_pct(rotation_target)}）",
            [(r["scope_name"], r["rotation_rate"] and float(r["rotation_rate"])) for r in counties],
            target=rotation_target,
        ),
        line_chart(f"本学年交流比例逐月（目标 {_pct(rotation_target)}）", months, trend_series, rotation_target),
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
    coverage_ok = document.coverage is not None and document.coverage.complete
    coverage_html = "".join(f"<li>{escape(line)}</li>" for line in document.coverage_lines)
    summary_html = "".join(escape(s) for s in document.summary)
    columns = scope_columns(policy, ranked=True)
    short = [c for c in columns if c.key in _SHORT_KEYS]
    for kind_rows in (counties, view.rows["community"]):
        for r in kind_rows:
            r["change_rotation_rate"] = r["change"]["rotation_rate"]
            r["change_training_on_track_share"] = r["change"]["training_on_track_share"]
    communities = sorted(view.rows["community"], key=lambda r: (r["rank"] is None, r["rank"] or 0, r["scope_code"]))
    trend_head = "".join(f"<th>{escape(name)}</th>" for name, _ in trend_series)
    trend_tables = []
    for key, label in (
        ("rotation_rate", f"交流比例（目标 {_pct(rotation_target)}）"),
        ("backbone_share", f"骨干教师占比（目标 {_pct(backbone_target)}）"),
        ("training_on_track_share", "培训进度达标比例"),
    ):
        rows_html = "".join(
            f"<tr><td>{m}</td>" + "".join(f'<td class="num">{_pct(vs[i])}</td>' for _, vs in series(key)) + "</tr>"
            for i, m in enumerate(months)
        )
        trend_tables.append(
            f"<h3>{escape(label)}</h3><table><thead><tr><th>月份</th>{trend_head}</tr></thead>"
            f"<tbody>{rows_html}</tbody></table>"
        )
    notes = "".join(
        f"<li>{escape(line)}</li>"
        for line in [*policy_lines(policy), *definition_lines(policy), *support_definition_lines()]
    )
    return f"""<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{escape(title)}</title><style>{STYLE}</style></head>
<body>
<h1>{escape(title)}</h1>
<p class="note">{escape(city.get("scope_name", ""))} · {escape(as_of_line(document))}</p>
<div class="coverage{" ok" if coverage_ok else ""}"><b>数据覆盖</b><ul>{coverage_html}</ul></div>
<p class="summary">{summary_html}</p>
<div class="cards">{"".join(cards)}</div>
<h2>图表</h2>
<div class="charts">{"".join(f"<div>{c}</div>" for c in charts)}</div>
<h2>区县排名</h2>{_table(counties, short)}
<h2>本学年逐月（全市与各区县）</h2>
{"".join(trend_tables)}
<h2>教共体排名</h2>{_table(communities, short)}
{render_support_section(document.support)}
<h2>逾期未返</h2><p>共 {len(data.overdue)} 人次，按学校和脱敏标识列于同目录 Excel 的“逾期未返”工作表；
教师姓名只在发给各区县和市局的受限名单中。</p>
<h2>说明（口径与政策参数）</h2><ul class="note">{notes}</ul>
</body></html>
"""


#: The columns of the HTML tables (the Excel has them all).
_SHORT_KEYS = frozenset(
    {
        "rank",
        "scope_name",
        "eligible_teachers",
        "rotated_sy",
        "rotation_rate",
        "rotation_needed",
        "backbone_rotated_sy",
        "backbone_share",
        "backbone_needed",
        "active_out",
        "overdue_out",
        "training_on_track_share",
        "change_rotation_rate",
        "change_training_on_track_share",
    }
)


def write_rotation_html(document, path: Path) -> None:
    path.write_text(render_rotation_html(document), encoding="utf-8")
