"""Lambda rules: one compliant and one non-compliant function (or permission, URL) per rule."""

from __future__ import annotations

import json

import pulumi_aws as aws
import pytest

from pulumi_wasp.policies.lambda_rules import statement_covers
from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import (
    TAGS,
    analyze,
    dead_letter_queue,
    exempt,
    exempted,
    flagged,
    function,
    messages,
    synth,
    unevaluated,
    with_unknown,
)


def program() -> None:
    function("good")
    function("untraced", tracing_config=None)
    function("passthrough", tracing_config={"mode": "PassThrough"})
    function("unreserved", reserved_concurrent_executions=None)
    function("throttled", reserved_concurrent_executions=0)
    function("default-memory", memory_size=None)
    function("default-timeout", timeout=None)
    function("old-runtime", runtime="python3.8")
    function("custom-runtime", runtime="provided.al2023")
    function("x86", architectures=None)
    function("anonymous", environment=None)

    # lambda-log-retention: matched by name, by loggingConfig, missing, unbounded, exempted.
    function("no-logs", log_group=False)
    function("exempt-no-logs", log_group=False, tags=exempt("lambda-log-retention"))
    forever = aws.cloudwatch.LogGroup("forever-logs", name="/custom/forever", tags=TAGS)
    function("forever", log_group=False, logging_config={"log_format": "JSON", "log_group": forever.name})

    # lambda-async-failure-destination: EventBridge invokes three functions.
    rule = aws.cloudwatch.EventRule("tick", schedule_expression="rate(1 hour)", tags=TAGS)
    dlq = dead_letter_queue("async-dlq")
    with_destination = function("async-destination")
    aws.lambda_.FunctionEventInvokeConfig(
        "async-destination-invoke",
        function_name=with_destination.name,
        maximum_retry_attempts=2,
        destination_config={"on_failure": {"destination": dlq.arn}},
    )
    with_dlq = function("async-dlq-fn", dead_letter_config={"target_arn": dlq.arn})
    lost = function("async-lost")
    for fn in (with_destination, with_dlq, lost):
        aws.lambda_.Permission(
            f"{fn._name}-invoke",
            action="lambda:InvokeFunction",
            function=fn.name,
            principal="events.amazonaws.com",
            source_arn=rule.arn,
        )

    # ... and one invoked through its alias, which keeps failures nowhere either.
    aliased = function("async-aliased", publish=True)
    live = aws.lambda_.Alias("async-aliased-live", name="live", function_name=aliased.name, function_version="1")
    aws.cloudwatch.EventTarget("async-aliased-target", rule=rule.name, arn=live.arn)

    # lambda-no-wildcard-iam
    wildcard_role = aws.iam.Role("wildcard-role", assume_role_policy=SCOPED_TRUST, tags=TAGS)
    aws.iam.RolePolicy(
        "wildcard-policy",
        role=wildcard_role.name,
        policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "arn:aws:s3:::b/*"}]}),
    )
    function("wildcard-action", role=wildcard_role.arn)
    star_role = aws.iam.Role("star-role", assume_role_policy=SCOPED_TRUST, tags=TAGS)
    aws.iam.RolePolicy(
        "star-policy",
        role=star_role.name,
        policy=json.dumps({"Statement": [{"Effect": "Allow", "Action": "dynamodb:GetItem", "Resource": "*"}]}),
    )
    function("star-resource", role=star_role.arn)
    admin_role = aws.iam.Role("admin-role", assume_role_policy=SCOPED_TRUST, tags=TAGS)
    aws.iam.RolePolicyAttachment(
        "admin-attachment", role=admin_role.name, policy_arn="arn:aws:iam::aws:policy/AdministratorAccess"
    )
    function("admin", role=admin_role.arn)

    # lambda-permission-source-arn
    target = function("invoked")
    aws.lambda_.Permission(
        "scoped-permission", action="lambda:InvokeFunction", function=target.name, principal="sns.amazonaws.com",
        source_arn="arn:aws:sns:us-east-1:123456789012:t",
    )  # fmt: skip
    aws.lambda_.Permission(
        "open-permission", action="lambda:InvokeFunction", function=target.name, principal="sqs.amazonaws.com"
    )
    aws.lambda_.Permission(
        "bucket-permission", action="lambda:InvokeFunction", function=target.name, principal="s3.amazonaws.com",
        source_arn="arn:aws:s3:::uploads",
    )  # fmt: skip
    aws.lambda_.Permission(
        "account-permission", action="lambda:InvokeFunction", function=target.name, principal="123456789012"
    )

    # lambda-function-url-auth
    aws.lambda_.FunctionUrl("iam-url", function_name=target.name, authorization_type="AWS_IAM")
    aws.lambda_.FunctionUrl("open-url", function_name=target.name, authorization_type="NONE")


