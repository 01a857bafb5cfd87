"""shared/children: existing xor new, and overrides merged over a child's defaults."""

from __future__ import annotations

import importlib

import pulumi
import pytest
from pulumi_aws import apigateway, cloudwatch, dynamodb, lambda_, scheduler, sfn, sns, sqs

from pulumi_wasp.components.shared import children

DEFAULTS = {
    "name": "orders",
    "tags": {"project": "p", "stack": "s"},
    "layers": ["arn:layer:powertools"],
    "environment": {"variables": {"POWERTOOLS_SERVICE_NAME": "orders", "TABLE": "t"}},
    "tracing_config": {"mode": "Active"},
}


@pytest.fixture
def warnings(monkeypatch):
    """What pulumi.log.warn is handed (with or without an engine set by an earlier synthesis)."""
    said: list[str] = []
    monkeypatch.setattr(pulumi.log, "warn", lambda message, *args, **kwargs: said.append(message))
    return said


def merged(overrides, resource=lambda_.Function, defaults=DEFAULTS):
    return children.resource_kwargs(resource, defaults, overrides, arg="Args.overrides", logical_name="orders")


def test_an_unknown_key_fails_naming_it_and_the_resource_type():
    with pytest.raises(ValueError) as error:
        merged({"memory": 512})
    assert str(error.value) == (
        "Args.overrides: 'memory' is not a keyword argument of lambda_.Function (aws:lambda/function:Function)"
    )


def test_opts_is_not_a_keyword_argument_of_the_resource():
    with pytest.raises(ValueError, match="'opts' is not a keyword argument of sqs.Queue"):
        merged({"opts": None}, resource=sqs.Queue, defaults={})


def test_tags_merge_over_the_defaults():
    assert merged({"tags": {"team": "orders", "stack": "x"}})["tags"] == {
        "project": "p",
        "stack": "x",
        "team": "orders",
    }


def test_environment_variables_merge_over_the_defaults():
    assert merged({"environment": {"variables": {"TABLE": "u", "EXTRA": "1"}}})["environment"] == {
        "variables": {"POWERTOOLS_SERVICE_NAME": "orders", "TABLE": "u", "EXTRA": "1"}
    }


def test_environment_variables_merge_from_a_pulumi_aws_args_object():
    override = lambda_.FunctionEnvironmentArgs(variables={"EXTRA": "1"})
    assert merged({"environment": override})["environment"]["variables"]["EXTRA"] == "1"
    assert merged({"environment": override})["environment"]["variables"]["TABLE"] == "t"


def test_lists_and_other_keys_replace():
    result = merged({"layers": ["arn:layer:mine"], "name": "other"})
    assert (result["layers"], result["name"]) == (["arn:layer:mine"], "other")


def test_defaults_the_overrides_leave_alone_are_kept():
    assert merged({"description": "x"})["tracing_config"] == {"mode": "Active"}


def test_weakening_a_default_warns_naming_the_default_and_the_rule(warnings):
    merged({"tracing_config": {"mode": "PassThrough"}})
    assert warnings == [
        "Args.overrides['tracing_config'] = {'mode': 'PassThrough'} on orders overrides the Well-Architected default "
        "(tracing mode Active): the policy rule lambda-tracing-active will flag it"
    ]


def test_keeping_a_default_while_overriding_it_does_not_warn(warnings):
    merged({"tracing_config": {"mode": "Active"}})
    assert warnings == []


def test_replacing_a_guarded_mapping_warns_for_each_field_it_leaves_out(warnings):
    merged({"settings": {"caching_enabled": True}}, resource=apigateway.MethodSettings, defaults={})
    assert sorted({w.split("the policy rule ")[1] for w in warnings}) == [
        "apigw-default-throttling will flag it",
        "apigw-execution-logging will flag it",
    ]
    assert warnings[0].startswith("Args.overrides['settings']['throttling_rate_limit'] = None on orders")


def test_a_guarded_mapping_that_keeps_its_fields_does_not_warn(warnings):
    settings = {"throttling_rate_limit": 50.0, "throttling_burst_limit": 100, "logging_level": "INFO"}
    merged({"settings": settings}, resource=apigateway.MethodSettings, defaults={})
    assert warnings == []


