"""The analysts' questions (docs/queries.sql) answer right on a sample city, on SQLite and PostgreSQL.

Each question runs as written (``mart.`` becomes ``mart_`` on SQLite) and its answer is compared
with what the report tables say: ``report_rotation_monthly`` for the month's figures, the
assessment tables for the scores (the bundled model is the official one by default), and the
ledger for coverage. Rank and "still needed" figures are recomputed here from the report's counts.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal

import pytest
from sqlalchemy import Connection, func, select, text

from teachflow.scoring.model import load_model
from teachflow.submission_status import STATUS_ZH
from teachflow.warehouse.engine import make_engine
from teachflow.warehouse.mart import MART_VIEWS
from teachflow.warehouse.mart_questions import load_questions
from teachflow.warehouse.mart_sql import Dialect
from teachflow.warehouse.schema import (
    assessment_community_scores,
    communities,
    counties,
    report_coverage,
    report_rotation_monthly,
    report_support_by_type,
    report_support_monthly,
    submissions,
    teacher_flows,
)
from tests.samplekit import MONTHS, generate_sample, load_sample, report_and_score

LATEST = MONTHS[-1]
QUESTIONS = {q.name: q for q in load_questions()}


@pytest.fixture(scope="module")
def sample_dir(tmp_path_factory):
    return generate_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def sample_city(module_warehouse_url, sample_dir):
    """The sample city loaded, reported and scored, once per engine for the module."""
    engine = make_engine(module_warehouse_url)
    missing_county = load_sample(engine, sample_dir)
    report_and_score(engine)
    yield engine, missing_county
    engine.dispose()


def _plain(value):
    """Numbers as floats rounded to 6 places, booleans as bools: the two engines' types agree."""
    if isinstance(value, bool):
        return value
    if isinstance(value, Decimal | float):
        return round(float(value), 6)
    return value


def _rows(rows) -> list[tuple]:
    return [tuple(_plain(v) for v in row) for row in rows]


def _report(conn: Connection, scope: str, period: str = LATEST) -> list[dict]:
    r = report_rotation_monthly
    return [
        dict(row._mapping)
        for row in conn.execute(select(r).where(r.c.period == period, r.c.scope == scope).order_by(r.c.scope_code))
    ]


def _ceil(x: float) -> int:
    return math.ceil(round(x, 9))


def _official_year(conn: Connection) -> tuple[str, str]:
    cs = assessment_community_scores
    model_hash = load_model().sha256
    year = conn.execute(
        select(func.max(cs.c.school_year)).where(cs.c.model_hash == model_hash, cs.c.provisional.is_(False))
    ).scalar_one()
    return year, model_hash


# --- expected answers, from the report tables ------------------------------------------------------


def expect_rotated_out(conn, _missing):
    rows = [(r["scope_code"], r["scope_name"], r["rotated_sy"]) for r in _report(conn, "county") if r["rotated_sy"]]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def expect_behind(conn, _missing):
    rows = [
        (r["scope_code"], r["scope_name"], r["roster_teachers"] - r["teachers_on_track"])
        for r in _report(conn, "county")
        if r["roster_teachers"] > r["teachers_on_track"]
    ]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def expect_lowest(conn, _missing):
    year, model_hash = _official_year(conn)
    cs = assessment_community_scores
    rows = conn.execute(
        select(cs.c.school_year, cs.c.community_code, communities.c.community_name, cs.c.score, cs.c.grade, cs.c.rank)
        .join(communities, communities.c.community_code == cs.c.community_code)
        .where(cs.c.school_year == year, cs.c.model_hash == model_hash)
    ).all()
    rows = sorted(rows, key=lambda r: (r.score is not None, r.score or 0, r.community_code))[:3]
    model = load_model()
    return _rows([(r[0], model.name, str(model.version), *r[1:]) for r in rows])


def expect_eligible(conn, _missing):
    return [
        (r["scope_code"], r["scope_name"], r["roster_teachers"], r["eligible_teachers"])
        for r in _report(conn, "county")
        if r["roster_teachers"]
    ]


def expect_ranking(conn, _missing):
    rows = _report(conn, "county")
    rates = [r["rotation_rate"] for r in rows]
    out = []
    for r in rows:
        rate = r["rotation_rate"]
        rank = 1 + sum(1 for x in rates if x is not None and (rate is None or x > rate))
        if rate is None:
            rank = 1 + sum(1 for x in rates if x is not None)
        needed = max(0, _ceil(0.10 * r["eligible_teachers"]) - r["rotated_sy"])
        out.append((r["scope_code"], r["scope_name"], rate, rank, r["rotation_target_met"], needed))
    out = _rows(out)
    return sorted(out, key=lambda r: (r[3], r[0]))


