"""API Gateway rules: stage tracing and access logs, default throttling, execution logs, Lambda timeouts, auth."""

from __future__ import annotations

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import ConfigError, PolicyReport, load_pack, reconcile
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
    name: str,
    fn: aws.lambda_.Function,
    *,
    settings: dict[str, object] | None = THROTTLED,
    uri: pulumi.Input[str] | None = None,
    **stage: object,
) -> None:
    """A REST API with one Lambda proxy route (to ``uri``, default the function's) and a stage; ``settings`` are
    its */* MethodSettings."""
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
        uri=uri or fn.invoke_arn,
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
    slow_aliased = function("slow-aliased", timeout=60, publish=True)
    live = aws.lambda_.Alias(
        "slow-aliased-live", name="live", function_name=slow_aliased.name, function_version=slow_aliased.version
    )
    api("slow-alias", slow_aliased, uri=live.invoke_arn)
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


def test_lambda_timeout_follows_an_integration_of_the_functions_alias(report: PolicyReport) -> None:
    assert "slow-aliased" in flagged(report, "apigw-lambda-timeout")


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


def validated_api(name: str, *, validate_body: bool = True, models: bool = True, verb: str = "POST") -> None:
    """A REST API whose one method has a request validator (checking the body or not) and a model."""
    rest = aws.apigateway.RestApi(f"{name}-api", tags=TAGS)
    route = aws.apigateway.Resource(f"{name}-route", rest_api=rest.id, parent_id=rest.root_resource_id, path_part="x")
    validator = aws.apigateway.RequestValidator(
        f"{name}-validator", rest_api=rest.id, validate_request_body=validate_body, validate_request_parameters=True
    )
    model = aws.apigateway.Model(
        f"{name}-model", rest_api=rest.id, name=f"{name.replace('-', '')}Order", content_type="application/json",
        schema='{"type": "object", "required": ["id"]}',
    )  # fmt: skip
    aws.apigateway.Method(
        f"{name}-method", rest_api=rest.id, resource_id=route.id, http_method=verb, authorization="AWS_IAM",
        request_validator_id=validator.id,
        request_models={"application/json": model.name} if models else None,
    )  # fmt: skip


def stage_only(name: str, **stage: object) -> aws.apigateway.Stage:
    rest = aws.apigateway.RestApi(f"{name}-api", tags=TAGS)
    deployment = aws.apigateway.Deployment(f"{name}-deployment", rest_api=rest.id)
    args: dict[str, object] = {"xray_tracing_enabled": True, "access_log_settings": ACCESS_LOGS, "tags": TAGS}
    args.update(stage)
    return aws.apigateway.Stage(
        f"{name}-stage", rest_api=rest.id, deployment=deployment.id, **{k: v for k, v in args.items() if v is not None}
    )


HTTP_THROTTLED = {"throttling_rate_limit": 100, "throttling_burst_limit": 200}


def http_stage(name: str, **overrides: object) -> None:
    http = aws.apigatewayv2.Api(f"{name}-http", protocol_type="HTTP", tags=TAGS)
    args: dict[str, object] = {
        "access_log_settings": ACCESS_LOGS,
        "default_route_settings": HTTP_THROTTLED,
        "auto_deploy": True,
        "tags": TAGS,
    }
    args.update(overrides)
    aws.apigatewayv2.Stage(
        f"{name}-http-stage", api_id=http.id, name="$default", **{k: v for k, v in args.items() if v is not None}
    )


def edge_program() -> None:
    # apigw-request-validation
    validated_api("validated")
    validated_api("params-only", validate_body=False)
    validated_api("modelless", models=False)
    validated_api("reader", validate_body=False, models=False, verb="GET")

    # apigw-waf
    prod_tags = {**TAGS, "environment": "prod"}
    guarded = stage_only("guarded", stage_name="v1", tags=prod_tags)
    acl = "arn:aws:wafv2:us-east-1:123456789012:regional/webacl/api/1"
    aws.wafv2.WebAclAssociation("guarded-waf", resource_arn=guarded.arn, web_acl_arn=acl)
    stage_only("exposed", stage_name="v1", tags=prod_tags)
    stage_only("dev-exposed", stage_name="v1")  # environment "test" (TAGS)
    stage_only("untagged-prod", stage_name="prod", tags={"owner": "tests"})

    # apigw-structured-access-logs
    stage_only("bare-variables", stage_name="v1", access_log_settings={
        "destination_arn": ACCESS_LOGS["destination_arn"], "format": '{"status": $context.status}',
    })  # fmt: skip
    stage_only("clf", stage_name="v1", access_log_settings={
        "destination_arn": ACCESS_LOGS["destination_arn"],
        "format": "$context.identity.sourceIp [$context.requestTime] $context.status",
    })  # fmt: skip

    # apigwv2-access-logging, apigwv2-default-throttling
    http_stage("good")
    http_stage("unlogged", access_log_settings=None)
    http_stage("unthrottled", default_route_settings=None)
    http_stage("flood", default_route_settings={**HTTP_THROTTLED, "throttling_burst_limit": 90000})
    http_stage("csv", access_log_settings={**ACCESS_LOGS, "format": "$context.requestId,$context.status"})


@pytest.fixture(scope="module")
def edge_stack() -> Synthesis:
    return synth(edge_program)


