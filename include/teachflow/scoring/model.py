"""The joint-assessment scoring model: loaded from its YAML file and checked on load.

The model is data (``joint_assessment.yaml``) so that a bureau changes a weight or an indicator
without touching code. The policy figures a computed indicator compares with (6 years, 10 %,
20 %, 72 学时) are not the model's: they are :class:`teachflow.policy.Policy`, from Settings,
shared with the monthly report; a figure written in the model is an error.

A wrong model must never produce scores quietly, so loading checks every rule and raises
:class:`ModelError` listing each problem with the file's line, e.g.
``joint_assessment.yaml line 24: weights of checklists sum to 0.9, not 1``.
"""

from __future__ import annotations

import hashlib
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from teachflow.vocabularies import EVALUATOR_GROUP, RENAMED_RATED_INDICATORS

#: The model the city uses unless another file is given (``--model`` or TEACHFLOW_SCORING_MODEL).
DEFAULT_MODEL_PATH = Path(__file__).with_name("joint_assessment.yaml")

KINDS = ("computed", "rated")
#: Computed measures (their figures come from :class:`teachflow.policy.Policy`).
MEASURES: tuple[str, ...] = (
    "rotation_fulfilment",
    "training_compliance",
    "backbone_share",
    "joint_research_activity",
)
#: Keys older model files held for the policy figures, with the setting that holds each now.
POLICY_KEYS: dict[str, str] = {
    "target": "TEACHFLOW_ROTATION_TARGET / TEACHFLOW_BACKBONE_TARGET",
    "eligibility_years": "TEACHFLOW_ELIGIBILITY_YEARS",
    "hours": "TEACHFLOW_TRAINING_HOURS_PER_YEAR",
    "activities": "TEACHFLOW_JOINT_RESEARCH_ACTIVITIES",
    "mentee_share": "TEACHFLOW_JOINT_RESEARCH_MENTEE_SHARE",
}
EVALUATOR_GROUPS: tuple[str, ...] = EVALUATOR_GROUP.codes
WEIGHT_TOLERANCE = 1e-6
MAX_CODE_LENGTH = 16  # assessment_ratings.indicator_code


class ModelError(ValueError):
    """The model file is broken; the message names each problem's line."""

    def __init__(self, source: str, problems: list[tuple[int, str]]):
        self.source = source
        self.problems = sorted(problems)
        lines = [f"{source} line {line}: {text}" for line, text in self.problems]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Indicator:
    code: str
    name: str
    kind: str  # computed | rated
    weight: float  # share of its checklist (before any n/a rescaling)
    measure: str | None = None  # computed only
    evaluators: tuple[str, ...] = ()  # rated only


@dataclass(frozen=True)
class Checklist:
    code: str
    name: str
    weight: float
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class GradeBand:
    minimum: float
    grade: str


@dataclass(frozen=True)
class ScoringModel:
    """A checked model. ``sha256`` identifies it: scores are stored under it."""

    name: str
    version: str
    source: str
    sha256: str
    evaluator_groups: Mapping[str, float]
    checklists: tuple[Checklist, ...]
    member_own: float
    member_community: float
    lead_own: float
    lead_members: float
    grades: tuple[GradeBand, ...]
    review_share: float
    review_at_least: int

    @property
    def indicators(self) -> tuple[Indicator, ...]:
        return tuple(i for c in self.checklists for i in c.indicators)

    def rated_codes(self) -> frozenset[str]:
        return frozenset(i.code for i in self.indicators if i.kind == "rated")

    def renamed_codes(self) -> dict[str, str]:
        """Former rated code -> the rated indicator of this model now holding its ratings
        (:data:`teachflow.vocabularies.RENAMED_RATED_INDICATORS`, e.g. B3 -> B3b since practices.md
        §7 split B3); only where this model rates the successor and no longer uses the former code."""
        codes = {i.code for i in self.indicators}
        rated = self.rated_codes()
        return {old: new for old, new in RENAMED_RATED_INDICATORS.items() if new in rated and old not in codes}

    def grade_for(self, score: float | None) -> str | None:
        if score is None:
            return None
        for band in self.grades:
            if score >= band.minimum:
                return band.grade
        return None


