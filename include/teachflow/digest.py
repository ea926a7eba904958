"""The daily digest (每日报送情况, cycle.md): one short Chinese text per county and one for the city.

Each county's text says: the files received in the last day and what became of each (rejected rows
counted, the feedback's link), what is still ``pending`` (days left) or ``missing`` (days overdue),
and the submissions ``rejected`` with nothing in force. The city's text gives every county's line
and lists what needs action. Texts go to ``<outbox>/<code>/digest/<YYYY-MM-DD>.txt`` (the city's
under its own code), written whole (temporary file, then rename); the portal shows them; the DAG
e-mails them to the accounts with an address.

Decisions the spec left open:
- The periods looked at run from the first period any county has sent (at most 12 months back) to
  the month before today; an older gap is for the rotation report's coverage, not a daily reminder.
- "The last day" is the 24 hours before the digest's moment (08:00 Asia/Shanghai by default).
- The feedback link is the portal's page when ``TEACHFLOW_PORTAL_URL`` is set, else the file's
  path under the outbox.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Connection, func, select

from teachflow import calendar
from teachflow.atomic_files import open_atomically
from teachflow.datasets import DATASETS, county_datasets
from teachflow.submission_status import SubmissionStatus, statuses
from teachflow.warehouse.schema import counties, submissions

LOOKBACK_MONTHS = 12
#: Lines the city's digest lists under "需要跟进"; the portal's city page has the rest.
CITY_LINES = 40

_RECEIVED_ZH = {
    "received": "处理中",
    "accepted": "已入库",
    "superseded": "已入库（之后又被新的报送替代）",
    "rejected": "整个文件退回",
    "quarantined": "多次处理失败，已隔离，市局数据科正在处理",
    "duplicate": "与上次报送的文件完全相同，未重复处理",
}


@dataclass(frozen=True)
class Digest:
    code: str  # county code, or the city's code
    name: str
    day: str  # YYYY-MM-DD, Asia/Shanghai
    text: str
    is_city: bool = False

    @property
    def subject(self) -> str:
        return f"【每日报送情况】{self.name} {self.day}"


def digest_periods(conn: Connection, today: dt.date) -> list[str]:
    """The periods a digest looks at (see the module docstring), oldest first."""
    last = calendar.previous_period(today)
    earliest = conn.execute(select(func.min(submissions.c.period)).where(submissions.c.period.like("____-__"))).scalar()
    first = calendar.shift_period(last, -(LOOKBACK_MONTHS - 1))
    if earliest and calendar.is_period(earliest) and earliest > first:
        first = earliest
    if first > last:
        first = last
    return calendar.periods_between(first, last)


def feedback_link(county: str, period: str, dataset: str, portal_url: str | None) -> str:
    if portal_url:
        return f"{portal_url.rstrip('/')}/county/{county}/feedback/{period}/{dataset}.xlsx"
    return f"{county}/{period}/{dataset}.feedback.xlsx"


def _title(dataset: str) -> str:
    spec = DATASETS.get(dataset)
    return spec.title_zh if spec else dataset


def _received_lines(conn: Connection, county: str, since: dt.datetime, until: dt.datetime, portal_url) -> list[str]:
    rows = conn.execute(
        select(
            submissions.c.period,
            submissions.c.dataset,
            submissions.c.status,
            submissions.c.received_at,
            submissions.c.rows_total,
            submissions.c.rows_rejected,
        )
        .where(
            submissions.c.county_code == county,
            submissions.c.received_at > since,
            submissions.c.received_at <= until,
            submissions.c.status != "abandoned",
        )
        .order_by(submissions.c.submission_id)
    ).all()
    lines = []
    for period, dataset, status, received_at, total, rejected in rows:
        what = _RECEIVED_ZH.get(status, status)
        if status in ("accepted", "superseded") and rejected:
            what = f"部分入库，{rejected} 行未入库"
        counts = f"，共 {total} 行" if total is not None and status != "duplicate" else ""
        line = f"- {period} {_title(dataset)}（{calendar.format_local(received_at)} 收到）：{what}{counts}"
        if status in ("accepted", "superseded", "rejected"):
            line += f"。反馈：{feedback_link(county, period, dataset, portal_url)}"
        lines.append(line)
    return lines


def _days(delta: dt.timedelta) -> int:
    return max(0, delta.days + (1 if delta.seconds or delta.microseconds else 0))


def county_text(
    county: str,
    name: str,
    county_statuses: list[SubmissionStatus],
    *,
    now: dt.datetime,
    received: list[str],
    portal_url: str | None,
) -> str:
    """One county's digest; ``received`` are the lines of the files received in the last day."""
    local = calendar.to_local(now)
    since = now - dt.timedelta(days=1)
    pending = [s for s in county_statuses if s.status == "pending"]
    missing = [s for s in county_statuses if s.status == "missing"]
    rejected = [s for s in county_statuses if s.status == "rejected"]
    out = [f"{name}（{county}）每日报送情况 {local:%Y-%m-%d}（截至 {calendar.format_local(now)}）", ""]
    out.append(f"一、近一天收到的文件（{calendar.format_local(since)} 至 {calendar.format_local(now)}）")
    out += received or ["- 无"]
    out.append("")
    out.append("二、待报送")
    out += [
        f"- {s.period} {_title(s.dataset)}：截止 {calendar.to_local(s.due_at - dt.timedelta(seconds=1)):%Y-%m-%d}，"
        f"还剩 {_days(s.due_at - now)} 天"
        for s in pending
    ] or ["- 无"]
    out.append("")
    out.append("三、逾期未报")
    out += [f"- {s.period} {_title(s.dataset)}：已逾期 {_days(now - s.due_at)} 天" for s in missing] or ["- 无"]
    out.append("")
    out.append("四、已退回且没有可用数据（请按反馈修改后重新报送）")
    out += [
        f"- {s.period} {_title(s.dataset)}：反馈 {feedback_link(county, s.period, s.dataset, portal_url)}"
        for s in rejected
    ] or ["- 无"]
    return "\n".join(out) + "\n"