@pytest.mark.parametrize(
    ("resource", "key", "value", "rule"),
    [
        (sqs.Queue, "redrive_policy", None, "sqs-redrive-policy"),
        (sqs.Queue, "sqs_managed_sse_enabled", False, "sqs-encryption"),
        (sns.Topic, "kms_master_key_id", None, "sns-encryption"),
        (lambda_.Function, "reserved_concurrent_executions", None, "lambda-reserved-concurrency"),
        (lambda_.EventSourceMapping, "function_response_types", [], "esm-batch-item-failures"),
        (cloudwatch.EventTarget, "dead_letter_config", None, "eventbridge-target-dlq"),
        (dynamodb.Table, "point_in_time_recovery", {"enabled": False}, "dynamodb-pitr"),
        (dynamodb.Table, "billing_mode", "PROVISIONED", "dynamodb-scalable-capacity"),
        (scheduler.Schedule, "target", {"arn": "a", "role_arn": "r"}, "scheduler-target-dlq"),
        (sfn.StateMachine, "tracing_configuration", {"enabled": False}, "sfn-tracing"),
        (sfn.StateMachine, "logging_configuration", {"level": "OFF"}, "sfn-logging"),
        (apigateway.Method, "authorization", "NONE", "apigw-authorization"),
    ],
)
def test_each_guarded_default_names_its_rule(warnings, resource, key, value, rule):
    merged({key: value}, resource=resource, defaults={})
    assert len(warnings) == 1
    assert warnings[0].endswith(f"the policy rule {rule} will flag it")


def test_a_default_no_rule_checks_warns_saying_so(warnings):
    merged({"deletion_protection_enabled": False}, resource=dynamodb.Table, defaults={})
    assert warnings == [
        "Args.overrides['deletion_protection_enabled'] = False on orders overrides the Well-Architected default "
        "(deletion protection): no rule of the policy pack checks it"
    ]


def test_an_override_keeping_what_the_components_own_default_already_lacked_does_not_warn(warnings):
    merged(
        {"deletion_protection_enabled": False}, resource=dynamodb.Table, defaults={"deletion_protection_enabled": False}
    )
    assert warnings == []


def test_a_target_keeping_its_retry_policy_and_dlq_does_not_warn(warnings):
    target = scheduler.ScheduleTargetArgs(
        arn="a",
        role_arn="r",
        retry_policy=scheduler.ScheduleTargetRetryPolicyArgs(maximum_retry_attempts=1),
        dead_letter_config=scheduler.ScheduleTargetDeadLetterConfigArgs(arn="q"),
    )
    merged({"target": target}, resource=scheduler.Schedule, defaults={})
    assert warnings == []


def resource_class(token: str):
    """``aws:lambda/function:Function`` → ``pulumi_aws.lambda_.Function``."""
    module, name = token.split(":")[1].split("/")[0], token.split(":")[2]
    return getattr(importlib.import_module(f"pulumi_aws.{'lambda_' if module == 'lambda' else module}"), name)


def test_every_guard_names_a_keyword_argument_of_its_resource():
    for token, key in children.GUARDS:
        cls = resource_class(token)
        assert children.token_of(cls) == token
        assert key.partition(".")[0] in children.keyword_arguments(cls), (token, key)


def test_the_token_of_a_resource_class_is_its_pulumi_type():
    assert children.token_of(lambda_.EventSourceMapping) == "aws:lambda/eventSourceMapping:EventSourceMapping"
    assert children.token_of(sns.TopicSubscription) == "aws:sns/topicSubscription:TopicSubscription"


@pytest.mark.parametrize(("first", "second", "given"), [("q", "a", "both"), (None, None, "neither")])
def test_exactly_one_names_both_args(first, second, given):
    with pytest.raises(ValueError) as error:
        children.exactly_one("Owner", ("Owner.existing_queue", first), ("Owner.queue", second))
    assert str(error.value) == (
        "Owner: set exactly one of Owner.existing_queue (an existing resource) or Owner.queue "
        f"(the args to create one); {given} given"
    )


def test_exactly_one_accepts_one():
    children.exactly_one("Owner", ("Owner.existing_queue", "q"), ("Owner.queue", None))
