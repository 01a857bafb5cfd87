"""The run's function status line: counts in agreement with their nouns, and errors or throttles in a
passing run named per function and explained."""

from __future__ import annotations

import io
from typing import Any

from pulumi_wasp.localcloud.console import Console
from pulumi_wasp.preview import Diagnostic, PolicyReport, Remediation


def function(invocations: int, errors: int = 0, throttles: int = 0) -> dict[str, Any]:
    return {
        "invocations": invocations,
        "errors": errors,
        "throttles": throttles,
        "init_ms": [100.0],
        "median_duration_ms": 5.0,
    }


def shown(functions: dict[str, dict[str, Any]]) -> list[str]:
    out = io.StringIO()
    Console(out).functions({"functions": functions})
    return out.getvalue().splitlines()[1:]


def test_one_of_each_is_said_in_the_singular() -> None:
    lines = shown({"a": function(1, errors=1)})
    assert lines[0].startswith("Functions: 1 of 1 ran, 1 invocation (1 error, 0 throttled), 1 cold start ")


def test_errors_and_throttles_are_named_per_function_and_explained() -> None:
    lines = shown({"inventory": function(5, errors=1), "orders": function(9, throttles=3), "idle": function(0)})
    assert lines[0].startswith("Functions: 2 of 3 ran, 14 invocations (1 error, 3 throttled), 2 cold starts ")
    assert lines[1:3] == ["  errors: inventory 1", "  throttled: orders 3"]
    assert lines[3].startswith("  (an error is an invocation whose handler raised") and "plants faults" in lines[3]


def test_a_run_without_errors_or_throttles_says_nothing_more() -> None:
    assert len(shown({"a": function(3)})) == 1


def policy_report(**fields: Any) -> PolicyReport:
    return PolicyReport(pack="pack@v1", project="p", stack="dev", resources=[], policies={}, descriptions={}, **fields)


def test_the_policy_line_lists_each_remediation_with_the_inputs_deployed() -> None:
    fixed = Remediation(
        "log-group-retention", "urn:x", "aws:cloudwatch/logGroup:LogGroup", "audit", {"retentionInDays": 90.0}
    )
    out = io.StringIO()
    Console(out).policies(policy_report(remediations=[fixed]))
    assert out.getvalue().splitlines() == [
        "  policy pack pack@v1: 1 remediation, 0 mandatory, 0 advisory (wasp preview lists them)",
        "      remediated by log-group-retention: audit (aws:cloudwatch/logGroup:LogGroup) deployed with retentionInDays=90",
    ]


def test_a_refused_deploy_names_each_mandatory_violation_and_fails() -> None:
    violation = Diagnostic(
        "lambda-tracing-active", "mandatory", "urn:x", "aws:lambda/function:Function", "fn", "not traced"
    )
    out = io.StringIO()
    Console(out).policy_refused(policy_report(diagnostics=[violation]))
    lines = out.getvalue().splitlines()
    assert lines[1:3] == [
        "  ! mandatory policy violations, failing the deploy (1):",
        "      lambda-tracing-active: not traced",
    ]
    assert lines[-1] == "Result: FAILED · the policy pack refused the stack, as pulumi up --policy-pack would"