def default_model_path() -> Path:
    """TEACHFLOW_SCORING_MODEL if set, else the model shipped with teachflow."""
    value = os.environ.get("TEACHFLOW_SCORING_MODEL")
    return Path(value) if value else DEFAULT_MODEL_PATH


def load_model(path: Path | str | None = None) -> ScoringModel:
    """Read and check the model file (default: :func:`default_model_path`)."""
    path = Path(path) if path is not None else default_model_path()
    data = path.read_bytes()
    return parse_model(data.decode("utf-8"), source=path.name, sha256=hashlib.sha256(data).hexdigest())


def rated_indicator_codes(model: ScoringModel | None = None) -> frozenset[str]:
    """The rated indicators' codes: what an ``assessment_ratings`` row may name."""
    return (model or load_model()).rated_codes()


# --- reading with line numbers ---------------------------------------------------------------------


def _lines(node: yaml.Node, path: tuple, out: dict[tuple, int]) -> None:
    """Record the 1-based line of every value (and of every mapping key, under path + ('key',))."""
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key_node, value_node in node.value:
            key = key_node.value
            out[(*path, key, "__key__")] = key_node.start_mark.line + 1
            _lines(value_node, (*path, key), out)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, (*path, index), out)


class _Checker:
    """Collects problems with their lines while the model is built."""

    def __init__(self, source: str, lines: dict[tuple, int]):
        self.source = source
        self.lines = lines
        self.problems: list[tuple[int, str]] = []

    def line(self, path: tuple) -> int:
        """The line of the key naming ``path`` if there is one, else of its value, else of its parent."""
        while path:
            for candidate in ((*path, "__key__"), path):
                if candidate in self.lines:
                    return self.lines[candidate]
            path = path[:-1]
        return 1

    def error(self, path: tuple, text: str) -> None:
        self.problems.append((self.line(path), text))

    def mapping(self, value: Any, path: tuple, what: str) -> Mapping:
        if not isinstance(value, Mapping):
            self.error(path, f"{what} must be a mapping")
            return {}
        return value

    def sequence(self, value: Any, path: tuple, what: str) -> list:
        if not isinstance(value, list) or not value:
            self.error(path, f"{what} must be a non-empty list")
            return []
        return value

    def number(self, parent: Mapping, key: str, path: tuple, *, low: float = 0.0, high: float | None = 1.0) -> float:
        value = parent.get(key)
        where = (*path, key)
        if value is None:
            self.error(path, f"{_name(path)}: `{key}` is missing")
            return math.nan
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(where, f"{_name(where)} must be a number, not {value!r}")
            return math.nan
        if value < low or (high is not None and value > high):
            bound = f"{low}..{high}" if high is not None else f"≥ {low}"
            self.error(where, f"{_name(where)} is {value}, outside {bound}")
        return float(value)

    def text(self, parent: Mapping, key: str, path: tuple) -> str:
        value = parent.get(key)
        if value is None or str(value).strip() == "":
            self.error(path, f"{_name(path)}: `{key}` is missing")
            return ""
        return str(value).strip()

    def sums_to_one(self, weights: list[float], path: tuple, what: str) -> None:
        if any(math.isnan(w) for w in weights):
            return
        total = sum(weights)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            self.error(path, f"weights of {what} sum to {round(total, 6):g}, not 1")


def _name(path: tuple) -> str:
    return ".".join(str(p) for p in path) or "the model"


