"""``teachflow sample``, end to end: reference CSVs, every county's monthly drops, the manifest.

Order of work: the city (counties, schools, communities) -> teachers -> flows (transfers move
teachers) -> for each month and county the roster, the flows file and the training records, each
streamed to disk -> the city's assessment ratings -> ``sample/manifest.json``. Everything random
comes from ``random.Random`` seeded with ``--seed`` and the part's name, so the same flags give the
same files.

Roster-level mistakes (only when mistakes are on; both reject the whole file by design):
- one county's roster for one month (the second county, the second-to-last month) holds one ID
  with a wrong check character: rosters allow no bad row, so the whole roster is rejected;
- one month (the third-to-last) the last county's folder holds the first county's roster instead
  of its own (a clerk uploaded the neighbour's file): rejected as roster_other_county.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from teachflow.contract import ASSESSMENT_RATINGS, DATASETS, TEACHER_FLOWS, TEACHERS, TRAINING_RECORDS
from teachflow.sample.city import City, County, build_city, write_reference
from teachflow.sample.drops import Drop, write_drop
from teachflow.sample.files import FileRecord
from teachflow.sample.flows import Flow, build_flows, flows_by_report
from teachflow.sample.mistakes import ForcedMistakes, Mistake, MistakeInjector
from teachflow.sample.params import SampleParams, rng_for
from teachflow.sample.people import build_teachers
from teachflow.sample.periods import Period
from teachflow.sample.practices import activity_rows, build_pairings, pairings_by_report
from teachflow.sample.ratings import EVALUATORS, RATED_INDICATORS, legacy_rows, rating_rows
from teachflow.sample.rosters import RosterEntry, roster_rows, rosters_for
from teachflow.sample.styles import CITY, PLAIN, XLSX_MAX_ROWS, XLSX_MAX_TEACHERS, FileStyle, county_style
from teachflow.sample.training import ProgrammeCatalogue, training_rows

log = logging.getLogger(__name__)

Row = tuple[list, list]  # logical values and rendered cells, contract column order

MANIFEST = Path("sample") / "manifest.json"

RULES = {
    "teachers": "Each county's full roster for the month, as on the month's last day: new hires from "
    "their first September, retirees until August, a transferred teacher at the new school from the "
    "transfer date (current_school_since = transfer date).",
    "teacher_flows": "A county's file for month M holds every flow touching one of its schools that is "
    "active at some time in M (start <= last day of M, no actual end before the first day of M); the "
    "actual end date is filled once it lies in M or earlier. Transfers are reported in the month they "
    "start. Flows between two counties are reported by both. Empty files are not written.",
    "training_records": "Records whose end date falls in M, split over the counties in proportion to "
    "their rosters; each teacher attends a programme at most once. Empty files are not written.",
    "pairings": "Mentors of each community's lead school paired with 1-3 teachers of its member schools "
    "(most from the window's first September); a county's file for M lists the pairings started or ended "
    "in M; a pairing across two counties is reported by both. Empty files are not written.",
    "support_activities": "Activities mentors host for their mentees' schools in every month a pairing is "
    "active, one row per (host, day, type, target school); a county's file for M holds the activities of M "
    "touching one of its schools (both counties report a cross-county one). Empty files are not written.",
    "assessment_ratings": "City folder only, once: in the last August of the window (else the last "
    "month), scores 50..100 for indicators A2, B3b, C1 of every community school by 3 expert, 2 bureau "
    "and 4 recipient evaluators; with mistakes on, bureau evaluator JG02 still writes B3b as B3 (the "
    "code before B3 was split), a labelled warning.",
}


@dataclass
class SampleSummary:
    out: Path
    city: City
    teachers: int
    flows: list[Flow]
    files: list[FileRecord] = field(default_factory=list)
    mistakes: list[Mistake] = field(default_factory=list)
    pairings: int = 0

    def rows_of(self, dataset: str) -> int:
        return sum(f.rows for f in self.files if f.dataset == dataset)


@dataclass(frozen=True)
class RosterMistakes:
    """Where the two roster-level mistakes go (None: not placed)."""

    bad_id: tuple[str, int] | None  # county code, period index
    other_county: tuple[str, str, int] | None  # folder county code, source county code, period index

    @classmethod
    def place(cls, params: SampleParams, counties: list[County]) -> RosterMistakes:
        if params.mistakes <= 0:
            return cls(None, None)
        last = params.months - 1
        other = (counties[-1].code, counties[0].code, max(0, last - 2)) if len(counties) > 1 else None
        bad = (counties[min(1, len(counties) - 1)].code, max(0, last - 1))
        if other is not None and bad == (other[0], other[2]):
            bad = (counties[0].code, bad[1])
        return cls(bad, other)


def split(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights`` (largest remainder; all zero weights: nothing)."""
    scale = sum(weights)
    if total <= 0 or scale <= 0:
        return [0] * len(weights)
    shares = [total * w / scale for w in weights]
    parts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: (parts[i] - shares[i], i))
    for i in order[: total - sum(parts)]:
        parts[i] += 1
    return parts