def expect_overdue(conn, _missing):
    rows = [(r["scope_code"], r["scope_name"], r["overdue_out"]) for r in _report(conn, "county") if r["overdue_out"]]
    return sorted(rows, key=lambda r: (-r[2], r[0]))


def expect_training_this_month(conn, _missing):
    rows = [
        (LATEST, r["scope_code"], r["training_hours_month"], r["training_person_times_month"])
        for r in _report(conn, "county")
        if r["roster_teachers"]
    ]
    return _rows(rows)


def expect_active_by_type(conn, _missing):
    (city,) = _report(conn, "city")
    return city["active_out"]


def expect_on_track_share(conn, _missing):
    rows = [
        (r["scope_code"], r["scope_name"], r["roster_teachers"], r["teachers_on_track"], r["training_on_track_share"])
        for r in _report(conn, "community")
        if r["roster_teachers"]
    ]
    return sorted(_rows(rows), key=lambda r: (r[4], r[0]))


def expect_backbone(conn, _missing):
    out = []
    for r in _report(conn, "county"):
        needed = max(0, _ceil(0.20 * r["rotated_sy"]) - r["backbone_rotated_sy"])
        out.append(
            (
                r["scope_code"],
                r["scope_name"],
                LATEST,
                r["rotated_sy"],
                r["backbone_rotated_sy"],
                r["backbone_share"],
                r["backbone_target_met"],
                needed,
            )
        )
    return _rows(out)


def expect_carried_forward(conn, missing):
    """From the coverage stored with the report, and the ledger: the missing county, its last roster."""
    c = report_coverage
    rows = conn.execute(
        select(c.c.county_code, counties.c.county_name, c.c.period, c.c.status, c.c.stand_in_period)
        .join(counties, counties.c.county_code == c.c.county_code)
        .where(
            c.c.report == "rotation",
            c.c.report_key == LATEST,
            c.c.period == LATEST,
            c.c.dataset == "teachers",
            c.c.status.not_in(("accepted", "accepted_with_rejections", "rejected_previous_in_force")),
        )
        .order_by(c.c.county_code)
    ).all()
    s = submissions
    last_roster = conn.execute(
        select(func.max(s.c.period)).where(s.c.county_code == missing, s.c.dataset == "teachers")
    ).scalar_one()
    assert [tuple(r) for r in rows] == [(missing, rows[0][1], LATEST, "missing", last_roster)]
    return [tuple(r) for r in rows]


def expect_not_in(conn, missing):
    c = report_coverage
    rows = conn.execute(
        select(
            c.c.county_code,
            counties.c.county_name,
            c.c.period,
            c.c.dataset,
            c.c.status,
            c.c.late,
            c.c.stand_in_period,
        )
        .join(counties, counties.c.county_code == c.c.county_code)
        .where(
            c.c.report == "rotation",
            c.c.report_key == LATEST,
            (c.c.status.not_in(("accepted", "accepted_with_rejections"))) | c.c.late.is_(True),
        )
        .order_by(c.c.county_code, c.c.period, c.c.dataset)
    ).all()
    assert rows and all(r.county_code == missing for r in rows)
    return [(*r[:5], STATUS_ZH[r[4]], *r[5:]) for r in _rows(rows)]


def expect_eligible_by_title(conn, _missing):
    (city,) = _report(conn, "city")
    return city["eligible_teachers"]


def expect_flagged(conn, _missing):
    year, model_hash = _official_year(conn)
    cs = assessment_community_scores
    rows = conn.execute(
        select(cs.c.school_year, cs.c.community_code, communities.c.community_name, cs.c.score, cs.c.grade, cs.c.rank)
        .join(communities, communities.c.community_code == cs.c.community_code)
        .where(cs.c.school_year == year, cs.c.model_hash == model_hash, cs.c.review_flag.is_(True))
        .order_by(cs.c.community_code)
    ).all()
    return _rows(rows)


def expect_drops(conn, _missing):
    before = {r["scope_code"]: r["active_out"] for r in _report(conn, "county", MONTHS[-2])}
    rows = [
        (r["scope_code"], r["scope_name"], MONTHS[-2], r["active_out"] - before[r["scope_code"]])
        for r in _report(conn, "county")
    ]
    return sorted(rows, key=lambda r: (r[3], r[0]))[:5]


def _support(conn: Connection, scope: str, period: str = LATEST) -> list[dict]:
    r = report_support_monthly
    return [
        dict(row._mapping)
        for row in conn.execute(select(r).where(r.c.period == period, r.c.scope == scope).order_by(r.c.scope_code))
    ]


