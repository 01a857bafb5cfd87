"""The pack over a program in which every component wires a function that has a live alias: each mapping,
integration, permission, schedule, rule target, notification and invoke config targets the alias, so
lambda-alias-invocation finds nothing; the rules about invokers follow them through the alias."""

from __future__ import annotations

import pytest

from pulumi_wasp.preview import PolicyReport
from tests.unit.components import test_alias_wiring

from .conftest import analyze, synth


@pytest.fixture(scope="module")
def report() -> PolicyReport:
    return analyze(synth(test_alias_wiring.program))


def test_every_invoker_the_components_wire_targets_the_alias(report: PolicyReport) -> None:
    assert [d.message for d in report.diagnostics if d.policy == "lambda-alias-invocation"] == []


def test_the_rule_judged_the_aliased_functions(report: PolicyReport) -> None:
    aliases = [r for r in report.resources if r.type == "aws:lambda/alias:Alias"]
    assert len(aliases) >= 8
    assert not [n for n in report.not_evaluated if n.policy == "lambda-alias-invocation"]


def test_invokers_of_the_alias_count_as_invokers_of_the_function(report: PolicyReport) -> None:
    # The router's rule invokes the routed function's alias asynchronously; the program gives that function no
    # async_invoke (an EventRouter LambdaTarget adds no invoke config of its own), so its failures are kept nowhere.
    assert [(d.policy, d.name) for d in report.mandatory] == [("lambda-async-failure-destination", "routed-function")]