def remove_previous(out: Path) -> None:
    """Delete exactly the files an earlier run listed in its manifest (nothing else in ``out``)."""
    manifest = out / MANIFEST
    if not manifest.exists():
        return
    listed = json.loads(manifest.read_text(encoding="utf-8")).get("files", [])
    folders = set()
    inside = out.resolve()
    for entry in listed:
        path = out / entry["path"]
        if path.is_file() and path.resolve().is_relative_to(inside):
            path.unlink()
            folders.add(path.parent)
    manifest.unlink()
    for folder in sorted(folders | {manifest.parent}, key=lambda p: len(p.parts), reverse=True):
        while folder != out and folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
            folder = folder.parent


def _ratings_period(periods: list[Period]) -> Period:
    """The last August of the window (end of a school year), else the window's last month."""
    augusts = [p for p in periods if p.month == 8]
    return augusts[-1] if augusts else periods[-1]


class _Run:
    """The state of one generation: where files go and what has been written."""

    def __init__(self, params: SampleParams, out: Path, summary: SampleSummary) -> None:
        self.params = params
        self.out = out
        self.landing = out / "landing"
        self.summary = summary
        self.injector = MistakeInjector(params.mistakes, summary.city) if params.mistakes > 0 else None

    def write(
        self, drop: Drop, style: FileStyle, rows: Iterable[Row], n_rows: int, forced: dict[int, str] | None = None
    ) -> None:
        if n_rows == 0:
            return
        if style.file_format == "xlsx" and (n_rows > XLSX_MAX_ROWS or self.params.teachers > XLSX_MAX_TEACHERS):
            style = style.as_csv()
        rng = rng_for(self.params.seed, "mistakes", drop.county_code, drop.period, drop.dataset.name)
        mistakes = None
        if self.injector is not None and forced:
            mistakes = ForcedMistakes(self.injector, drop.dataset, forced, rng)
        elif self.injector is not None and drop.dataset.name != "teachers":
            mistakes = self.injector.for_file(drop.dataset, n_rows, rng)
        record, made = write_drop(self.out, self.landing, drop, style, rows, mistakes)
        self.summary.files.append(record)
        self.summary.mistakes.extend(made)


