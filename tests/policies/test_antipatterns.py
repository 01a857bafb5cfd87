"""The anti-pattern program breaks every mandatory rule; the reference system breaks none."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from pulumi_wasp.preview import PolicyReport, load_pack, run_policies
from pulumi_wasp.synthesis import FakeCloud, StackConfig, Synthesis, synthesize

ANTIPATTERNS = Path(__file__).resolve().parent.parent / "fixtures" / "antipatterns"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def antipatterns() -> PolicyReport:
    config = StackConfig.load(ANTIPATTERNS, "dev")
    return run_policies(synthesize(config, FakeCloud.for_stack(config)))


def test_the_antipatterns_program_triggers_every_mandatory_rule(antipatterns: PolicyReport) -> None:
    mandatory = {meta.name for meta in load_pack().policies.values() if meta.level == "mandatory"}
    assert mandatory - {d.policy for d in antipatterns.mandatory} == set()


@pytest.fixture(scope="module")
def reference_config() -> dict:
    """The pack config the reference system is previewed and deployed with (exemptions with reasons)."""
    return json.loads((REPO / "policy-config.json").read_text())


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_reference_system_has_no_mandatory_violation(
    stack_name: str, reference_config: dict, request: pytest.FixtureRequest
) -> None:
    stack: Synthesis = request.getfixturevalue(f"{stack_name}_stack")
    report = run_policies(stack, reference_config)
    assert [(d.policy, d.name, d.message) for d in report.mandatory] == []


@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_every_advisory_finding_of_the_reference_system_is_fixed_or_exempted(
    stack_name: str, reference_config: dict, request: pytest.FixtureRequest
) -> None:
    stack: Synthesis = request.getfixturevalue(f"{stack_name}_stack")
    report = run_policies(stack, reference_config)
    assert [(d.policy, d.name) for d in report.diagnostics if d.policy != "exemptions"] == []
    assert {(e.policy, e.name) for e in report.exempted} == {
        ("apigw-authorization", "orders-post-webhooks-payments-method"),
        ("lambda-gradual-deployment", "payment-webhooks-verifier-function"),
    }