@pytest.fixture(scope="module")
def edge(edge_stack: Synthesis) -> PolicyReport:
    return analyze(edge_stack)


def test_request_validation_accepts_a_body_validator_with_a_model(edge: PolicyReport) -> None:
    assert "validated-method" not in flagged(edge, "apigw-request-validation")


def test_request_validation_flags_a_validator_that_skips_the_body(edge: PolicyReport) -> None:
    (message,) = messages(edge, "apigw-request-validation", "params-only-method")
    assert "validateRequestBody true" in message


def test_request_validation_flags_a_method_without_a_model(edge: PolicyReport) -> None:
    (message,) = messages(edge, "apigw-request-validation", "modelless-method")
    assert "requestModels is not set" in message


def test_request_validation_flags_a_method_without_a_validator(report: PolicyReport) -> None:
    assert len(messages(report, "apigw-request-validation", "good-method")) == 2


def test_request_validation_ignores_methods_without_a_body(edge: PolicyReport) -> None:
    assert "reader-method" not in flagged(edge, "apigw-request-validation")


def test_waf_accepts_a_prod_stage_with_a_web_acl(edge: PolicyReport) -> None:
    assert "guarded-stage" not in flagged(edge, "apigw-waf")


def test_waf_flags_a_prod_stage_without_a_web_acl(edge: PolicyReport) -> None:
    (message,) = messages(edge, "apigw-waf", "exposed-stage")
    assert "environment 'prod' is in environments" in message


def test_waf_ignores_stages_of_other_environments(edge: PolicyReport) -> None:
    assert "dev-exposed-stage" not in flagged(edge, "apigw-waf")


def test_waf_takes_the_stage_name_as_the_environment_without_a_tag(edge: PolicyReport) -> None:
    assert "untagged-prod-stage" in flagged(edge, "apigw-waf")


def test_waf_environments_are_configurable(edge_stack: Synthesis) -> None:
    report = analyze(edge_stack, {"apigw-waf": {"environments": ["*"]}})
    assert "dev-exposed-stage" in flagged(report, "apigw-waf")
    assert "guarded-stage" not in flagged(report, "apigw-waf")


def test_waf_leaves_a_stage_of_unknown_environment_not_evaluated(edge_stack: Synthesis) -> None:
    report = analyze(with_unknown(edge_stack, "exposed-stage", "tags", "environment"))
    assert "exposed-stage" in unevaluated(report, "apigw-waf")
    assert "exposed-stage" not in flagged(report, "apigw-waf")


def test_structured_access_logs_accept_json_with_bare_variables(edge: PolicyReport) -> None:
    assert "bare-variables-stage" not in flagged(edge, "apigw-structured-access-logs")


def test_structured_access_logs_flag_a_common_log_format(edge: PolicyReport) -> None:
    assert "clf-stage" in flagged(edge, "apigw-structured-access-logs")


def test_structured_access_logs_flag_an_http_api_csv_format(edge: PolicyReport) -> None:
    assert "csv-http-stage" in flagged(edge, "apigw-structured-access-logs")


def test_structured_access_logs_leave_a_missing_format_to_access_logging(report: PolicyReport) -> None:
    assert "unlogged-stage" in flagged(report, "apigw-access-logging")
    assert "unlogged-stage" not in flagged(report, "apigw-structured-access-logs")


def test_http_access_logging_accepts_a_destination_and_format(edge: PolicyReport) -> None:
    assert "good-http-stage" not in flagged(edge, "apigwv2-access-logging")


def test_http_access_logging_flags_a_stage_without_logs(edge: PolicyReport) -> None:
    assert len(messages(edge, "apigwv2-access-logging", "unlogged-http-stage")) == 2


def test_http_default_throttling_accepts_limits_within_bounds(edge: PolicyReport) -> None:
    assert "good-http-stage" not in flagged(edge, "apigwv2-default-throttling")


def test_http_default_throttling_flags_a_stage_without_limits(edge: PolicyReport) -> None:
    assert len(messages(edge, "apigwv2-default-throttling", "unthrottled-http-stage")) == 2


def test_http_default_throttling_flags_a_burst_above_the_bound(edge: PolicyReport) -> None:
    (message,) = messages(edge, "apigwv2-default-throttling", "flood-http-stage")
    assert "defaultRouteSettings.throttlingBurstLimit is 90000" in message


def test_http_default_throttling_bounds_are_configurable(edge_stack: Synthesis) -> None:
    report = analyze(edge_stack, {"apigwv2-default-throttling": {"max_burst_limit": 100000}})
    assert "flood-http-stage" not in flagged(report, "apigwv2-default-throttling")


def test_http_stage_rules_are_mandatory(edge: PolicyReport) -> None:
    levels = {d.level for d in edge.diagnostics if d.policy.startswith("apigwv2-")}
    assert levels == {"mandatory"}


def test_waf_environments_must_be_a_list_of_names() -> None:
    with pytest.raises(ConfigError, match="apigw-waf: environments: 'prod' is not of type 'array'"):
        reconcile(load_pack(), {"apigw-waf": {"environments": "prod"}})


def test_http_default_throttling_bounds_must_be_positive() -> None:
    with pytest.raises(ConfigError, match="apigwv2-default-throttling: max_rate_limit: 0 is less than the minimum"):
        reconcile(load_pack(), {"apigwv2-default-throttling": {"max_rate_limit": 0}})
