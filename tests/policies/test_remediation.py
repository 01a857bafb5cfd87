"""Opt-in remediations: at level ``remediate`` a policy rewrites the resource's own inputs, and everything after
(its analysis, the stack rules, the report's records) sees them; off by default."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import ConfigError, PolicyReport, load_pack, reconcile
from pulumi_wasp.synthesis import RecordedResource, Synthesis

from .conftest import TAGS, analyze, exempt, flagged, function, messages, synth

TRACING = {"lambda-tracing-active": "remediate", "sfn-tracing": "remediate", "apigw-tracing": "remediate"}
RETENTION = {"log-group-retention": "remediate"}


def program() -> None:
    function("untraced", tracing_config=None, memory_size=512)
    function("exempt-untraced", tracing_config=None, tags=exempt("lambda-tracing-active"))
    function("unretained", log_group=False)
    aws.cloudwatch.LogGroup("unretained-logs", name="/aws/lambda/unretained", tags=TAGS)
    aws.cloudwatch.LogGroup("kept", retention_in_days=14, tags=TAGS)
    aws.sfn.StateMachine(
        "machine",
        role_arn="arn:aws:iam::123456789012:role/sfn",
        definition=json.dumps({"StartAt": "Done", "States": {"Done": {"Type": "Succeed"}}}),
        tags=TAGS,
    )
    rest = aws.apigateway.RestApi("api", tags=TAGS)
    deployment = aws.apigateway.Deployment("deployment", rest_api=rest.id)
    aws.apigateway.Stage("stage", rest_api=rest.id, deployment=deployment.id, stage_name="v1", tags=TAGS)
    aws.sqs.Queue("untagged", sqs_managed_sse_enabled=True, tags={"environment": "test"})
    pulumi.export("ok", True)


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def tracing(stack: Synthesis) -> PolicyReport:
    return analyze(stack, TRACING)


def record(report: PolicyReport, name: str) -> RecordedResource:
    (found,) = (r for r in report.resources if r.name == name and r.custom)
    return found


def changed(report: PolicyReport, policy: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.changes for r in report.remediations if r.policy == policy}


def test_nothing_is_remediated_by_default(stack: Synthesis) -> None:
    report = analyze(stack)
    assert report.remediations == []
    assert "untraced" in flagged(report, "lambda-tracing-active")


def test_remediate_turns_on_function_tracing(tracing: PolicyReport) -> None:
    assert changed(tracing, "lambda-tracing-active")["untraced"] == {"tracingConfig": {"mode": "Active"}}
    assert "untraced" not in flagged(tracing, "lambda-tracing-active")


def test_the_remediated_inputs_reach_the_reports_records(tracing: PolicyReport) -> None:
    inputs = record(tracing, "untraced").inputs
    assert inputs["tracingConfig"] == {"mode": "Active"}
    assert inputs["memorySize"] == 512  # the inputs the fix leaves alone stay


def test_the_synthesis_itself_is_left_as_the_program_made_it(stack: Synthesis, tracing: PolicyReport) -> None:
    assert "tracingConfig" not in stack.named("untraced", "aws:lambda/function:Function").inputs


def test_remediate_turns_on_state_machine_and_stage_tracing(tracing: PolicyReport) -> None:
    assert changed(tracing, "sfn-tracing") == {"machine": {"tracingConfiguration": {"enabled": True}}}
    assert changed(tracing, "apigw-tracing") == {"stage": {"xrayTracingEnabled": True}}


def test_an_exempted_resource_is_never_remediated(tracing: PolicyReport) -> None:
    assert "exempt-untraced" not in changed(tracing, "lambda-tracing-active")
    assert record(tracing, "exempt-untraced").inputs.get("tracingConfig") is None


def test_remediate_sets_the_configured_retention(stack: Synthesis) -> None:
    report = analyze(stack, {"log-group-retention": {"enforcementLevel": "remediate", "remediation_days": 90}})
    assert changed(report, "log-group-retention") == {"unretained-logs": {"retentionInDays": 90}}


def test_a_stack_rule_sees_the_remediated_outputs(stack: Synthesis) -> None:
    assert "unretained" in flagged(analyze(stack), "lambda-log-retention")
    assert "unretained" not in flagged(analyze(stack, RETENTION), "lambda-log-retention")


def test_a_retention_outside_the_bounds_is_not_remediated_and_says_so(stack: Synthesis) -> None:
    config = {"log-group-retention": {"enforcementLevel": "remediate", "min_days": 60, "remediation_days": 30}}
    report = analyze(stack, config)
    assert "unretained-logs" not in changed(report, "log-group-retention")
    (message,) = messages(report, "log-group-retention", "unretained-logs")
    assert "remediation_days 30 is outside the bounds: not remediated" in message


def test_a_violation_left_after_remediation_is_enforced_as_mandatory(stack: Synthesis) -> None:
    config = {"log-group-retention": {"enforcementLevel": "remediate", "min_days": 60, "remediation_days": 30}}
    levels = {d.level for d in analyze(stack, config).violations("log-group-retention")}
    assert levels == {"mandatory"}


def test_remediate_adds_the_missing_tags_it_has_values_for(stack: Synthesis) -> None:
    values = {"owner": "tests", "cost-center": "ci"}
    report = analyze(stack, {"required-tags": {"enforcementLevel": "remediate", "values": values}})
    assert changed(report, "required-tags")["untagged"] == {"tags": {"environment": "test", **values}}
    assert "untagged" not in flagged(report, "required-tags")


def test_a_tag_without_a_value_stays_a_violation(stack: Synthesis) -> None:
    report = analyze(stack, {"required-tags": {"enforcementLevel": "remediate", "values": {"owner": "tests"}}})
    assert record(report, "untagged").inputs["tags"] == {"environment": "test", "owner": "tests"}
    (message,) = messages(report, "required-tags", "untagged")
    assert 'missing ["cost-center"]' in message


def test_policies_without_a_remediation_are_named_when_set_to_remediate(stack: Synthesis) -> None:
    report = analyze(stack, {"lambda-arm64": "remediate", "lambda-log-retention": "remediate"})
    assert report.unremediable == {"lambda-arm64", "lambda-log-retention"}


def test_a_remediation_value_cloudwatch_does_not_accept_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="log-group-retention: remediation_days: 8 is not one of"):
        reconcile(load_pack(), {"log-group-retention": {"remediation_days": 8}})


def test_a_tag_value_must_be_a_non_empty_string() -> None:
    with pytest.raises(ConfigError, match="required-tags: values.owner"):
        reconcile(load_pack(), {"required-tags": {"values": {"owner": ""}}})