def generate(params: SampleParams, out: Path) -> SampleSummary:
    """Write the whole sample under ``out``; return what was written."""
    params.check()
    out.mkdir(parents=True, exist_ok=True)
    remove_previous(out)
    city = build_city(params)
    log.info("city %s: %d counties, %d schools", city.code, len(city.counties), len(city.schools))
    teachers = build_teachers(params, city)
    flows = build_flows(params, city, teachers)
    pairings = build_pairings(params, city, teachers)
    log.info("%d teachers, %d flows, %d pairings", len(teachers), len(flows), len(pairings))
    summary = SampleSummary(out, city, len(teachers), flows, pairings=len(pairings))
    summary.files.extend(write_reference(city, out / "reference", out))

    run = _Run(params, out, summary)
    periods = params.periods
    reports = flows_by_report(flows, periods)
    styles = {c.code: county_style(params.seed, c.code, c.index, params.file_format) for c in city.counties}
    placed = RosterMistakes.place(params, city.counties)
    counties_by_code = {c.code: c for c in city.counties}
    catalogue = ProgrammeCatalogue(params.seed, city.name)
    per_month = split(params.n_training_records, [1.0] * len(periods))
    pairing_reports = pairings_by_report(pairings, periods)
    pairing_set, activity_set = DATASETS["pairings"], DATASETS["support_activities"]

    for index, period in enumerate(periods):
        rosters = rosters_for(teachers, index, period.last_day)
        activities = activity_rows(params, pairings, period)
        training_split = split(per_month[index], [len(rosters.get(c.code, [])) for c in city.counties])
        for county, n_training in zip(city.counties, training_split, strict=True):
            if county.index < params.heavy_counties:
                n_training = params.heavy_training_rows
            style = styles[county.code]
            entries = rosters.get(county.code, [])
            _write_roster(run, county, period, index, style, entries, rosters, placed, counties_by_code)

            flows_here = reports.get((county.code, index), [])
            render = style.renderer(TEACHER_FLOWS)
            rows = ((row, render(row)) for row in (f.row(county, period) for f in flows_here))
            run.write(Drop(county.code, county.name, period, TEACHER_FLOWS), style, rows, len(flows_here))

            rng = rng_for(params.seed, "training", county.code, period)
            rows = training_rows(entries, n_training, period, catalogue, rng, style.renderer(TRAINING_RECORDS))
            run.write(Drop(county.code, county.name, period, TRAINING_RECORDS), style, rows, n_training)

            reported = pairing_reports.get((county.code, index), [])
            render = style.renderer(pairing_set)
            rows = ((row, render(row)) for row in (p.row(period) for p in reported))
            run.write(Drop(county.code, county.name, period, pairing_set), style, rows, len(reported))

            held = activities.get(county.code, [])
            render = style.renderer(activity_set)
            run.write(
                Drop(county.code, county.name, period, activity_set), style, ((r, render(r)) for r in held), len(held)
            )
        log.info("period %s written", period)

    ratings_period = _ratings_period(periods)
    city_style = PLAIN if params.file_format == "csv" else CITY
    per_school = len(RATED_INDICATORS) * sum(n for _, n in EVALUATORS.values())
    n_ratings = sum(len(c.schools) for c in city.communities) * per_school
    rows = rating_rows(params.seed, city, ratings_period.school_year, city_style.renderer(ASSESSMENT_RATINGS))
    # With mistakes on, one evaluator still writes B3 for B3b (read as B3b, the city is told).
    legacy = {i: "indicator_renamed" for i in legacy_rows(city)} if params.mistakes > 0 else None
    run.write(Drop(city.code, city.name, ratings_period, ASSESSMENT_RATINGS), city_style, rows, n_ratings, legacy)

    _write_manifest(params, summary, styles, ratings_period)
    return summary


