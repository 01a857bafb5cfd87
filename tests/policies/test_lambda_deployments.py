"""Lambda alias and deployment rules: invokers of an aliased function target the alias; production API functions
deploy gradually."""

from __future__ import annotations

import json
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_wasp.components.shared.lambda_deployment import LambdaDeployment
from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import TAGS, analyze, exempt, exempted, flagged, function, messages, synth, unevaluated, with_unknown

PROD = {**TAGS, "environment": "prod"}
CANARY = "CodeDeployDefault.LambdaCanary10Percent5Minutes"
CODEDEPLOY_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "codedeploy.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)


def aliased(name: str, **overrides: Any) -> tuple[aws.lambda_.Function, aws.lambda_.Alias]:
    fn = function(name, publish=True, **overrides)
    alias = aws.lambda_.Alias(f"{name}-live", name="live", function_name=fn.name, function_version=fn.version)
    return fn, alias


def integration(name: str, uri: pulumi.Input[str]) -> None:
    """A REST API route whose proxy integration invokes ``uri``."""
    api = aws.apigateway.RestApi(f"{name}-api", tags=TAGS)
    route = aws.apigateway.Resource(f"{name}-route", rest_api=api.id, parent_id=api.root_resource_id, path_part="x")
    method = aws.apigateway.Method(
        f"{name}-method", rest_api=api.id, resource_id=route.id, http_method="GET", authorization="AWS_IAM"
    )
    aws.apigateway.Integration(
        f"{name}-integration",
        rest_api=api.id,
        resource_id=route.id,
        http_method=method.http_method,
        type="AWS_PROXY",
        integration_http_method="POST",
        uri=uri,
    )


def deployment_group(name: str, *, config: str = CANARY, role=None):
    role = role or aws.iam.Role(f"{name}-deploy-role", assume_role_policy=CODEDEPLOY_TRUST, tags=TAGS)
    app = aws.codedeploy.Application(f"{name}-app", compute_platform="Lambda", tags=TAGS)
    return aws.codedeploy.DeploymentGroup(
        f"{name}-group",
        app_name=app.name,
        deployment_group_name=name,
        service_role_arn=role.arn,
        deployment_config_name=config,
        deployment_style={"deployment_option": "WITH_TRAFFIC_CONTROL", "deployment_type": "BLUE_GREEN"},
        tags=TAGS,
    )


def updating_group(name: str, *aliases: aws.lambda_.Alias, config: str = CANARY) -> None:
    """A deployment group run from elsewhere: its service role may lambda:UpdateAlias ``aliases``."""
    role = aws.iam.Role(f"{name}-deploy-role", assume_role_policy=CODEDEPLOY_TRUST, tags=TAGS)
    aws.iam.RolePolicy(
        f"{name}-deploy-policy",
        role=role.name,
        policy=pulumi.Output.all(*(alias.arn for alias in aliases)).apply(
            lambda arns: json.dumps(
                {
                    "Version": "2012-10-17",
                    "Statement": [
                        {"Effect": "Allow", "Action": ["lambda:GetAlias", "lambda:UpdateAlias"], "Resource": arns}
                    ],
                }
            )
        ),
    )
    deployment_group(name, config=config, role=role)


def toolkit_deployment(name: str, fn: aws.lambda_.Function, alias: aws.lambda_.Alias, group) -> None:
    """The toolkit's LambdaDeployment: it names the function, the alias and the group it deploys through."""
    props = {
        "region": "us-east-1",
        "profile": "",
        "application_name": group.app_name,
        "deployment_group_name": group.deployment_group_name,
        "function_name": fn.name,
        "alias_name": alias.name,
        "target_version": fn.version,
        "timeout_minutes": 60,
        "poll_seconds": 15,
    }
    LambdaDeployment(f"{name}-deployment", props, pulumi.ResourceOptions())


def task(**parameters: Any) -> dict[str, Any]:
    """A Task state invoking a function through the optimised Lambda integration."""
    return {"Type": "Task", "Resource": "arn:aws:states:::lambda:invoke", "Parameters": parameters, "End": True}


