"""ServerlessFunction: the Lambda baseline of defaults.md, one behaviour per test."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import (
    AsyncInvokeArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    StackContext,
    iam,
    use_stack_context,
)
from pulumi_wasp.components.function import powertools_layer_arn
from tests.unit.conftest import REGION, one, policy, synth, within

FUNCTION = "aws:lambda/function:Function"
CODE = ["lambdas/shared"]


def program() -> None:
    use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))
    ServerlessFunction("plain", ServerlessFunctionArgs(handler="shared.config.handler", code=CODE))
    ServerlessFunction(
        "tuned",
        ServerlessFunctionArgs(
            handler="shared.config.handler",
            code=CODE,
            memory_mb=1024,
            timeout_seconds=25,
            architecture="x86_64",
            reserved_concurrency=3,
            log_retention_days=30,
            behind_api=True,
            environment={"TABLE": "orders"},
            permissions=[*iam.dynamodb_read("arn:aws:dynamodb:eu-west-1:123456789012:table/orders")],
            async_invoke=AsyncInvokeArgs(max_retries=1, max_event_age_seconds=600),
        ),
    )


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def fn(stack, name="plain"):
    return one(stack, name, FUNCTION).inputs


def test_runtime_is_python_3_12_on_arm64(stack):
    assert fn(stack)["runtime"] == "python3.12"
    assert fn(stack)["architectures"] == ["arm64"]


def test_memory_is_256_mb_and_timeout_10_s(stack):
    assert fn(stack)["memorySize"] == 256
    assert fn(stack)["timeout"] == 10


def test_tracing_is_active(stack):
    assert fn(stack)["tracingConfig"] == {"mode": "Active"}


def test_logs_are_json_in_an_own_log_group_with_retention(stack):
    group = one(stack, "plain", "aws:cloudwatch/logGroup:LogGroup")
    assert group.inputs["name"] == f"/aws/lambda/{fn(stack)['name']}"
    assert group.inputs["retentionInDays"] == 14
    assert fn(stack)["loggingConfig"] == {"logFormat": "JSON", "logGroup": group.inputs["name"]}


def test_log_group_is_created_before_the_function(stack):
    group = one(stack, "plain", "aws:cloudwatch/logGroup:LogGroup")
    assert group.urn in one(stack, "plain", FUNCTION).dependencies


def test_reserved_concurrency_defaults_to_10(stack):
    assert fn(stack)["reservedConcurrentExecutions"] == 10


def test_powertools_layer_matches_region_runtime_and_architecture(stack):
    assert fn(stack)["layers"] == [
        f"arn:aws:lambda:{REGION}:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-arm64:27"
    ]
    assert fn(stack, "tuned")["layers"][0].endswith("python312-x86_64:27")


def test_powertools_environment_is_set(stack):
    env = fn(stack)["environment"]["variables"]
    assert env == {
        "POWERTOOLS_SERVICE_NAME": "plain",
        "POWERTOOLS_METRICS_NAMESPACE": "test",
        "POWERTOOLS_LOG_LEVEL": "INFO",
    }


def test_role_trusts_only_lambda(stack):
    role = one(stack, "plain", "aws:iam/role:Role")
    statement = policy(role, "assumeRolePolicy")["Statement"]
    assert statement == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    assert "managedPolicyArns" not in role.inputs
    assert within(stack, "plain", "aws:iam/rolePolicyAttachment:RolePolicyAttachment") == []


def test_role_policy_grants_only_its_logs_and_xray(stack):
    statements = policy(one(stack, "plain", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    group_arn = one(stack, "plain", "aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    assert statements[0] == {
        "Effect": "Allow",
        "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
        "Resource": [f"{group_arn}:*"],
    }
    assert statements[1]["Action"] == ["xray:PutTelemetryRecords", "xray:PutTraceSegments"]
    assert len(statements) == 2


def test_function_waits_for_its_role_policy(stack):
    role_policy = one(stack, "plain", "aws:iam/rolePolicy:RolePolicy")
    assert role_policy.urn in one(stack, "plain", FUNCTION).dependencies


def test_errors_and_throttles_alarm_to_the_alarm_topic(stack):
    alarms = {
        a.inputs["metricName"]: a.inputs for a in within(stack, "plain", "aws:cloudwatch/metricAlarm:MetricAlarm")
    }
    assert set(alarms) == {"Errors", "Throttles"}
    for alarm in alarms.values():
        assert alarm["comparisonOperator"] == "GreaterThanThreshold"
        assert alarm["threshold"] == 0
        assert alarm["period"] == 300
        assert alarm["alarmActions"] == ["arn:aws:sns:eu-west-1:123456789012:alarms"]


def test_code_archive_holds_only_the_named_directories(stack):
    assets = fn(stack)["code"]["assets"]
    assert list(assets) == ["shared"]
    assert assets["shared"]["path"] == "lambdas/shared"


def test_no_async_invoke_config_unless_asked(stack):
    assert within(stack, "plain", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig") == []


def test_async_target_sends_failures_to_its_dlq(stack):
    config = one(stack, "tuned", "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig").inputs
    dlq = one(stack, "tuned", "aws:sqs/queue:Queue")
    assert config["maximumRetryAttempts"] == 1
    assert config["maximumEventAgeInSeconds"] == 600
    assert config["destinationConfig"] == {"onFailure": {"destination": dlq.outputs["arn"]}}
    statements = policy(one(stack, "tuned", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    assert {"Effect": "Allow", "Action": ["sqs:SendMessage"], "Resource": [dlq.outputs["arn"]]} in statements


def test_overrides_replace_defaults(stack):
    tuned = fn(stack, "tuned")
    assert (tuned["memorySize"], tuned["timeout"], tuned["architectures"], tuned["reservedConcurrentExecutions"]) == (
        1024,
        25,
        ["x86_64"],
        3,
    )
    assert tuned["environment"]["variables"]["TABLE"] == "orders"
    assert one(stack, "tuned", "aws:cloudwatch/logGroup:LogGroup").inputs["retentionInDays"] == 30


def test_permissions_are_added_to_the_role_policy(stack):
    statements = policy(one(stack, "tuned", "aws:iam/rolePolicy:RolePolicy"))["Statement"]
    assert any(s["Resource"] == ["arn:aws:dynamodb:eu-west-1:123456789012:table/orders"] for s in statements)


def test_every_child_is_parented_to_the_component(stack):
    for name in ("plain", "tuned"):
        owner = stack.named(name, "wasp:function:ServerlessFunction")
        assert {r.parent for r in stack.children(owner)} == {owner.urn}
        assert len(stack.descendants(owner)) == len(stack.children(owner))


def test_layer_arn_names_region_runtime_architecture_and_version():
    assert powertools_layer_arn("ap-south-1", "python3.13", "arm64", 30) == (
        "arn:aws:lambda:ap-south-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python313-arm64:30"
    )


def args(**overrides) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(
        handler=overrides.pop("handler", "shared.config.handler"), code=overrides.pop("code", CODE), **overrides
    )


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"handler": "handler"}, "handler must be 'module.attribute'"),
        ({"code": ["lambdas/missing"]}, "code: 'lambdas/missing' is not a directory"),
        ({"code": []}, "code must name at least one directory"),
        ({"code": "lambdas/shared"}, "code must be a list of directories, got the string 'lambdas/shared'"),
        ({"memory_mb": 64}, "memory_mb must be 128..10240"),
        (
            {"timeout_seconds": 30, "behind_api": True},
            "timeout_seconds must be 1..29 (API Gateway's integration timeout)",
        ),
        ({"timeout_seconds": 901}, "timeout_seconds must be 1..900"),
        ({"reserved_concurrency": 0}, "allow_zero_concurrency=True"),
        ({"reserved_concurrency": -1}, "reserved_concurrency must be ≥ 0"),
        ({"architecture": "arm"}, "architecture must be 'arm64' or 'x86_64'"),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)").replace(".", r"\.")):
        args(**overrides).validate()


def test_zero_concurrency_is_allowed_as_an_explicit_kill_switch():
    args(reserved_concurrency=0, allow_zero_concurrency=True).validate()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [({"max_retries": 3}, "max_retries must be 0..2"), ({"max_event_age_seconds": 30}, "max_event_age_seconds")],
)
def test_async_invoke_bounds_are_lambdas(overrides, message):
    with pytest.raises(ValueError, match=message):
        AsyncInvokeArgs(**overrides)


def test_a_handler_whose_module_no_code_directory_holds_is_rejected_with_the_module_that_exists():
    with pytest.raises(ValueError) as rejected:
        args(handler="config.handler", code=["lambdas/shared"]).validate()
    assert str(rejected.value) == (
        "ServerlessFunctionArgs.handler 'config.handler': module 'config' is in none of the code directories (each is "
        "packaged under its own name: ['shared']): did you mean 'shared.config.handler'?"
    )


def test_a_handler_in_a_package_of_a_code_directory_is_accepted():
    args(handler="shared.config.handler", code=["lambdas/orders_api", "lambdas/shared"]).validate()


def test_a_function_with_layers_of_its_own_may_take_its_handler_from_them():
    layer = "arn:aws:lambda:us-east-1:464622532012:layer:Datadog-Python311:100"
    args(handler="datadog_lambda.handler.handler", layers=[layer]).validate()
