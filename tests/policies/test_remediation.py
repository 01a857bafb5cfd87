"""Opt-in remediations: at level ``remediate`` a policy rewrites the resource's own inputs as the resource
registers, before the mocks create it, and everything after (the records, the outputs, its analysis, the stack
rules, the report) sees them; off by default."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import ConfigError, PolicyReport, RemediationTooLateError, load_pack, reconcile
from pulumi_wasp.synthesis import RecordedResource, Synthesis

from .conftest import TAGS, analyze, deploy, exempt, flagged, function, messages, synth

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
def tracing() -> tuple[Synthesis, PolicyReport]:
    return deploy(program, TRACING)


def record(stack: Synthesis, name: str) -> RecordedResource:
    (found,) = (r for r in stack.resources if r.name == name and r.custom)
    return found


def changed(report: PolicyReport, policy: str) -> dict[str, dict[str, Any]]:
    return {r.name: r.changes for r in report.remediations if r.policy == policy}


def test_nothing_is_remediated_by_default() -> None:
    stack, report = deploy(program)
    assert report.remediations == []
    assert "untraced" in flagged(report, "lambda-tracing-active")
    assert "tracingConfig" not in record(stack, "untraced").inputs


def test_nothing_is_remediated_below_level_remediate() -> None:
    stack, report = deploy(program, {"lambda-tracing-active": "mandatory", "required-tags": {"values": {"owner": "x"}}})
    assert report.remediations == []
    assert "tracingConfig" not in record(stack, "untraced").inputs
    assert record(stack, "untagged").inputs["tags"] == {"environment": "test"}


def test_remediate_turns_on_function_tracing(tracing: tuple[Synthesis, PolicyReport]) -> None:
    _, report = tracing
    assert changed(report, "lambda-tracing-active")["untraced"] == {"tracingConfig": {"mode": "Active"}}
    assert "untraced" not in flagged(report, "lambda-tracing-active")


def test_the_synthesis_records_the_remediated_inputs(tracing: tuple[Synthesis, PolicyReport]) -> None:
    stack, _ = tracing
    inputs = record(stack, "untraced").inputs
    assert inputs["tracingConfig"] == {"mode": "Active"}
    assert inputs["memorySize"] == 512  # the inputs the fix leaves alone stay


def test_the_mocks_create_the_remediated_resource(tracing: tuple[Synthesis, PolicyReport]) -> None:
    stack, _ = tracing
    assert record(stack, "untraced").outputs["tracingConfig"] == {"mode": "Active"}


def test_the_report_holds_the_synthesis_records(tracing: tuple[Synthesis, PolicyReport]) -> None:
    stack, report = tracing
    assert report.resources == stack.resources


def test_remediate_turns_on_state_machine_and_stage_tracing(tracing: tuple[Synthesis, PolicyReport]) -> None:
    stack, report = tracing
    assert changed(report, "sfn-tracing") == {"machine": {"tracingConfiguration": {"enabled": True}}}
    assert changed(report, "apigw-tracing") == {"stage": {"xrayTracingEnabled": True}}
    assert record(stack, "stage").inputs["xrayTracingEnabled"] is True


def test_an_exempted_resource_is_never_remediated(tracing: tuple[Synthesis, PolicyReport]) -> None:
    stack, report = tracing
    assert "exempt-untraced" not in changed(report, "lambda-tracing-active")
    assert record(stack, "exempt-untraced").inputs.get("tracingConfig") is None


def test_remediate_sets_the_configured_retention() -> None:
    stack, report = deploy(program, {"log-group-retention": {"enforcementLevel": "remediate", "remediation_days": 90}})
    assert changed(report, "log-group-retention") == {"unretained-logs": {"retentionInDays": 90}}
    assert record(stack, "unretained-logs").inputs["retentionInDays"] == 90


def test_a_stack_rule_sees_the_remediated_outputs() -> None:
    assert "unretained" in flagged(deploy(program)[1], "lambda-log-retention")
    assert "unretained" not in flagged(deploy(program, RETENTION)[1], "lambda-log-retention")


def test_a_retention_outside_the_bounds_is_not_remediated_and_says_so() -> None:
    config = {"log-group-retention": {"enforcementLevel": "remediate", "min_days": 60, "remediation_days": 30}}
    stack, report = deploy(program, config)
    assert "unretained-logs" not in changed(report, "log-group-retention")
    assert "retentionInDays" not in record(stack, "unretained-logs").inputs
    (message,) = messages(report, "log-group-retention", "unretained-logs")
    assert "remediation_days 30 is outside the bounds: not remediated" in message


def test_a_violation_left_after_remediation_is_enforced_as_mandatory() -> None:
    config = {"log-group-retention": {"enforcementLevel": "remediate", "min_days": 60, "remediation_days": 30}}
    levels = {d.level for d in deploy(program, config)[1].violations("log-group-retention")}
    assert levels == {"mandatory"}


def test_remediate_adds_the_missing_tags_it_has_values_for() -> None:
    values = {"owner": "tests", "cost-center": "ci"}
    stack, report = deploy(program, {"required-tags": {"enforcementLevel": "remediate", "values": values}})
    assert changed(report, "required-tags")["untagged"] == {"tags": {"environment": "test", **values}}
    assert record(stack, "untagged").inputs["tags"] == {"environment": "test", **values}
    assert "untagged" not in flagged(report, "required-tags")


def test_a_tag_without_a_value_stays_a_violation() -> None:
    stack, report = deploy(program, {"required-tags": {"enforcementLevel": "remediate", "values": {"owner": "tests"}}})
    assert record(stack, "untagged").inputs["tags"] == {"environment": "test", "owner": "tests"}
    (message,) = messages(report, "required-tags", "untagged")
    assert 'missing ["cost-center"]' in message


def test_policies_without_a_remediation_are_named_when_set_to_remediate() -> None:
    _, report = deploy(program, {"lambda-arm64": "remediate", "lambda-log-retention": "remediate"})
    assert report.unremediable == {"lambda-arm64", "lambda-log-retention"}


def test_remediate_over_a_finished_synthesis_is_refused() -> None:
    with pytest.raises(RemediationTooLateError, match="lambda-tracing-active: enforcementLevel remediate changes"):
        analyze(synth(program), {"lambda-tracing-active": "remediate"})


def test_a_remediation_value_cloudwatch_does_not_accept_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="log-group-retention: remediation_days: 8 is not one of"):
        reconcile(load_pack(), {"log-group-retention": {"remediation_days": 8}})


def test_a_tag_value_must_be_a_non_empty_string() -> None:
    with pytest.raises(ConfigError, match="required-tags: values.owner"):
        reconcile(load_pack(), {"required-tags": {"values": {"owner": ""}}})