def parse_model(text: str, *, source: str = "model", sha256: str | None = None) -> ScoringModel:
    """Build a :class:`ScoringModel` from YAML text, or raise :class:`ModelError`."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        raise ModelError(source, [((mark.line + 1) if mark else 1, f"not valid YAML: {err}")]) from err
    lines: dict[tuple, int] = {}
    if root is not None:
        _lines(root, (), lines)
    check = _Checker(source, lines)
    data = check.mapping(data, (), "the model")

    groups = _evaluator_groups(check, data)
    checklists = _checklists(check, data, groups)
    member_own, member_community, lead_own, lead_members = _bundling(check, data)
    grades = _grades(check, data)
    review = check.mapping(data.get("review", {}), ("review",), "review")
    review_share = check.number(review, "bottom_share", ("review",), low=0.0, high=1.0)
    at_least = review.get("at_least", 1)
    if isinstance(at_least, bool) or not isinstance(at_least, int) or at_least < 0:
        check.error(("review", "at_least"), f"review.at_least must be a whole number ≥ 0, not {at_least!r}")
        at_least = 1

    if check.problems:
        raise ModelError(source, check.problems)
    return ScoringModel(
        name=str(data.get("name") or "joint assessment"),
        version=str(data.get("version") or ""),
        source=source,
        sha256=sha256 or hashlib.sha256(text.encode("utf-8")).hexdigest(),
        evaluator_groups=groups,
        checklists=checklists,
        member_own=member_own,
        member_community=member_community,
        lead_own=lead_own,
        lead_members=lead_members,
        grades=grades,
        review_share=review_share,
        review_at_least=at_least,
    )


def _evaluator_groups(check: _Checker, data: Mapping) -> dict[str, float]:
    path = ("evaluator_groups",)
    raw = check.mapping(data.get("evaluator_groups"), path, "evaluator_groups")
    groups: dict[str, float] = {}
    for name in raw:
        if name not in EVALUATOR_GROUPS:
            check.error(
                (*path, name, "__key__"), f"unknown evaluator group {name!r} (known: {', '.join(EVALUATOR_GROUPS)})"
            )
            continue
        groups[name] = check.number(raw, name, path)
    if raw:
        check.sums_to_one(list(groups.values()), path, "evaluator_groups")
    return groups


def _checklists(check: _Checker, data: Mapping, groups: Mapping[str, float]) -> tuple[Checklist, ...]:
    path = ("checklists",)
    raw = check.sequence(data.get("checklists"), path, "checklists")
    checklists: list[Checklist] = []
    seen: set[str] = set()
    for c_index, item in enumerate(raw):
        c_path = (*path, c_index)
        item = check.mapping(item, c_path, f"checklist {c_index + 1}")
        code = check.text(item, "code", c_path)
        if code in seen:
            check.error((*c_path, "code"), f"checklist code {code!r} is used twice")
        seen.add(code)
        weight = check.number(item, "weight", c_path)
        indicators = _indicators(check, item, c_path, code, groups, seen)
        checklists.append(Checklist(code, str(item.get("name") or code), weight, indicators))
    if raw:
        check.sums_to_one([c.weight for c in checklists], path, "checklists")
    return tuple(checklists)


def _indicators(
    check: _Checker, checklist: Mapping, c_path: tuple, c_code: str, groups: Mapping[str, float], seen: set[str]
) -> tuple[Indicator, ...]:
    path = (*c_path, "indicators")
    raw = check.sequence(checklist.get("indicators"), path, f"indicators of checklist {c_code}")
    given = [isinstance(i, Mapping) and "weight" in i for i in raw]
    if any(given) and not all(given):
        check.error(path, f"indicators of checklist {c_code}: give a weight to every indicator or to none")
    built: list[Indicator] = []
    for i_index, item in enumerate(raw):
        i_path = (*path, i_index)
        item = check.mapping(item, i_path, f"indicator {i_index + 1} of checklist {c_code}")
        code = check.text(item, "code", i_path)
        if code in seen:
            check.error((*i_path, "code"), f"code {code!r} is used twice")
        if len(code) > MAX_CODE_LENGTH:
            check.error((*i_path, "code"), f"indicator code {code!r} is longer than {MAX_CODE_LENGTH} characters")
        seen.add(code)
        weight = check.number(item, "weight", i_path) if all(given) else 1.0 / len(raw)
        kind = item.get("kind")
        measure, evaluators = None, ()
        if kind == "computed":
            measure = _measure(check, item, i_path, code)
        elif kind == "rated":
            evaluators = _evaluators(check, item, i_path, code, groups)
        else:
            check.error((*i_path, "kind"), f"indicator {code}: unknown kind {kind!r} (known: {', '.join(KINDS)})")
        built.append(Indicator(code, str(item.get("name") or code), str(kind), weight, measure, evaluators))
    if raw and all(given):
        check.sums_to_one([i.weight for i in built], path, f"the indicators of checklist {c_code}")
    return tuple(built)


def _measure(check: _Checker, item: Mapping, i_path: tuple, code: str) -> str | None:
    for key, setting in POLICY_KEYS.items():
        if key in item:
            check.error(
                (*i_path, key),
                f"indicator {code}: `{key}` is a policy figure, set once for the report and the scores "
                f"({setting}), not in the model",
            )
    measure = item.get("measure")
    if measure not in MEASURES:
        check.error(
            (*i_path, "measure"),
            f"indicator {code}: unknown measure {measure!r} (known: {', '.join(MEASURES)})",
        )
        return None
    return str(measure)


def _evaluators(
    check: _Checker, item: Mapping, i_path: tuple, code: str, groups: Mapping[str, float]
) -> tuple[str, ...]:
    listed = item.get("evaluators")
    if listed is None:
        listed = list(groups)  # every group of the model rates it
    if not isinstance(listed, list):
        check.error((*i_path, "evaluators"), f"indicator {code}: evaluators must be a list of evaluator groups")
        return ()
    unknown = [g for g in listed if g not in groups]
    usable = [g for g in listed if g in groups and groups[g] > 0]
    if unknown:
        check.error(
            (*i_path, "evaluators"),
            f"indicator {code}: evaluator group(s) {unknown} have no weight in evaluator_groups",
        )
    if not usable:
        check.error(
            (*i_path, "evaluators") if "evaluators" in item else i_path,
            f"rated indicator {code} can be rated by no one: no evaluator group with a weight above 0",
        )
    return tuple(usable)


def _bundling(check: _Checker, data: Mapping) -> tuple[float, float, float, float]:
    path = ("bundling",)
    raw = check.mapping(data.get("bundling"), path, "bundling")
    member = check.mapping(raw.get("member"), (*path, "member"), "bundling.member")
    lead = check.mapping(raw.get("lead"), (*path, "lead"), "bundling.lead")
    m_own = check.number(member, "own", (*path, "member"))
    m_comm = check.number(member, "community", (*path, "member"))
    l_own = check.number(lead, "own", (*path, "lead"))
    l_mem = check.number(lead, "members", (*path, "lead"))
    if member:
        check.sums_to_one([m_own, m_comm], (*path, "member"), "bundling.member")
    if lead:
        check.sums_to_one([l_own, l_mem], (*path, "lead"), "bundling.lead")
    return m_own, m_comm, l_own, l_mem


def _grades(check: _Checker, data: Mapping) -> tuple[GradeBand, ...]:
    path = ("grades",)
    raw = check.sequence(data.get("grades"), path, "grades")
    bands = []
    for index, item in enumerate(raw):
        b_path = (*path, index)
        item = check.mapping(item, b_path, f"grade band {index + 1}")
        bands.append(GradeBand(check.number(item, "min", b_path, high=100.0), check.text(item, "grade", b_path)))
    minima = [b.minimum for b in bands]
    if minima and minima != sorted(minima, reverse=True):
        check.error(path, "grade bands must be listed highest first")
    if minima and not any(math.isnan(m) for m in minima) and minima[-1] != 0:
        check.error((*path, len(bands) - 1), "the last grade band must start at 0, so every score has a grade")
    return tuple(bands)
