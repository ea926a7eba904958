"""The 帮扶与结对 section of the monthly report's HTML page (called by :mod:`teachflow.reports.rotation_html`).

The city's two sentences, two inline SVG charts (the city's activities of M by type; activities
received per county) and the counties' and communities' figures, then the city's activities by
type and mode. Same look as the rest of the page; no script, counts only.
"""

from __future__ import annotations

from html import escape

from teachflow.reports.rotation_html import _table, hbar_chart
from teachflow.reports.support import SupportReportData
from teachflow.reports.support_labels import (
    SECTION_TITLE,
    city_by_type,
    city_lines,
    scope_columns,
    scope_records,
    type_columns,
    type_records,
)


def render_support_section(data: SupportReportData) -> str:
    """The section's HTML: a ``<h2>`` and what follows it."""
    lines = "".join(escape(line) for line in city_lines(data))
    if not data.computed:
        return f"<h2>{escape(SECTION_TITLE)}</h2><p class='note'>{lines}</p>"
    charts = [
        hbar_chart("本月帮扶活动（按类型，全市） Activities by type", city_by_type(data), percent=False),
        hbar_chart(
            "各区县本月受援活动 Activities received by county",
            [(r["scope_name"], r["activities_month"]) for r in data.rows["county"]],
            percent=False,
        ),
    ]
    records = [r for r in scope_records(data) if r["scope"] != "city"]
    city_types = [r for r in type_records(data) if r["scope"] == "city"]
    type_table = [c for c in type_columns() if c.key not in ("scope_kind", "scope_code", "scope_name")]
    types_html = (
        _table(city_types, type_table) if city_types else "<p class='note'>本月没有帮扶活动 No activity in M.</p>"
    )
    return (
        f"<h2>{escape(SECTION_TITLE)}</h2>"
        f'<p class="summary">{lines}</p>'
        f'<div class="charts">{"".join(f"<div>{c}</div>" for c in charts)}</div>'
        f"<h3>各区县与教共体 Counties and communities</h3>{_table(records, scope_columns())}"
        f"<h3>本月帮扶活动类型（全市） Activities by type and mode (city)</h3>{types_html}"
        "<p class='note'>各区县、教共体的分类明细见同目录 Excel 的“帮扶活动类型”工作表。</p>"
    )
