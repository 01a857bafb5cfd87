"""The anti-pattern program breaks every mandatory rule; the reference system breaks none."""

from __future__ import annotations

from pathlib import Path

import pytest

from preview import PolicyReport, load_pack, run_policies
from synthesis import FakeCloud, StackConfig, Synthesis, synthesize

ANTIPATTERNS = Path(__file__).resolve().parent.parent / "fixtures" / "antipatterns"
REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def antipatterns() -> PolicyReport:
    config = StackConfig.load(ANTIPATTERNS, "dev")
    return run_policies(synthesize(config, FakeCloud.for_stack(config)))


def test_the_antipatterns_program_triggers_every_mandatory_rule(antipatterns: PolicyReport) -> None:
    mandatory = {meta.name for meta in load_pack().policies.values() if meta.level == "mandatory"}
    assert mandatory - {d.policy for d in antipatterns.mandatory} == set()


@pytest.mark.skipif(
    not (REPO / "__main__.py").is_file(), reason="the reference system (__main__.py) is not written yet"
)
@pytest.mark.parametrize("stack_name", ["dev", "prod"])
def test_the_reference_system_has_no_mandatory_violation(stack_name: str, request: pytest.FixtureRequest) -> None:
    stack: Synthesis = request.getfixturevalue(f"{stack_name}_stack")
    report = run_policies(stack)
    assert [(d.policy, d.name, d.message) for d in report.mandatory] == []