def state_machine(name: str, *states: dict[str, Any]) -> aws.sfn.StateMachine:
    """A hand-written state machine running ``states`` in order (each but the last given its ``Next``)."""
    names = [f"S{index}" for index in range(len(states))]
    chained = {
        state_name: {**state, **({"Next": names[index + 1]} if index + 1 < len(names) else {"End": True})}
        for index, (state_name, state) in enumerate(zip(names, states, strict=True))
    }
    for state in chained.values():
        state.pop("End" if "Next" in state else "Next", None)
    definition = pulumi.Output.json_dumps({"StartAt": names[0], "States": chained})
    return aws.sfn.StateMachine(
        name, role_arn="arn:aws:iam::123456789012:role/states", definition=definition, tags=TAGS
    )


def program() -> None:
    # lambda-alias-invocation: every invoker goes through the alias.
    through, alias = aliased("through")
    queue = aws.sqs.Queue("through-queue", sqs_managed_sse_enabled=True, tags=TAGS)
    aws.lambda_.EventSourceMapping("through-mapping", event_source_arn=queue.arn, function_name=alias.arn)
    rule = aws.cloudwatch.EventRule("through-rule", schedule_expression="rate(1 hour)", tags=TAGS)
    aws.cloudwatch.EventTarget("through-target", rule=rule.name, arn=alias.arn)
    aws.lambda_.Permission(
        "through-permission",
        action="lambda:InvokeFunction",
        function=through.name,
        qualifier=alias.name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
    )
    aws.lambda_.FunctionEventInvokeConfig("through-invoke", function_name=through.name, qualifier=alias.name)
    integration("through", alias.invoke_arn)

    # ... and each invoker of this one names the unqualified function.
    bypassed, _ = aliased("bypassed")
    aws.lambda_.EventSourceMapping("bypassed-mapping", event_source_arn=queue.arn, function_name=bypassed.arn)
    aws.cloudwatch.EventTarget("bypassed-target", rule=rule.name, arn=bypassed.arn)
    aws.lambda_.Permission(
        "bypassed-permission",
        action="lambda:InvokeFunction",
        function=bypassed.name,
        principal="events.amazonaws.com",
        source_arn=rule.arn,
    )
    aws.lambda_.Permission(
        "latest-permission",
        action="lambda:InvokeFunction",
        function=bypassed.name,
        qualifier="$LATEST",
        principal="events.amazonaws.com",
        source_arn=rule.arn,
    )
    aws.lambda_.FunctionEventInvokeConfig("bypassed-invoke", function_name=bypassed.name)
    integration("bypassed", bypassed.invoke_arn)
    topic = aws.sns.Topic("bypassed-topic", tags=TAGS)
    aws.sns.TopicSubscription("bypassed-subscription", topic=topic.arn, protocol="lambda", endpoint=bypassed.arn)
    bucket = aws.s3.BucketV2("bypassed-bucket", tags=TAGS)
    aws.s3.BucketNotification(
        "bypassed-notification",
        bucket=bucket.id,
        lambda_functions=[{"lambda_function_arn": bypassed.arn, "events": ["s3:ObjectCreated:*"]}],
    )
    aws.scheduler.Schedule(
        "bypassed-schedule",
        schedule_expression="rate(5 minutes)",
        flexible_time_window={"mode": "OFF"},
        target={"arn": bypassed.arn, "role_arn": "arn:aws:iam::123456789012:role/scheduler"},
    )
    upstream = function("upstream")
    aws.lambda_.FunctionEventInvokeConfig(
        "upstream-invoke",
        function_name=upstream.name,
        destination_config={"on_success": {"destination": bypassed.arn}},
    )

    # State machines: each Task is judged by the function it invokes, in Parallel branches and Map processors too.
    stepped, stepped_alias = aliased("stepped")
    state_machine(
        "stepped-through",
        task(FunctionName=stepped_alias.arn),
        task(FunctionName=pulumi.Output.concat(stepped.name, ":", stepped_alias.name)),
        {
            "Type": "Task",
            "QueryLanguage": "JSONata",
            "Resource": "arn:aws:states:::lambda:invoke",
            "Arguments": {"FunctionName": stepped_alias.arn},
        },
    )
    tasked, tasked_alias = aliased("tasked")
    state_machine(
        "tasked",
        {
            "Type": "Parallel",
            "Branches": [
                {"StartAt": "ByArn", "States": {"ByArn": task(FunctionName=tasked.arn)}},
                {"StartAt": "ByAlias", "States": {"ByAlias": task(FunctionName=tasked_alias.arn)}},
            ],
            "Next": "Each",
        },
        {
            "Type": "Map",
            "ItemProcessor": {
                "StartAt": "Legacy",
                "States": {"Legacy": {"Type": "Task", "Resource": tasked.arn, "End": True}},
            },
            "Next": "Iterate",
        },
        {
            "Type": "Map",
            "Iterator": {
                "StartAt": "Latest",
                "States": {"Latest": task(FunctionName=pulumi.Output.concat(tasked.arn, ":$LATEST"))},
            },
            "Next": "ByName",
        },
        task(FunctionName=tasked.name),
        task(FunctionName=tasked.arn.apply(lambda arn: arn.split(":", 4)[-1])),  # <account>:function:<name>
    )

    # A function without an alias has nothing to bypass; an exempted one is listed instead.
    plain = function("plain")
    aws.cloudwatch.EventTarget("plain-target", rule=rule.name, arn=plain.arn)
    excused, _ = aliased("excused", tags=exempt("lambda-alias-invocation", "migrating its invokers next sprint"))
    aws.cloudwatch.EventTarget("excused-target", rule=rule.name, arn=excused.arn)

    # lambda-gradual-deployment: production functions behind an API.
    canary, canary_alias = aliased("canary", tags=PROD)
    integration("canary", canary_alias.invoke_arn)
    toolkit_deployment("canary", canary, canary_alias, deployment_group("canary"))

    _, by_role_alias = aliased("by-role", tags=PROD)
    integration("by-role", by_role_alias.invoke_arn)
    updating_group("by-role", by_role_alias)

    # Several aliases and groups: each group's role updates the aliases it names, and only those.
    two, two_live = aliased("two", tags=PROD)
    two_beta = aws.lambda_.Alias("two-beta", name="beta", function_name=two.name, function_version=two.version)
    integration("two", two_live.invoke_arn)
    pair, pair_live = aliased("pair", tags=PROD)
    pair_beta = aws.lambda_.Alias("pair-beta", name="beta", function_name=pair.name, function_version=pair.version)
    integration("pair", pair_live.invoke_arn)
    updating_group("two-live", two_live, pair_live)
    updating_group("two-beta", two_beta, config="CodeDeployDefault.LambdaAllAtOnce")
    updating_group("pair-beta", pair_beta)

    at_once, at_once_alias = aliased("at-once", tags=PROD)
    integration("at-once", at_once_alias.invoke_arn)
    at_once_group = deployment_group("at-once", config="CodeDeployDefault.LambdaAllAtOnce")
    toolkit_deployment("at-once", at_once, at_once_alias, at_once_group)

    unaliased = function("unaliased", tags=PROD)
    integration("unaliased", unaliased.invoke_arn)
    _, ungrouped_alias = aliased("ungrouped", tags=PROD)
    integration("ungrouped", ungrouped_alias.invoke_arn)
    development = function("development", tags={**TAGS, "environment": "dev"})
    integration("development", development.invoke_arn)
    worker = function("worker", tags=PROD)
    aws.cloudwatch.EventTarget("worker-target", rule=rule.name, arn=worker.arn)


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def alias_findings(report: PolicyReport, name: str) -> list[str]:
    return messages(report, "lambda-alias-invocation", name)