def _write_roster(
    run: _Run,
    county: County,
    period: Period,
    index: int,
    style: FileStyle,
    entries: list[RosterEntry],
    rosters: dict[str, list[RosterEntry]],
    placed: RosterMistakes,
    counties_by_code: dict[str, County],
) -> None:
    drop = Drop(county.code, county.name, period, TEACHERS)
    render = style.renderer(TEACHERS)
    source = counties_by_code[placed.other_county[1]] if placed.other_county else None
    foreign = rosters.get(source.code, []) if source else []
    if placed.other_county is not None and placed.other_county[::2] == (county.code, index) and foreign:
        run.write(drop, style, roster_rows(foreign, render), len(foreign))
        run.summary.mistakes.append(
            Mistake(
                file=run.summary.files[-1].path,
                dataset="teachers",
                county_code=county.code,
                period=str(period),
                row=None,
                column="school_code",
                code="roster_other_county",
                severity="file",
                value=foreign[0][1].code,
                note=f"the roster of {source.name} ({source.code}) saved into {county.name}'s folder; "
                f"{county.name}'s own roster for {period} is missing",
            )
        )
        return
    forced = None
    if placed.bad_id == (county.code, index) and entries:
        forced = {rng_for(run.params.seed, "roster-bad-id").randrange(len(entries)): "id_check_character"}
    run.write(drop, style, roster_rows(entries, render), len(entries), forced)


def _flow_counts(flows: list[Flow], today: dt.date) -> dict:
    return {
        "by_type": dict(sorted(Counter(f.flow_type for f in flows).items())),
        "open": sum(1 for f in flows if f.flow_type != "transfer" and (f.actual_end is None or f.actual_end > today)),
        "overdue": sum(1 for f in flows if f.flow_type != "transfer" and f.overdue_on(today)),
        "cross_county": sum(1 for f in flows if f.cross_county),
        "disagreements": sum(1 for f in flows if f.receiver_planned_end is not None),
    }


def _write_manifest(
    params: SampleParams, summary: SampleSummary, styles: dict[str, FileStyle], ratings_period: Period
) -> None:
    city = summary.city
    today = params.periods[-1].last_day
    schools_per_county = Counter(s.county.code for s in city.schools)
    manifest = {
        "generator": "teachflow sample",
        "parameters": params.as_manifest(),
        "seed": params.seed,
        "city": {"code": city.code, "name": city.name},
        "counties": [
            {
                "code": c.code,
                "name": c.name,
                "kind": c.kind,
                "schools": schools_per_county[c.code],
                "style": dataclasses.asdict(styles[c.code]),
            }
            for c in city.counties
        ],
        "county_codes": [c.code for c in city.counties],
        "periods": [str(p) for p in params.periods],
        "today": today.isoformat(),
        "rules": RULES,
        "assessment_ratings": {"period": str(ratings_period), "school_year": ratings_period.school_year},
        "counts": {
            "teachers": summary.teachers,
            "schools": len(city.schools),
            "communities": len(city.communities),
            "community_schools": sum(len(c.schools) for c in city.communities),
            "flows": len(summary.flows),
            "flow_detail": _flow_counts(summary.flows, today),
            "pairings": summary.pairings,
            "rows": {d: summary.rows_of(d) for d in DATASETS},
            "mistakes": dict(sorted(Counter(m.code for m in summary.mistakes).items())),
        },
        "files": [f.as_manifest() for f in summary.files],
        "mistakes": [m.as_manifest() for m in summary.mistakes],
        # Files the pipeline must reject whole: the file-level problem it reports, and the row problem behind it.
        "expected_rejections": [
            {
                "file": m.file,
                "code": m.code if m.severity == "file" else "too_many_bad_rows",
                "cause": m.code,
                "why": m.note if m.severity == "file" else f"row {m.row}: {m.note}; a roster allows no bad row",
            }
            for m in summary.mistakes
            if m.severity == "file" or (m.dataset == "teachers" and m.severity == "row")
        ],
        "disagreements": [
            {
                "id_number": f.teacher.id_number,
                "flow_type": f.flow_type,
                "from_school_code": f.from_school.code,
                "to_school_code": f.to_school.code,
                "start_date": f.start.isoformat(),
                "planned_end_date_from_county": f.planned_end.isoformat() if f.planned_end else None,
                "planned_end_date_to_county": f.receiver_planned_end.isoformat() if f.receiver_planned_end else None,
            }
            for f in summary.flows
            if f.receiver_planned_end is not None
        ],
    }
    path = summary.out / MANIFEST
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(manifest, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
