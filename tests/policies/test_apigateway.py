"""API Gateway rules: stage tracing and access logs, default throttling, execution logs, Lambda timeouts, auth."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import TAGS, analyze, exempt, exempted, flagged, function, messages, synth, unevaluated, with_unknown

ACCESS_LOGS = {
    "destination_arn": "arn:aws:logs:us-east-1:123456789012:log-group:/api",
    "format": '{"id":"$context.requestId"}',
}
THROTTLED = {
    "throttling_rate_limit": 100,
    "throttling_burst_limit": 200,
    "logging_level": "ERROR",
    "metrics_enabled": True,
}


def api(
    name: str, fn: aws.lambda_.Function, *, settings: dict[str, object] | None = THROTTLED, **stage: object
) -> None:
    """A REST API with one Lambda proxy route and a stage; ``settings`` are its */* MethodSettings."""
    rest = aws.apigateway.RestApi(f"{name}-api", tags=TAGS)
    route = aws.apigateway.Resource(f"{name}-route", rest_api=rest.id, parent_id=rest.root_resource_id, path_part="x")
    method = aws.apigateway.Method(
        f"{name}-method",
        rest_api=rest.id,
        resource_id=route.id,
        http_method="POST",
        authorization=str(stage.pop("authorization", "AWS_IAM")),
    )
    integration = aws.apigateway.Integration(
        f"{name}-integration",
        rest_api=rest.id,
        resource_id=route.id,
        http_method=method.http_method,
        type="AWS_PROXY",
        integration_http_method="POST",
        uri=fn.invoke_arn,
    )
    deployment = aws.apigateway.Deployment(
        f"{name}-deployment", rest_api=rest.id, opts=pulumi.ResourceOptions(depends_on=[integration])
    )
    args: dict[str, object] = {"xray_tracing_enabled": True, "access_log_settings": ACCESS_LOGS, "tags": TAGS}
    args.update(stage)
    created = aws.apigateway.Stage(
        f"{name}-stage",
        rest_api=rest.id,
        deployment=deployment.id,
        stage_name="v1",
        **{key: value for key, value in args.items() if value is not None},
    )
    if settings is not None:
        aws.apigateway.MethodSettings(
            f"{name}-settings", rest_api=rest.id, stage_name=created.stage_name, method_path="*/*", settings=settings
        )


def program() -> None:
    quick = function("quick", timeout=10)
    api("good", quick)
    api("untraced", quick, xray_tracing_enabled=None)
    api("unlogged", quick, access_log_settings=None)
    api("unthrottled", quick, settings=None)
    api("wide-open", quick, settings={**THROTTLED, "throttling_rate_limit": 50000})
    api("chatty", quick, settings={**THROTTLED, "logging_level": "OFF", "data_trace_enabled": True})
    api("public", quick, authorization="NONE")
    api("webhook", quick, authorization="NONE")
    api("slow", function("slow", timeout=60))
    api("tolerated", function("tolerated", timeout=60, tags=exempt("apigw-lambda-timeout")))


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_tracing_accepts_xray_and_flags_its_absence(report: PolicyReport) -> None:
    assert flagged(report, "apigw-tracing") == {"untraced-stage"}


def test_access_logging_accepts_a_destination_and_format(report: PolicyReport) -> None:
    assert "good-stage" not in flagged(report, "apigw-access-logging")


def test_access_logging_flags_a_stage_without_logs_and_recommends_json(report: PolicyReport) -> None:
    found = messages(report, "apigw-access-logging", "unlogged-stage")
    assert len(found) == 2
    assert "preferably JSON" in found[1]


def test_default_throttling_accepts_stage_wide_limits(report: PolicyReport) -> None:
    assert "good-stage" not in flagged(report, "apigw-default-throttling")


def test_default_throttling_flags_a_stage_without_method_settings(report: PolicyReport) -> None:
    assert "unthrottled-stage" in flagged(report, "apigw-default-throttling")


def test_default_throttling_flags_a_rate_above_the_bound(report: PolicyReport) -> None:
    (message,) = messages(report, "apigw-default-throttling", "wide-open-stage")
    assert "settings.throttlingRateLimit is 50000; wanted greater than 0 and at most 10000" in message


def test_default_throttling_leaves_an_unknown_limit_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "good-settings", "settings", "throttlingRateLimit"))
    assert "good-stage" in unevaluated(report, "apigw-default-throttling")


def test_execution_logging_accepts_error_level_without_data_trace(report: PolicyReport) -> None:
    assert "good-settings" not in flagged(report, "apigw-execution-logging")


def test_execution_logging_flags_logging_off_and_data_trace(report: PolicyReport) -> None:
    assert len(messages(report, "apigw-execution-logging", "chatty-settings")) == 2


def test_lambda_timeout_accepts_a_function_faster_than_the_integration(report: PolicyReport) -> None:
    assert "quick" not in flagged(report, "apigw-lambda-timeout")


def test_lambda_timeout_flags_a_function_slower_than_29_seconds(report: PolicyReport) -> None:
    (message,) = messages(report, "apigw-lambda-timeout", "slow")
    assert "timeout is 60; wanted at most 29 s (behind integration slow-integration" in message


def test_lambda_timeout_lists_an_exempted_function(report: PolicyReport) -> None:
    assert "tolerated" in exempted(report, "apigw-lambda-timeout")
    assert "tolerated" not in flagged(report, "apigw-lambda-timeout")


def test_lambda_timeout_leaves_an_unknown_timeout_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "slow", "timeout"))
    assert "slow" in unevaluated(report, "apigw-lambda-timeout")


def test_authorization_accepts_iam_and_flags_none(report: PolicyReport) -> None:
    assert "good-method" not in flagged(report, "apigw-authorization")
    assert "public-method" in flagged(report, "apigw-authorization")


def test_authorization_lists_a_method_exempted_in_pack_config(stack: Synthesis) -> None:
    reason = "payment webhooks verify an HMAC signature instead"
    report = analyze(stack, {"exemptions": {"apigw-authorization": [{"name_pattern": "^webhook-", "reason": reason}]}})
    assert "webhook-method" not in flagged(report, "apigw-authorization")
    assert [e.reason for e in report.exempted if e.name == "webhook-method"] == [reason]