def test_alias_invocation_accepts_invokers_that_all_target_the_alias(report: PolicyReport) -> None:
    assert "through" not in flagged(report, "lambda-alias-invocation")


@pytest.mark.parametrize(
    "invoker",
    [
        "event source mapping bypassed-mapping (functionName)",
        "EventBridge rule target bypassed-target (arn)",
        "permission bypassed-permission (function)",
        "API Gateway integration bypassed-integration (uri)",
        "SNS subscription bypassed-subscription (endpoint)",
        "S3 notification bypassed-notification (lambdaFunctions)",
        "schedule bypassed-schedule (target)",
        "Lambda destination upstream-invoke (destinationConfig)",
        "invoke config (the function's own asynchronous invocations) bypassed-invoke (functionName)",
    ],
)
def test_alias_invocation_flags_each_invoker_of_the_unqualified_function(report: PolicyReport, invoker: str) -> None:
    (message,) = [m for m in alias_findings(report, "bypassed") if f": {invoker} is " in m]
    assert 'is the unqualified function ($LATEST); wanted the alias "live"' in message


def test_alias_invocation_names_an_explicit_latest_qualifier(report: PolicyReport) -> None:
    (message,) = [m for m in alias_findings(report, "bypassed") if "latest-permission" in m]
    assert 'permission latest-permission (function) is "$LATEST"' in message