def city_text(names: dict[str, str], all_statuses: list[SubmissionStatus], received: dict[str, int], *, now) -> str:
    out = [f"全市每日报送情况 {calendar.to_local(now):%Y-%m-%d}（截至 {calendar.format_local(now)}）", ""]
    out.append("各区县：近一天收到 / 待报送 / 逾期未报 / 已退回无可用数据")
    for code in sorted({s.county_code for s in all_statuses}):
        mine = [s for s in all_statuses if s.county_code == code]
        n = {k: sum(s.status == k for s in mine) for k in ("pending", "missing", "rejected")}
        out.append(
            f"- {names.get(code, code)}（{code}）：{received.get(code, 0)} / {n['pending']} / "
            f"{n['missing']} / {n['rejected']}"
        )
    action = [s for s in all_statuses if s.status in ("missing", "rejected")]
    action.sort(key=lambda s: (s.status != "rejected", -s.due_at.timestamp(), s.county_code))  # newest first
    out += ["", "需要跟进（已退回在前，其余按截止日由近及远）："]
    out += [
        f"- {names.get(s.county_code, s.county_code)} {s.period} {_title(s.dataset)}：{s.status_zh}"
        + (f"（已逾期 {_days(now - s.due_at)} 天）" if s.status == "missing" else "")
        for s in action[:CITY_LINES]
    ] or ["- 无"]
    if len(action) > CITY_LINES:
        out.append(f"- ……另有 {len(action) - CITY_LINES} 项，见门户的全市报送情况页面")
    return "\n".join(out) + "\n"


def build_digests(
    conn: Connection, *, now: dt.datetime, due_day: int = 5, portal_url: str | None = None
) -> list[Digest]:
    """Every county's digest and the city's, for the moment ``now`` (UTC)."""
    day = calendar.today_local(now).isoformat()
    rows = conn.execute(select(counties.c.county_code, counties.c.county_name, counties.c.is_city)).all()
    names = {code: name for code, name, _ in rows}
    city = next((code for code, _, is_city in rows if is_city), None)
    periods = digest_periods(conn, calendar.today_local(now))
    all_statuses = statuses(conn, periods, at=now, due_day=due_day, datasets=county_datasets())
    digests = []
    received: dict[str, int] = {}
    for code in sorted(c for c, _, is_city in rows if not is_city):
        mine = [s for s in all_statuses if s.county_code == code]
        lines = _received_lines(conn, code, now - dt.timedelta(days=1), now, portal_url)
        received[code] = len(lines)
        text = county_text(code, names[code], mine, now=now, received=lines, portal_url=portal_url)
        digests.append(Digest(code, names[code], day, text))
    if city:
        digests.append(Digest(city, names[city], day, city_text(names, all_statuses, received, now=now), True))
    return digests


def write_digest(outbox: Path, digest: Digest) -> Path:
    """``<outbox>/<code>/digest/<day>.txt``, written whole (temporary file, then rename)."""
    folder = Path(outbox) / digest.code / "digest"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / f"{digest.day}.txt"
    with open_atomically(target, "w", encoding="utf-8") as f:
        f.write(digest.text)
    return target


def newly_missing(all_statuses: list[SubmissionStatus], now: dt.datetime) -> list[SubmissionStatus]:
    """Submissions that became ``missing`` in the last day: the data team is alerted once for each."""
    since = now - dt.timedelta(days=1)
    return [s for s in all_statuses if s.status == "missing" and since < s.due_at <= now]


@dataclass(frozen=True)
class DigestRun:
    """What one run of the digest did: files written, e-mails sent, submissions newly missing."""

    written: list[Path]
    mailed: list[tuple[str, list[str]]]  # (code, addresses)
    newly_missing: list[SubmissionStatus]


def run_daily_digest(
    engine,
    outbox: Path,
    *,
    now: dt.datetime,
    due_day: int = 5,
    portal_url: str | None = None,
    smtp=None,
) -> DigestRun:
    """Build, write and (where SMTP and an address exist) e-mail every digest; the DAG's one task.

    Addresses are those of the portal accounts: a county's clerks get its digest, city staff the
    city's. A failed e-mail is raised after every digest was written, so the task fails visibly.
    """
    from teachflow.mail import send_mail
    from teachflow.portal.accounts import digest_addresses

    with engine.connect() as conn:
        digests = build_digests(conn, now=now, due_day=due_day, portal_url=portal_url)
        addresses = digest_addresses(conn)
        periods = digest_periods(conn, calendar.today_local(now))
        missing = newly_missing(statuses(conn, periods, at=now, due_day=due_day), now)
    written = [write_digest(outbox, d) for d in digests]
    mailed: list[tuple[str, list[str]]] = []
    errors: list[str] = []
    if smtp is not None:
        for d in digests:
            to = addresses.get(None if d.is_city else d.code, [])
            if not to:
                continue
            try:
                send_mail(smtp, to, d.subject, d.text)
                mailed.append((d.code, to))
            except OSError as err:  # smtplib's errors are OSErrors
                errors.append(f"{d.code}: {err}")
    if errors:
        raise RuntimeError("digest e-mail failed: " + "; ".join(errors))
    return DigestRun(written, mailed, missing)