def expect_support_received(conn, _missing):
    rows = [
        (r["scope_code"], r["scope_name"], r["activities_month"], r["person_times_month"], r["online_share"])
        for r in _support(conn, "county")
    ]
    assert any(r[2] for r in rows), "the sample's latest month has support activities"
    return sorted(_rows(rows), key=lambda r: (-r[2], r[0]))


def expect_support_types(conn, _missing):
    t = report_support_by_type
    rows = conn.execute(
        select(t.c.activity_type, t.c.mode, t.c.activities, t.c.person_times).where(
            t.c.period == LATEST, t.c.scope == "city"
        )
    ).all()
    return sorted(_rows(rows), key=lambda r: (-r[2], r[0], r[1]))


EXPECTED: dict[str, Callable] = {
    "rotated_out_by_county_this_school_year": expect_rotated_out,
    "teachers_behind_training_track_by_county": expect_behind,
    "lowest_communities_official_model": expect_lowest,
    "eligible_teachers_by_county": expect_eligible,
    "county_rotation_ranking": expect_ranking,
    "overdue_returns_by_sending_county": expect_overdue,
    "training_hours_by_county_this_month": expect_training_this_month,
    "active_rotations_by_type": expect_active_by_type,
    "training_on_track_share_by_community": expect_on_track_share,
    "backbone_share_by_county_this_school_year": expect_backbone,
    "counties_with_roster_carried_forward": expect_carried_forward,
    "eligible_teachers_by_title": expect_eligible_by_title,
    "communities_flagged_for_review": expect_flagged,
    "largest_drops_in_active_rotations": expect_drops,
    "submissions_not_in_for_the_latest_report": expect_not_in,
    "support_activities_received_by_county_this_month": expect_support_received,
    "support_activity_types_this_month": expect_support_types,
}


def test_the_file_holds_at_least_ten_questions_each_with_an_expected_answer():
    assert len(QUESTIONS) >= 10
    assert set(QUESTIONS) == set(EXPECTED)
    for question in QUESTIONS.values():
        assert "问题" in question.question and "Question" in question.question, question.name
        assert "mart." in question.sql and "FROM mart." in question.sql
        # Analysts' SQL reads mart views only (and its own WITH names): no base table.
        ctes = set(re.findall(r"(\w+) AS \(", question.sql))
        for relation in re.findall(r"\b(?:FROM|JOIN)\s+([\w.]+)", question.sql):
            assert relation.startswith("mart.") or relation in ctes, (question.name, relation)


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_each_question_matches_the_report_tables(sample_city, name):
    engine, missing_county = sample_city
    question = QUESTIONS[name]
    with engine.connect() as conn:
        answer = _rows(conn.execute(text(question.sql_for(engine.dialect.name))).all())
        expected = EXPECTED[name](conn, missing_county)
    if name == "active_rotations_by_type":
        assert answer and sum(r[3] for r in answer) == expected
        assert all(r[0] != "transfer" for r in answer)
    elif name == "eligible_teachers_by_title":
        assert answer and sum(r[2] for r in answer) == expected
    elif name == "teachers_behind_training_track_by_county":
        assert [r[:3] for r in answer] == expected
        assert all(r[3] > 0 for r in answer)
    elif name == "training_hours_by_county_this_month":
        assert [r[:4] for r in answer] == expected
        assert all(0 < r[4] <= r[3] for r in answer)
    elif name == "overdue_returns_by_sending_county":
        assert [r[:3] for r in answer] == expected
    elif name == "support_activity_types_this_month":
        assert [r[:4] for r in answer] == expected
        assert all(r[4] and r[5] in ("线下", "线上") for r in answer)
    else:
        assert answer == expected
    assert answer, f"{name}: the sample city should give a non-empty answer"


def test_the_sample_exercises_the_definitions(sample_city):
    """The checks above mean something only if the sample holds transfers, overdue flows and both years."""
    engine, _ = sample_city
    with engine.connect() as conn:
        types = set(conn.execute(select(teacher_flows.c.flow_type).distinct()).scalars())
        years = set(conn.execute(select(assessment_community_scores.c.school_year).distinct()).scalars())
    assert "transfer" in types and len(types) >= 3
    assert years == {"2025-2026", "2026-2027"}