def test_alias_invocation_accepts_a_state_machine_whose_tasks_invoke_the_alias(report: PolicyReport) -> None:
    assert "stepped" not in flagged(report, "lambda-alias-invocation")


@pytest.mark.parametrize(
    ("state", "found"),
    [
        ("States.S0.Branches[0].States.ByArn", "the unqualified function ($LATEST)"),
        ("States.S1.ItemProcessor.States.Legacy", "the unqualified function ($LATEST)"),
        ("States.S2.Iterator.States.Latest", '"$LATEST"'),
        ("States.S3", "the unqualified function ($LATEST)"),
        ("States.S4", "the unqualified function ($LATEST)"),
    ],
)
def test_alias_invocation_flags_each_state_machine_task_invoking_the_unqualified_function(
    report: PolicyReport, state: str, found: str
) -> None:
    (message,) = [m for m in alias_findings(report, "tasked") if f"state machine tasked (definition {state}) is " in m]
    assert f'is {found}; wanted the alias "live"' in message


def test_alias_invocation_accepts_a_task_invoking_the_alias_beside_ones_that_do_not(report: PolicyReport) -> None:
    assert len(alias_findings(report, "tasked")) == 5
    assert not any("ByAlias" in message for message in alias_findings(report, "tasked"))


def test_alias_invocation_leaves_a_function_of_an_unknown_definition_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "tasked", "definition"))
    assert "tasked" in unevaluated(report, "lambda-alias-invocation")


def test_alias_invocation_ignores_functions_without_an_alias(report: PolicyReport) -> None:
    assert "plain" not in flagged(report, "lambda-alias-invocation")


def test_alias_invocation_is_mandatory(report: PolicyReport) -> None:
    assert "bypassed" in {d.name for d in report.mandatory if d.policy == "lambda-alias-invocation"}


def test_alias_invocation_lists_an_exempted_function_instead_of_flagging_it(report: PolicyReport) -> None:
    assert "excused" in exempted(report, "lambda-alias-invocation")
    assert "excused" not in flagged(report, "lambda-alias-invocation")


def test_alias_invocation_leaves_an_unknown_qualifier_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "through-permission", "qualifier"))
    assert "through" in unevaluated(report, "lambda-alias-invocation")


def test_gradual_deployment_accepts_an_alias_the_toolkits_deployment_shifts(report: PolicyReport) -> None:
    assert "canary" not in flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_accepts_a_group_whose_role_may_update_the_alias(report: PolicyReport) -> None:
    assert "by-role" not in flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_judges_each_alias_by_the_groups_whose_roles_update_it(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-gradual-deployment", "two")
    assert message.startswith("two-beta-group (aws:codedeploy/deploymentGroup:DeploymentGroup): deploymentConfigName")
    assert "pair" not in flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_flags_a_group_that_shifts_all_at_once(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-gradual-deployment", "at-once")
    assert (
        'at-once-group (aws:codedeploy/deploymentGroup:DeploymentGroup): deploymentConfigName is "CodeDeployDefault.LambdaAllAtOnce"; wanted a canary or linear shift'
        in message
    )


def test_gradual_deployment_flags_a_production_api_function_without_an_alias(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-gradual-deployment", "unaliased")
    assert "behind unaliased-integration in environment 'prod'" in message


def test_gradual_deployment_flags_an_alias_no_deployment_group_shifts(report: PolicyReport) -> None:
    (message,) = messages(report, "lambda-gradual-deployment", "ungrouped")
    assert "CodeDeploy deployment group of alias ungrouped-live is not set" in message


def test_gradual_deployment_ignores_other_environments_and_functions_not_behind_an_api(report: PolicyReport) -> None:
    assert not {"development", "worker"} & flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_is_advisory(report: PolicyReport) -> None:
    assert {d.level for d in report.diagnostics if d.policy == "lambda-gradual-deployment"} == {"advisory"}


def test_gradual_deployment_environments_are_configurable(stack: Synthesis) -> None:
    report = analyze(stack, {"lambda-gradual-deployment": {"environments": ["*"]}})
    assert "development" in flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_leaves_a_function_of_unknown_environment_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "unaliased", "tags", "environment"))
    assert "unaliased" in unevaluated(report, "lambda-gradual-deployment")
    assert "unaliased" not in flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_leaves_a_function_with_unknown_tags_not_evaluated(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "unaliased", "tags"))
    assert "unaliased" in unevaluated(report, "lambda-gradual-deployment")


