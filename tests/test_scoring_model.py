"""The scoring model file: the shipped defaults are the spec's, and each kind of broken file names its line."""

from __future__ import annotations

import hashlib

import pytest

from teachflow.scoring.model import (
    DEFAULT_MODEL_PATH,
    ModelError,
    load_model,
    parse_model,
    rated_indicator_codes,
)

# A compact model; the line numbers in the tests below refer to this text (line 1 = "name: ...").
MODEL = """\
name: 测试模型
version: "t1"
evaluator_groups:
  expert: 0.4
  bureau: 0.3
  recipient: 0.3
checklists:
  - code: A
    weight: 0.5
    indicators:
      - {code: A1, kind: computed, measure: rotation_fulfilment}
      - {code: A2, kind: rated, evaluators: [expert, bureau, recipient]}
  - code: B
    weight: 0.5
    indicators:
      - {code: B1, kind: computed, measure: training_compliance}
      - {code: B3, kind: rated}
bundling:
  member: {own: 0.7, community: 0.3}
  lead: {own: 0.5, members: 0.5}
grades:
  - {min: 90, grade: 优秀}
  - {min: 60, grade: 合格}
  - {min: 0, grade: 不合格}
review: {bottom_share: 0.1, at_least: 1}
"""


NO_ONE_CAN_RATE_A2 = "rated indicator A2 can be rated by no one: no evaluator group with a weight above 0"


def broken(old: str, new: str) -> str:
    assert old in MODEL, old
    return MODEL.replace(old, new, 1)


def errors_of(text: str) -> list[tuple[int, str]]:
    with pytest.raises(ModelError) as caught:
        parse_model(text, source="joint_assessment.yaml")
    return caught.value.problems


def test_the_shipped_model_holds_the_spec_defaults():
    model = load_model()
    assert model.sha256 == hashlib.sha256(DEFAULT_MODEL_PATH.read_bytes()).hexdigest()
    assert dict(model.evaluator_groups) == {"expert": 0.4, "bureau": 0.3, "recipient": 0.3}
    assert [(c.code, c.weight) for c in model.checklists] == [("A", 0.4), ("B", 0.4), ("C", 0.2)]
    assert [(i.code, i.kind) for i in model.indicators] == [
        ("A1", "computed"),
        ("A2", "rated"),
        ("B1", "computed"),
        ("B2", "computed"),
        ("B3a", "computed"),
        ("B3b", "rated"),
        ("C1", "rated"),
    ]
    # practices.md §7: B's weights are explicit, B3 split into B3a (computed) and B3b (rated).
    assert [i.weight for i in model.checklists[1].indicators] == [0.3, 0.3, 0.2, 0.2]
    assert [i.weight for i in model.checklists[0].indicators] == [0.5, 0.5]  # A: shared equally
    measures = {i.code: i.measure for i in model.indicators if i.kind == "computed"}
    assert measures == {
        "A1": "rotation_fulfilment",
        "B1": "training_compliance",
        "B2": "backbone_share",
        "B3a": "joint_research_activity",
    }
    assert (model.member_own, model.member_community, model.lead_own, model.lead_members) == (0.7, 0.3, 0.5, 0.5)
    assert [(b.minimum, b.grade) for b in model.grades] == [(90, "优秀"), (75, "良好"), (60, "合格"), (0, "不合格")]
    assert (model.review_share, model.review_at_least) == (0.1, 1)
    assert rated_indicator_codes() == frozenset({"A2", "B3b", "C1"})
    # Ratings that still say B3 are read as B3b.
    assert model.renamed_codes() == {"B3": "B3b"}


def test_a_model_that_still_rates_b3_reads_b3_as_b3():
    """The rename applies only where the model rates B3b and no longer has a B3 of its own."""
    assert parse_model(MODEL).renamed_codes() == {}


def test_a_bureau_changes_a_weight_in_the_file_and_gets_another_model_version(tmp_path):
    path = tmp_path / "model.yaml"
    changed = MODEL.replace("  - code: A\n    weight: 0.5", "  - code: A\n    weight: 0.6")
    path.write_text(changed.replace("  - code: B\n    weight: 0.5", "  - code: B\n    weight: 0.4"), encoding="utf-8")
    model = load_model(path)
    assert [(c.code, c.weight) for c in model.checklists] == [("A", 0.6), ("B", 0.4)]
    assert model.sha256 != parse_model(MODEL).sha256
    assert rated_indicator_codes(model) == frozenset({"A2", "B3"})
    # An indicator listing no evaluators is rated by every group of the model.
    assert model.checklists[1].indicators[1].evaluators == ("expert", "bureau", "recipient")


def test_checklist_weights_that_do_not_sum_to_1_name_the_checklists_line():
    problems = errors_of(broken("  - code: B\n    weight: 0.5", "  - code: B\n    weight: 0.4"))
    assert problems == [(7, "weights of checklists sum to 0.9, not 1")]


