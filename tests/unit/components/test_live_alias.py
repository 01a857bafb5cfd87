"""A function's live alias: versions, provisioned concurrency and its scaling, gradual deployment with rollback."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import (
    AliasArgs,
    GradualDeploymentArgs,
    ProvisionedConcurrencyArgs,
    ProvisionedScalingArgs,
    ScheduledCapacity,
    ServerlessFunction,
    StackContext,
    TrafficShift,
    use_stack_context,
)
from pulumi_wasp.components.live_alias import shift_minutes
from tests.unit.components.synth_helpers import function_args, synthesis_error
from tests.unit.conftest import one, synth, within

ACCOUNT = "123456789012"
DEPLOYMENT = "pulumi-python:dynamic/wasp:LambdaDeployment"
SCALING = ProvisionedScalingArgs(
    min_capacity=2,
    max_capacity=15,
    scheduled=[
        ScheduledCapacity(name="business-hours", schedule="cron(0 8 ? * MON-FRI *)", min_capacity=8, max_capacity=15)
    ],
)


def program() -> None:
    use_stack_context(StackContext(alarm_topic_arn=f"arn:aws:sns:eu-west-1:{ACCOUNT}:alarms"))
    ServerlessFunction(
        "canary",
        function_args(
            reserved_concurrency=20,
            alias=AliasArgs(
                provisioned_concurrency=ProvisionedConcurrencyArgs(executions=2, auto_scaling=SCALING),
                deployment=GradualDeploymentArgs(
                    pre_traffic_hook=function_args(),
                    post_traffic_hook=function_args(),
                    alarm_names=["latency-alarm"],
                ),
            ),
        ),
    )
    ServerlessFunction(
        "linear",
        function_args(
            alias=AliasArgs(
                name="prod",
                provisioned_concurrency=ProvisionedConcurrencyArgs(executions=3),
                deployment=GradualDeploymentArgs(config=TrafficShift(kind="linear", percentage=20, interval_minutes=2)),
            )
        ),
    )
    ServerlessFunction("versioned", function_args(alias=AliasArgs()))


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def of(stack, component, type_):
    return one(stack, component, type_)


def function_name(stack, component):
    return stack.named(f"{component}-function", "aws:lambda/function:Function").outputs["name"]


def statements(policy_resource):
    return json.loads(policy_resource.inputs["policy"])["Statement"]


def test_a_function_with_an_alias_publishes_versions(stack):
    function = next(r for r in within(stack, "versioned", "aws:lambda/function:Function"))
    assert function.inputs["publish"] is True


def test_a_function_without_an_alias_publishes_nothing():
    stack = synth(lambda: ServerlessFunction("plain", function_args()))
    assert "publish" not in of(stack, "plain", "aws:lambda/function:Function").inputs
    assert within(stack, "plain", "aws:lambda/alias:Alias") == []


def test_the_alias_is_named_live_on_the_published_version(stack):
    alias = of(stack, "versioned", "aws:lambda/alias:Alias")
    assert (alias.inputs["name"], alias.inputs["functionVersion"]) == ("live", "1")


def test_without_gradual_deployment_pulumi_moves_the_alias_itself(stack):
    assert of(stack, "versioned", "aws:lambda/alias:Alias").options.ignore_changes == ()
    assert within(stack, "versioned", DEPLOYMENT) == []


def test_with_gradual_deployment_the_alias_ignores_version_and_weights(stack):
    assert set(of(stack, "canary", "aws:lambda/alias:Alias").options.ignore_changes) == {
        "functionVersion",
        "routingConfig",
    }


def test_provisioned_concurrency_is_on_the_alias(stack):
    provisioned = of(stack, "linear", "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
    assert (provisioned.inputs["qualifier"], provisioned.inputs["provisionedConcurrentExecutions"]) == ("prod", 3)
    assert provisioned.options.ignore_changes == ()


def test_auto_scaled_provisioned_concurrency_is_left_to_the_scaler(stack):
    provisioned = of(stack, "canary", "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig")
    assert provisioned.options.ignore_changes == ("provisionedConcurrentExecutions",)


def test_the_scalable_target_is_the_aliass_provisioned_concurrency(stack):
    target = of(stack, "canary", "aws:appautoscaling/target:Target").inputs
    name = function_name(stack, "canary")
    assert target["resourceId"] == f"function:{name}:live"
    assert (target["serviceNamespace"], target["scalableDimension"]) == (
        "lambda",
        "lambda:function:ProvisionedConcurrency",
    )
    assert (target["minCapacity"], target["maxCapacity"]) == (2, 15)


def test_target_tracking_follows_provisioned_concurrency_utilization_at_70_percent(stack):
    policy = of(stack, "canary", "aws:appautoscaling/policy:Policy").inputs
    tracking = policy["targetTrackingScalingPolicyConfiguration"]
    assert policy["policyType"] == "TargetTrackingScaling"
    assert (
        tracking["predefinedMetricSpecification"]["predefinedMetricType"] == "LambdaProvisionedConcurrencyUtilization"
    )
    assert tracking["targetValue"] == 0.7


def test_a_scheduled_capacity_is_a_scheduled_action_on_the_target(stack):
    action = of(stack, "canary", "aws:appautoscaling/scheduledAction:ScheduledAction").inputs
    assert action["schedule"] == "cron(0 8 ? * MON-FRI *)"
    assert action["scalableTargetAction"] == {"minCapacity": 8, "maxCapacity": 15}


def test_the_codedeploy_application_is_for_lambda(stack):
    assert of(stack, "canary", "aws:codedeploy/application:Application").inputs["computePlatform"] == "Lambda"


def test_the_deployment_group_shifts_traffic_by_canary_by_default(stack):
    group = of(stack, "canary", "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    assert group["deploymentConfigName"] == "CodeDeployDefault.LambdaCanary10Percent5Minutes"
    assert group["deploymentStyle"] == {"deploymentOption": "WITH_TRAFFIC_CONTROL", "deploymentType": "BLUE_GREEN"}


def test_the_deployment_group_rolls_back_on_failure_and_on_alarm(stack):
    rollback = of(stack, "canary", "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs["autoRollbackConfiguration"]
    assert rollback == {"enabled": True, "events": ["DEPLOYMENT_FAILURE", "DEPLOYMENT_STOP_ON_ALARM"]}


def test_the_rollback_alarms_are_the_aliass_error_alarm_and_the_ones_given(stack):
    alarms = of(stack, "canary", "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs["alarmConfiguration"]
    error_alarm = next(
        r for r in within(stack, "canary", "aws:cloudwatch/metricAlarm:MetricAlarm") if r.name == "canary-alias-errors"
    )
    assert alarms == {"enabled": True, "alarms": [error_alarm.outputs["name"], "latency-alarm"]}


def test_the_error_alarm_watches_the_alias_every_minute(stack):
    alarm = next(
        r for r in within(stack, "canary", "aws:cloudwatch/metricAlarm:MetricAlarm") if r.name == "canary-alias-errors"
    )
    name = function_name(stack, "canary")
    assert alarm.inputs["dimensions"] == {"FunctionName": name, "Resource": f"{name}:live"}
    assert (alarm.inputs["metricName"], alarm.inputs["period"], alarm.inputs["threshold"]) == ("Errors", 60, 0)


def test_a_custom_shift_is_a_deployment_config_of_the_function(stack):
    config = of(stack, "linear", "aws:codedeploy/deploymentConfig:DeploymentConfig").inputs
    group = of(stack, "linear", "aws:codedeploy/deploymentGroup:DeploymentGroup").inputs
    assert config["trafficRoutingConfig"] == {
        "type": "TimeBasedLinear",
        "timeBasedLinear": {"interval": 2, "percentage": 20},
    }
    assert group["deploymentConfigName"] == config["deploymentConfigName"]


def test_codedeploy_may_move_only_this_alias_and_read_only_its_alarms(stack):
    role_policy = next(
        r for r in within(stack, "linear", "aws:iam/rolePolicy:RolePolicy") if r.name == "linear-deploy-policy"
    )
    alias_arn = f"arn:aws:lambda:eu-west-1:{ACCOUNT}:function:{function_name(stack, 'linear')}:prod"
    by_action = {action: s["Resource"] for s in statements(role_policy) for action in s["Action"]}
    assert by_action["lambda:UpdateAlias"] == [alias_arn]
    assert by_action["lambda:GetProvisionedConcurrencyConfig"] == [alias_arn]
    assert all(":alarm:" in arn for arn in by_action["cloudwatch:DescribeAlarms"])


def test_codedeploy_may_invoke_the_hook_functions(stack):
    role_policy = next(
        r for r in within(stack, "canary", "aws:iam/rolePolicy:RolePolicy") if r.name == "canary-deploy-policy"
    )
    hooks = [r.outputs["arn"] for r in within(stack, "canary", "aws:lambda/function:Function") if "traffic" in r.name]
    invoke = next(s for s in statements(role_policy) if s["Action"] == ["lambda:InvokeFunction"])
    assert sorted(invoke["Resource"]) == sorted(hooks)


def test_a_hook_may_report_its_status_which_iam_grants_only_on_every_resource(stack):
    hook_policy = next(
        r for r in within(stack, "canary", "aws:iam/rolePolicy:RolePolicy") if r.name == "canary-pre-traffic-policy"
    )
    report = next(
        s for s in statements(hook_policy) if "codedeploy:PutLifecycleEventHookExecutionStatus" in s["Action"]
    )
    assert report["Resource"] == ["*"]


def test_a_hook_may_invoke_the_functions_versions(stack):
    hook_policy = next(
        r for r in within(stack, "canary", "aws:iam/rolePolicy:RolePolicy") if r.name == "canary-pre-traffic-policy"
    )
    invoke = next(s for s in statements(hook_policy) if s["Action"] == ["lambda:InvokeFunction"])
    assert invoke["Resource"] == [f"{stack.named('canary-function', 'aws:lambda/function:Function').outputs['arn']}:*"]


def test_the_deployment_resource_is_keyed_on_the_published_version(stack):
    deployment = of(stack, "canary", DEPLOYMENT).inputs
    name = function_name(stack, "canary")
    assert (deployment["function_name"], deployment["alias_name"], deployment["target_version"]) == (name, "live", "1")
    assert deployment["region"] == "eu-west-1"


def test_the_deployment_names_the_hooks_for_the_appspec(stack):
    deployment = of(stack, "canary", DEPLOYMENT).inputs
    hooks = {r.name: r.outputs["name"] for r in within(stack, "canary", "aws:lambda/function:Function")}
    assert deployment["pre_traffic_hook"] == hooks["canary-pre-traffic-function"]
    assert deployment["post_traffic_hook"] == hooks["canary-post-traffic-function"]


def test_the_deployment_waits_for_the_alias_and_the_group(stack):
    deployment = of(stack, "canary", DEPLOYMENT)
    waited = {stack.by_urn(urn).type for urn in deployment.dependencies}
    assert {"aws:lambda/alias:Alias", "aws:codedeploy/deploymentGroup:DeploymentGroup"} <= waited


def provisioned(executions: int, reserved: int = 10, scaling: ProvisionedScalingArgs | None = None):
    return function_args(
        reserved_concurrency=reserved,
        alias=AliasArgs(
            provisioned_concurrency=ProvisionedConcurrencyArgs(executions=executions, auto_scaling=scaling)
        ),
    )


def test_provisioned_concurrency_above_the_reserved_concurrency_fails_synthesis_naming_both():
    error = synthesis_error("provisioned-over-reserved")
    assert "ServerlessFunctionArgs.alias.provisioned_concurrency.executions (60)" in error
    assert "ServerlessFunctionArgs.reserved_concurrency (50)" in error


def test_an_auto_scaling_maximum_above_the_reserved_concurrency_is_an_error():
    scaling = ProvisionedScalingArgs(min_capacity=1, max_capacity=11)
    with pytest.raises(ValueError, match=r"auto_scaling\.max_capacity \(11\) exceeds ServerlessFunctionArgs\.reserved"):
        provisioned(2, scaling=scaling).validate()


def test_a_scheduled_maximum_above_the_reserved_concurrency_is_an_error():
    scheduled = ScheduledCapacity(name="peak", schedule="cron(0 8 * * ? *)", min_capacity=1, max_capacity=12)
    scaling = ProvisionedScalingArgs(min_capacity=1, max_capacity=5, scheduled=[scheduled])
    with pytest.raises(ValueError, match=r"scheduled\[0\]\.max_capacity \(12\) exceeds"):
        provisioned(2, scaling=scaling).validate()


def test_provisioned_executions_outside_the_scaling_range_are_an_error():
    with pytest.raises(ValueError, match=r"executions \(1\) must be within auto_scaling's 2\.\.5"):
        provisioned(1, scaling=ProvisionedScalingArgs(min_capacity=2, max_capacity=5)).validate()


def test_a_target_utilization_outside_application_auto_scalings_range_is_an_error():
    scaling = ProvisionedScalingArgs(min_capacity=1, max_capacity=5, target_utilization=0.95)
    with pytest.raises(ValueError, match=r"target_utilization must be 0\.1\.\.0\.9"):
        provisioned(2, scaling=scaling).validate()


def test_an_unknown_deployment_config_is_an_error_listing_the_predefined_ones():
    args = function_args(alias=AliasArgs(deployment=GradualDeploymentArgs(config="Canary10Percent5Minutes")))
    with pytest.raises(
        ValueError, match=r"alias\.deployment\.config must be a TrafficShift or one of CodeDeployDefault"
    ):
        args.validate()


def test_a_numeric_alias_name_is_an_error():
    with pytest.raises(ValueError, match=r"alias\.name must be .* not only digits"):
        function_args(alias=AliasArgs(name="3")).validate()


def test_a_hook_with_an_alias_of_its_own_is_an_error():
    hook = function_args(alias=AliasArgs())
    args = function_args(alias=AliasArgs(deployment=GradualDeploymentArgs(pre_traffic_hook=hook)))
    with pytest.raises(ValueError, match="a hook function has no alias of its own"):
        args.validate()


def test_a_first_deploy_needs_no_deployment_the_alias_is_created_on_the_version(stack):
    outputs = of(stack, "canary", DEPLOYMENT).outputs
    assert (outputs["status"], outputs["deployment_id"], outputs["current_version"]) == ("NotNeeded", "", "1")


def test_the_taggable_children_of_the_alias_carry_the_functions_tags():
    def tagged() -> None:
        use_stack_context(StackContext(tags={"team": "orders"}))
        ServerlessFunction(
            "tagged",
            function_args(
                alias=AliasArgs(
                    provisioned_concurrency=ProvisionedConcurrencyArgs(
                        executions=1, auto_scaling=ProvisionedScalingArgs(min_capacity=1, max_capacity=2)
                    ),
                    deployment=GradualDeploymentArgs(),
                )
            ),
        )

    stack = synth(tagged)
    for type_ in (
        "aws:appautoscaling/target:Target",
        "aws:codedeploy/application:Application",
        "aws:codedeploy/deploymentGroup:DeploymentGroup",
    ):
        assert of(stack, "tagged", type_).inputs["tags"]["team"] == "orders", type_


def test_a_wait_shorter_than_the_traffic_shift_is_an_error():
    slow = GradualDeploymentArgs(config="CodeDeployDefault.LambdaLinear10PercentEvery10Minutes")
    with pytest.raises(
        ValueError, match=r"timeout_minutes \(60\) is not longer than the traffic shift .* \(90 minutes\)"
    ):
        function_args(alias=AliasArgs(deployment=slow)).validate()


@pytest.mark.parametrize(
    ("config", "minutes"),
    [
        ("CodeDeployDefault.LambdaAllAtOnce", 0),
        ("CodeDeployDefault.LambdaCanary10Percent30Minutes", 30),
        ("CodeDeployDefault.LambdaLinear10PercentEvery1Minute", 9),
        (TrafficShift(kind="linear", percentage=25, interval_minutes=4), 12),
        (TrafficShift(kind="canary", percentage=5, interval_minutes=7), 7),
    ],
)
def test_the_shift_lasts_the_canary_interval_or_the_linear_steps_until_all_traffic(config, minutes):
    assert shift_minutes(config) == minutes