def test_gradual_deployment_ignores_an_unknown_environment_of_a_function_not_behind_an_api(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "worker", "tags", "environment"))
    assert "worker" not in unevaluated(report, "lambda-gradual-deployment")


def test_gradual_deployment_judges_an_alias_another_group_shifts_while_a_role_policy_is_unknown(
    stack: Synthesis,
) -> None:
    report = analyze(with_unknown(stack, "pair-beta-deploy-policy", "policy"))
    assert not {"canary", "by-role", "pair"} & unevaluated(report, "lambda-gradual-deployment")


def test_gradual_deployment_leaves_an_alias_no_known_group_shifts_not_evaluated_while_a_role_policy_is_unknown(
    stack: Synthesis,
) -> None:
    report = analyze(with_unknown(stack, "pair-beta-deploy-policy", "policy"))
    assert "ungrouped" in unevaluated(report, "lambda-gradual-deployment")
    assert "ungrouped" not in flagged(report, "lambda-gradual-deployment")


def test_gradual_deployment_leaves_an_alias_not_evaluated_while_an_all_at_once_groups_role_policy_is_unknown(
    stack: Synthesis,
) -> None:
    report = analyze(with_unknown(stack, "two-beta-deploy-policy", "policy"))
    assert "two" in unevaluated(report, "lambda-gradual-deployment")


def test_gradual_deployment_flags_a_function_without_an_alias_while_a_role_policy_is_unknown(stack: Synthesis) -> None:
    report = analyze(with_unknown(stack, "pair-beta-deploy-policy", "policy"))
    assert "unaliased" in flagged(report, "lambda-gradual-deployment")


SHIFTED_ALIAS = "arn:aws:lambda:us-east-1:123456789012:function:shifted:live"


def verdict(*statements: dict[str, Any]) -> str:
    """How lambda-gradual-deployment judges a production API function whose only alias, ``SHIFTED_ALIAS``, may be
    shifted by one canary deployment group whose service role's policy has ``statements``."""

    def program() -> None:
        _, alias = aliased("shifted", tags=PROD)
        integration("shifted", alias.invoke_arn)
        role = aws.iam.Role("shifted-deploy-role", assume_role_policy=CODEDEPLOY_TRUST, tags=TAGS)
        document = {"Version": "2012-10-17", "Statement": list(statements)}
        aws.iam.RolePolicy("shifted-deploy-policy", role=role.name, policy=json.dumps(document))
        deployment_group("shifted", role=role)

    report = analyze(synth(program))
    if "shifted" in unevaluated(report, "lambda-gradual-deployment"):
        return "not evaluated"
    return "flagged" if "shifted" in flagged(report, "lambda-gradual-deployment") else "accepted"


def allow(action: str | list[str] = "lambda:UpdateAlias", **resource: Any) -> dict[str, Any]:
    return {"Effect": "Allow", "Action": action, **(resource or {"Resource": SHIFTED_ALIAS})}


def test_gradual_deployment_accepts_a_role_on_every_alias_of_the_function() -> None:
    assert verdict(allow(Resource="arn:aws:lambda:us-east-1:123456789012:function:shifted:*")) == "accepted"


def test_gradual_deployment_accepts_a_role_on_every_function() -> None:
    assert verdict(allow(Resource="arn:aws:lambda:us-east-1:123456789012:function:*")) == "accepted"


def test_gradual_deployment_accepts_a_role_on_every_resource() -> None:
    assert verdict(allow(Resource="*")) == "accepted"


def test_gradual_deployment_accepts_a_role_with_every_lambda_action() -> None:
    assert verdict(allow("lambda:*")) == "accepted"


def test_gradual_deployment_matches_the_action_case_insensitively() -> None:
    assert verdict(allow("Lambda:updatealias")) == "accepted"


def test_gradual_deployment_accepts_a_role_on_every_resource_but_another_functions() -> None:
    assert verdict(allow(NotResource="arn:aws:lambda:us-east-1:123456789012:function:other:*")) == "accepted"


def test_gradual_deployment_flags_a_role_on_another_functions_aliases() -> None:
    assert verdict(allow(Resource="arn:aws:lambda:us-east-1:123456789012:function:other:*")) == "flagged"


def test_gradual_deployment_flags_a_role_whose_explicit_deny_refuses_the_alias() -> None:
    deny = {"Effect": "Deny", "Action": "lambda:UpdateAlias", "Resource": SHIFTED_ALIAS}
    assert verdict(allow(Resource="*"), deny) == "flagged"
