"""One policy (issue 11): the figures come from Settings, and the report and the scores read the same ones."""

from __future__ import annotations

import yaml

from teachflow.policy import Policy
from teachflow.scoring.breakdown import PolicyFigures
from teachflow.scoring.computed import SchoolFigures, computed_indicator
from teachflow.scoring.model import DEFAULT_MODEL_PATH, POLICY_KEYS, load_model
from teachflow.settings import load_settings


def test_the_figures_are_read_from_the_environment_into_one_policy(monkeypatch):
    assert load_settings().policy == Policy(6, 0.10, 0.20, 72.0)
    monkeypatch.setenv("TEACHFLOW_ELIGIBILITY_YEARS", "5")
    monkeypatch.setenv("TEACHFLOW_ROTATION_TARGET", "0.15")
    monkeypatch.setenv("TEACHFLOW_BACKBONE_TARGET", "0.25")
    monkeypatch.setenv("TEACHFLOW_TRAINING_HOURS_PER_YEAR", "90")
    policy = load_settings().policy
    assert policy == Policy(5, 0.15, 0.25, 90.0)
    from teachflow.reports.rotation_labels import policy_lines

    assert "交流比例目标：15%" in policy_lines(policy)[1]  # what the monthly report states


def test_the_scores_follow_the_settings_target_not_the_model_file():
    """A bureau that raises the 10 % to 15 % gets it in the scores as in the monthly report."""
    a1 = next(i for i in load_model().indicators if i.code == "A1")
    figures = SchoolFigures("S", 30, 20, 0, 3, 0)  # 3 rotated of 20 eligible = 15 %
    assert computed_indicator(a1, figures, PolicyFigures.of(Policy())).score == 100.0
    raised = PolicyFigures.of(Policy(rotation_target=0.3))
    assert computed_indicator(a1, figures, raised).score == 50.0
    inputs = {r.input_name: r.value for r in computed_indicator(a1, figures, raised).inputs}
    assert inputs["target"] == 0.3  # the breakdown keeps the figure used


def test_the_shipped_model_holds_weights_and_indicators_only():
    model = yaml.safe_load(DEFAULT_MODEL_PATH.read_text(encoding="utf-8"))
    keys = {key for checklist in model["checklists"] for indicator in checklist["indicators"] for key in indicator}
    assert keys & set(POLICY_KEYS) == set()