SCOPED_TRUST = json.dumps(
    {"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]}
)


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_tracing_active_accepts_active_tracing(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "lambda-tracing-active")


def test_tracing_active_flags_a_function_without_tracing(report: PolicyReport) -> None:
    assert "untraced" in flagged(report, "lambda-tracing-active")
    assert 'tracingConfig.mode is not set; wanted "Active"' in messages(report, "lambda-tracing-active", "untraced")[0]


def test_tracing_active_explains_passthrough_separately(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-tracing-active", "passthrough")
    assert "PassThrough only traces requests an upstream service already sampled" in message


def test_reserved_concurrency_accepts_a_reservation_within_bounds(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "lambda-reserved-concurrency")


def test_reserved_concurrency_flags_an_unreserved_function(report: PolicyReport) -> None:
    assert "unreserved" in flagged(report, "lambda-reserved-concurrency")


def test_reserved_concurrency_says_zero_throttles_every_invocation(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-reserved-concurrency", "throttled")
    assert "0 throttles every invocation" in message


def test_reserved_concurrency_max_is_configurable(stack: Synthesis) -> None:
    report = analyze(stack, {"lambda-reserved-concurrency": {"max": 4}})
    assert "good" in flagged(report, "lambda-reserved-concurrency")


def test_explicit_memory_flags_the_default_and_accepts_an_explicit_size(report: PolicyReport) -> None:
    assert "default-memory" in flagged(report, "lambda-explicit-memory")
    assert "good" not in flagged(report, "lambda-explicit-memory")


def test_explicit_timeout_flags_the_default_and_accepts_an_explicit_timeout(report: PolicyReport) -> None:
    assert "default-timeout" in flagged(report, "lambda-explicit-timeout")
    assert "good" not in flagged(report, "lambda-explicit-timeout")


def test_supported_runtime_flags_a_deprecated_runtime(report: PolicyReport) -> None:
    assert flagged(report, "lambda-supported-runtime") == {"old-runtime"}


def test_supported_runtime_skips_custom_runtimes(report: PolicyReport) -> None:
    assert "custom-runtime" not in flagged(report, "lambda-supported-runtime")


def test_arm64_flags_the_x86_default(report: PolicyReport) -> None:
    assert "x86" in flagged(report, "lambda-arm64")
    assert "good" not in flagged(report, "lambda-arm64")


def test_powertools_service_name_flags_a_function_without_it(report: PolicyReport) -> None:
    assert "anonymous" in flagged(report, "lambda-powertools-service-name")
    assert "good" not in flagged(report, "lambda-powertools-service-name")


def test_log_retention_accepts_a_log_group_named_after_the_function(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "lambda-log-retention")


def test_log_retention_flags_a_function_without_a_log_group(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-log-retention", "no-logs")
    assert "log group /aws/lambda/no-logs is missing" in message


def test_log_retention_follows_logging_config_to_a_group_without_retention(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-log-retention", "forever")
    assert message.startswith("forever-logs (aws:cloudwatch/logGroup:LogGroup): retentionInDays is not set")


def test_log_retention_lists_an_exempted_function_instead_of_flagging_it(report: PolicyReport) -> None:
    assert "exempt-no-logs" not in flagged(report, "lambda-log-retention")
    assert "exempt-no-logs" in exempted(report, "lambda-log-retention")


def test_log_retention_leaves_an_unknown_retention_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "good-logs", "retentionInDays"))
    assert "good" in unevaluated(report, "lambda-log-retention")
    assert "good" not in flagged(report, "lambda-log-retention")


def test_async_failure_destination_accepts_an_invoke_config_with_on_failure(report: PolicyReport) -> None:
    assert "async-destination" not in flagged(report, "lambda-async-failure-destination")


def test_async_failure_destination_accepts_a_dead_letter_queue(report: PolicyReport) -> None:
    assert "async-dlq-fn" not in flagged(report, "lambda-async-failure-destination")


def test_async_failure_destination_flags_an_async_function_that_loses_failures(report: PolicyReport) -> None:
    assert "async-lost" in flagged(report, "lambda-async-failure-destination")
    assert (
        "async-lost-invoke for events.amazonaws.com"
        in messages(report, "lambda-async-failure-destination", "async-lost")[0]
    )


def test_async_failure_destination_follows_invokers_of_the_functions_alias(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-async-failure-destination", "async-aliased")
    assert "event target async-aliased-target" in message


def test_async_failure_destination_leaves_an_unknown_destination_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "async-destination-invoke", "destinationConfig"))
    assert "async-destination" in unevaluated(report, "lambda-async-failure-destination")


def test_no_wildcard_iam_allows_star_resource_for_xray_only(report: PolicyReport) -> None:
    assert "good" not in flagged(report, "lambda-no-wildcard-iam")


def test_no_wildcard_iam_flags_a_service_wildcard_action(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-no-wildcard-iam", "wildcard-action")
    assert 'role policy wildcard-policy is Action "s3:*"' in message


def test_no_wildcard_iam_flags_resource_star_for_other_actions(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-no-wildcard-iam", "star-resource")
    assert 'Resource "*" for ["dynamodb:GetItem"]' in message


def test_no_wildcard_iam_flags_an_attached_admin_policy(report: PolicyReport) -> None:
    assert "admin" in flagged(report, "lambda-no-wildcard-iam")


def test_no_wildcard_iam_leaves_an_unknown_policy_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "wildcard-policy", "policy"))
    assert "wildcard-action" in unevaluated(report, "lambda-no-wildcard-iam")
    assert "wildcard-action" not in flagged(report, "lambda-no-wildcard-iam")


def test_permission_source_arn_accepts_a_scoped_service_permission(report: PolicyReport) -> None:
    assert "scoped-permission" not in flagged(report, "lambda-permission-source-arn")


def test_permission_source_arn_flags_a_service_permission_without_source_arn(report: PolicyReport) -> None:
    assert "open-permission" in flagged(report, "lambda-permission-source-arn")


def test_permission_source_arn_wants_the_source_account_for_s3(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-permission-source-arn", "bucket-permission")
    assert "sourceAccount is not set" in message


def test_permission_source_arn_ignores_account_principals(report: PolicyReport) -> None:
    assert "account-permission" not in flagged(report, "lambda-permission-source-arn")


def test_function_url_auth_accepts_iam_and_flags_none(report: PolicyReport) -> None:
    assert flagged(report, "lambda-function-url-auth") == {"open-url"}


def test_account_concurrency_headroom_accepts_reservations_within_the_budget(report: PolicyReport) -> None:
    assert not flagged(report, "lambda-account-concurrency-headroom")


def test_account_concurrency_headroom_flags_the_stack_when_reservations_exceed_the_budget(stack: Synthesis) -> None:
    report = analyze(stack, {"lambda-account-concurrency-headroom": {"account_limit": 150}})
    (diagnostic,) = report.violations("lambda-account-concurrency-headroom")
    assert diagnostic.type == "pulumi:pulumi:Stack"
    assert "wanted at most 50" in diagnostic.message


def test_account_concurrency_headroom_leaves_an_unknown_reservation_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "good", "reservedConcurrentExecutions"))
    assert unevaluated(report, "lambda-account-concurrency-headroom")


def errors_alarm(name: str, fn: aws.lambda_.Function, *, actions: bool = True) -> None:
    aws.cloudwatch.MetricAlarm(
        name,
        namespace="AWS/Lambda",
        metric_name="Errors",
        dimensions={"FunctionName": fn.name},
        statistic="Sum",
        period=60,
        evaluation_periods=1,
        threshold=0,
        comparison_operator="GreaterThanThreshold",
        alarm_actions=["arn:aws:sns:us-east-1:123456789012:oncall"] if actions else [],
        tags=TAGS,
    )


def invocation_program() -> None:
    fn = function("public-target")
    invoke = {"action": "lambda:InvokeFunction", "function": fn.name}
    # lambda-public-permission
    aws.lambda_.Permission("public", principal="*", **invoke)
    aws.lambda_.Permission("any-account", principal="arn:aws:iam::*:root", **invoke)
    aws.lambda_.Permission("org-only", principal="*", principal_org_id="o-abc123", **invoke)
    aws.lambda_.Permission("one-account-callers", principal="*", source_account="123456789012", **invoke)
    aws.lambda_.Permission("unscoped-service", principal="events.amazonaws.com", **invoke)
    url_fn = function("url-target")
    aws.lambda_.Permission(
        "open-url-permission", action="lambda:InvokeFunctionUrl", function=url_fn.name, principal="*",
        function_url_auth_type="NONE",
    )  # fmt: skip

    # lambda-single-principal
    single = function("single")
    for index in range(2):
        aws.lambda_.Permission(
            f"single-{index}", action="lambda:InvokeFunction", function=single.name,
            principal="apigateway.amazonaws.com", source_arn=f"arn:aws:execute-api:us-east-1:123456789012:a/*/GET/{index}",
        )  # fmt: skip
    shared = function("shared")
    for principal in ("sns.amazonaws.com", "events.amazonaws.com"):
        aws.lambda_.Permission(
            f"shared-{principal.split('.')[0]}", action="lambda:InvokeFunction", function=shared.name,
            principal=principal, source_arn="arn:aws:sns:us-east-1:123456789012:t",
        )  # fmt: skip

    # lambda-error-alarm
    errors_alarm("watched-errors", function("watched"))
    errors_alarm("silent-errors", function("silent"), actions=False)
    function("unwatched")
    function("exempt-unwatched", tags=exempt("lambda-error-alarm"))


@pytest.fixture(scope="module")
def invocation_stack() -> Synthesis:
    return synth(invocation_program)


@pytest.fixture(scope="module")
def invocations(invocation_stack: Synthesis) -> PolicyReport:
    return analyze(invocation_stack)


def test_public_permission_flags_principal_star(invocations: PolicyReport) -> None:
    (message,) = messages(invocations, "lambda-public-permission", "public")
    assert 'principal is "*"' in message


def test_public_permission_flags_a_wildcard_account(invocations: PolicyReport) -> None:
    assert "any-account" in flagged(invocations, "lambda-public-permission")


def test_public_permission_accepts_star_confined_by_a_condition(invocations: PolicyReport) -> None:
    assert not {"org-only", "one-account-callers"} & flagged(invocations, "lambda-public-permission")


def test_public_permission_is_mandatory(invocations: PolicyReport) -> None:
    assert {d.level for d in invocations.violations("lambda-public-permission")} == {"mandatory"}


def test_a_service_principal_without_a_source_is_only_the_source_arn_rules_finding(invocations: PolicyReport) -> None:
    assert "unscoped-service" in flagged(invocations, "lambda-permission-source-arn")
    assert "unscoped-service" not in flagged(invocations, "lambda-public-permission")


def test_a_public_function_url_is_only_the_function_url_rules_finding(invocations: PolicyReport) -> None:
    assert "open-url-permission" not in flagged(invocations, "lambda-public-permission")


def test_single_principal_accepts_several_permissions_for_one_principal(invocations: PolicyReport) -> None:
    assert "single" not in flagged(invocations, "lambda-single-principal")


def test_single_principal_flags_a_function_invoked_by_two_principals(invocations: PolicyReport) -> None:
    (message,) = messages(invocations, "lambda-single-principal", "shared")
    assert '["events.amazonaws.com", "sns.amazonaws.com"]' in message


def test_single_principal_leaves_an_unknown_principal_not_evaluated(invocation_stack: Synthesis) -> None:
    report = analyze(with_unknown(invocation_stack, "shared-sns", "principal"))
    assert "shared" in unevaluated(report, "lambda-single-principal")


def test_error_alarm_accepts_an_errors_alarm_with_an_action(invocations: PolicyReport) -> None:
    assert "watched" not in flagged(invocations, "lambda-error-alarm")


def test_error_alarm_flags_a_function_without_one(invocations: PolicyReport) -> None:
    assert "unwatched" in flagged(invocations, "lambda-error-alarm")


def test_error_alarm_flags_an_alarm_that_notifies_nobody(invocations: PolicyReport) -> None:
    (message,) = messages(invocations, "lambda-error-alarm", "silent")
    assert "alarmActions of silent-errors is not set" in message


def test_error_alarm_lists_an_exempted_function(invocations: PolicyReport) -> None:
    assert "exempt-unwatched" in exempted(invocations, "lambda-error-alarm")
    assert "exempt-unwatched" not in flagged(invocations, "lambda-error-alarm")


ALIAS_ARN = "arn:aws:lambda:us-east-1:123456789012:function:f:live"


def test_statement_covers_every_action_but_its_not_action() -> None:
    statement = {"Effect": "Allow", "NotAction": "lambda:Delete*", "Resource": "*"}
    assert statement_covers(statement, "lambda:UpdateAlias", ALIAS_ARN)
    assert not statement_covers(statement, "lambda:DeleteAlias", ALIAS_ARN)


def test_statement_covers_no_resource_it_names_without_a_resource_element() -> None:
    assert not statement_covers({"Effect": "Allow", "Action": "lambda:*"}, "lambda:UpdateAlias", ALIAS_ARN)


def test_statement_covers_resources_case_sensitively() -> None:
    statement = {"Effect": "Allow", "Action": "lambda:UpdateAlias", "Resource": ALIAS_ARN.upper()}
    assert not statement_covers(statement, "lambda:UpdateAlias", ALIAS_ARN)