def test_the_sample_holds_pairings_and_support_activities_both_counties_report(sample_city):
    """The sample's pairings and activities went through their merge: some reported by two counties
    are one row each, and an activity naming a mentee has its pairing active that day."""
    engine, _ = sample_city
    with engine.connect() as conn:
        pairings = conn.execute(text("SELECT report_count FROM pairings")).scalars().all()
        activities = conn.execute(text("SELECT report_count FROM support_activities")).scalars().all()
        unpaired = conn.execute(
            text(
                "SELECT COUNT(*) FROM support_activities a WHERE a.mentee_key IS NOT NULL AND NOT EXISTS ("
                " SELECT 1 FROM pairings p WHERE p.mentor_key = a.host_key AND p.mentee_key = a.mentee_key"
                " AND p.start_date <= a.activity_date"
                " AND (p.actual_end_date IS NULL OR p.actual_end_date > a.activity_date))"
            )
        ).scalar()
        with_mentee = conn.execute(
            text("SELECT COUNT(*) FROM support_activities WHERE mentee_key IS NOT NULL")
        ).scalar()
    assert pairings and activities and with_mentee
    assert {1, 2} <= set(pairings) and {1, 2} <= set(activities)
    assert unpaired == 0


def test_every_mart_view_declares_its_columns(sample_city):
    engine, _ = sample_city
    dialect = Dialect(engine.dialect.name)
    with engine.connect() as conn:
        for view in MART_VIEWS:
            result = conn.execute(text(f"SELECT * FROM {dialect.view(view.name)}"))
            assert tuple(result.keys()) == view.column_names, view.name
            assert result.first() is not None, f"{view.name} is empty on the sample city"


def test_no_mart_view_holds_a_name_or_an_id(sample_city):
    """No column is a person's name or ID, and no value anywhere in the mart is a teacher's name."""
    engine, _ = sample_city
    dialect = Dialect(engine.dialect.name)
    with engine.connect() as conn:
        names = set(conn.execute(text("SELECT name FROM restricted_teacher_names")).scalars())
        assert names
        for view in MART_VIEWS:
            for column in view.column_names:
                assert column not in ("name", "teacher_name", "id_number", "resident_id"), (view.name, column)
            for row in conn.execute(text(f"SELECT * FROM {dialect.view(view.name)}")):
                for value in row:
                    assert not (isinstance(value, str) and (value in names or _looks_like_resident_id(value))), (
                        view.name,
                        value,
                    )


def _looks_like_resident_id(value: str) -> bool:
    return len(value) == 18 and value[:17].isdigit()


def test_the_official_model_is_a_setting(sample_city, monkeypatch):
    """Another name in TEACHFLOW_OFFICIAL_SCORING_MODEL: the mart shows no scores of the bundled model."""
    from teachflow.warehouse.mart_build import write_settings

    engine, _ = sample_city
    view = Dialect(engine.dialect.name).view("assessment_communities")
    model = load_model()
    try:
        with engine.begin() as conn:
            write_settings(conn, {"official_scoring_model": "另一个模型"})
        with engine.connect() as conn:
            assert conn.execute(text(f"SELECT count(*) FROM {view}")).scalar_one() == 0
        with engine.begin() as conn:
            write_settings(conn, {"official_scoring_model": f"{model.name}@{model.version}"})
        with engine.connect() as conn:
            shown = set(conn.execute(text(f"SELECT model_name || '@' || model_version FROM {view}")).scalars())
        assert shown == {f"{model.name}@{model.version}"}
    finally:
        with engine.begin() as conn:
            write_settings(conn, {"official_scoring_model": model.name})


def test_the_default_official_model_is_the_bundled_models_name():
    from teachflow.settings import BUNDLED_SCORING_MODEL_NAME, load_settings

    assert load_model().name == BUNDLED_SCORING_MODEL_NAME
    assert load_settings().official_scoring_model == BUNDLED_SCORING_MODEL_NAME


def test_the_changes_from_last_month_are_the_report_rows_subtracted(sample_city):
    """mart.monthly_report_changes: M minus M-1 per scope; blank for the _sy figures in September."""
    from teachflow.warehouse.mart import CHANGE_FIGURES

    engine, _ = sample_city
    view = Dialect(engine.dialect.name).view("monthly_report_changes")
    with engine.connect() as conn:
        shown = {
            (r.period, r.scope, r.scope_code): r._mapping for r in conn.execute(text(f"SELECT * FROM {view}")).all()
        }
        report = {
            (r["period"], r["scope"], r["scope_code"]): r
            for s in ("city", "county")
            for m in MONTHS
            for r in _report(conn, s, m)
        }
    checked = 0
    for (period, scope, code), row in report.items():
        before = report.get((MONTHS[MONTHS.index(period) - 1], scope, code)) if period != MONTHS[0] else None
        for figure, restarts in CHANGE_FIGURES.items():
            got = _plain(shown[(period, scope, code)][f"{figure}_change"])
            if before is None or (restarts and period.endswith("-09")):
                assert got is None, (period, code, figure)
            elif row[figure] is None or before[figure] is None:
                assert got is None
            else:
                assert got == _plain(row[figure] - before[figure]), (period, code, figure)
                checked += 1
    assert checked > 100