def test_evaluator_group_weights_that_do_not_sum_to_1():
    assert errors_of(broken("bureau: 0.3", "bureau: 0.2")) == [(3, "weights of evaluator_groups sum to 0.9, not 1")]


def test_bundling_weights_that_do_not_sum_to_1():
    problems = errors_of(broken("lead: {own: 0.5, members: 0.5}", "lead: {own: 0.6, members: 0.5}"))
    assert problems == [(20, "weights of bundling.lead sum to 1.1, not 1")]


def test_indicator_weights_given_must_sum_to_1():
    text = broken("{code: A1, kind: computed,", "{code: A1, weight: 0.6, kind: computed,")
    text = text.replace("{code: A2, kind: rated,", "{code: A2, weight: 0.6, kind: rated,")
    assert errors_of(text) == [(10, "weights of the indicators of checklist A sum to 1.2, not 1")]


def test_an_unknown_indicator_kind_names_its_line():
    problems = errors_of(broken("{code: B1, kind: computed", "{code: B1, kind: survey"))
    assert problems == [(16, "indicator B1: unknown kind 'survey' (known: computed, rated)")]


def test_an_unknown_measure_names_its_line():
    problems = errors_of(broken("measure: training_compliance", "measure: training_hours"))
    assert len(problems) == 1
    assert problems[0][0] == 16
    assert problems[0][1].startswith("indicator B1: unknown measure 'training_hours'")


def test_a_rated_indicator_with_no_evaluators_can_be_rated_by_no_one():
    problems = errors_of(broken("evaluators: [expert, bureau, recipient]", "evaluators: []"))
    assert problems == [(12, NO_ONE_CAN_RATE_A2)]


def test_a_rated_indicator_whose_only_group_has_zero_weight_can_be_rated_by_no_one():
    text = broken("  expert: 0.4\n  bureau: 0.3", "  expert: 0.0\n  bureau: 0.7")
    text = text.replace("evaluators: [expert, bureau, recipient]", "evaluators: [expert]")
    assert errors_of(text) == [
        (12, "rated indicator A2 can be rated by no one: no evaluator group with a weight above 0")
    ]


def test_a_rated_indicator_naming_an_absent_group():
    problems = errors_of(broken("evaluators: [expert, bureau, recipient]", "evaluators: [parents]"))
    assert problems == [
        (12, "indicator A2: evaluator group(s) ['parents'] have no weight in evaluator_groups"),
        (12, NO_ONE_CAN_RATE_A2),
    ]


def test_every_problem_of_a_file_is_listed_with_the_file_name_and_line():
    text = broken("bureau: 0.3", "bureau: 0.2").replace("kind: rated}", "kind: voted}")
    with pytest.raises(ModelError) as caught:
        parse_model(text, source="joint_assessment.yaml")
    assert str(caught.value).splitlines() == [
        "joint_assessment.yaml line 3: weights of evaluator_groups sum to 0.9, not 1",
        "joint_assessment.yaml line 17: indicator B3: unknown kind 'voted' (known: computed, rated)",
    ]


def test_text_that_is_not_yaml_names_its_line():
    problems = errors_of(broken("grades:\n", "grades: [\n"))
    assert problems[0][0] == 22
    assert "not valid YAML" in problems[0][1]


def test_a_missing_weight_and_a_policy_figure_written_in_the_model():
    """The 10 % is the Settings' (shared with the monthly report): a model that sets it is refused."""
    text = broken("  - code: A\n    weight: 0.5\n", "  - code: A\n").replace(
        "measure: rotation_fulfilment}", "measure: rotation_fulfilment, target: 0.1}"
    )
    assert errors_of(text) == [
        (8, "checklists.0: `weight` is missing"),
        (
            10,
            "indicator A1: `target` is a policy figure, set once for the report and the scores "
            "(TEACHFLOW_ROTATION_TARGET / TEACHFLOW_BACKBONE_TARGET), not in the model",
        ),
    ]


def test_b3as_policy_figures_written_in_the_model_are_refused():
    """B3a's 20 activities and 10 % paired are settings beside the other policy figures."""
    text = broken(
        "{code: B1, kind: computed, measure: training_compliance}",
        "{code: B1, kind: computed, measure: joint_research_activity, activities: 20, mentee_share: 0.1}",
    )
    assert errors_of(text) == [
        (
            16,
            "indicator B1: `activities` is a policy figure, set once for the report and the scores "
            "(TEACHFLOW_JOINT_RESEARCH_ACTIVITIES), not in the model",
        ),
        (
            16,
            "indicator B1: `mentee_share` is a policy figure, set once for the report and the scores "
            "(TEACHFLOW_JOINT_RESEARCH_MENTEE_SHARE), not in the model",
        ),
    ]
