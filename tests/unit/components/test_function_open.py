"""ServerlessFunction opened up: overrides of its Lambda function and log group, VPC, ephemeral storage, description,
an existing DLQ for its failed async events."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import sqs

from pulumi_wasp.components import (
    AsyncInvokeArgs,
    ExistingQueue,
    ScheduledJob,
    ScheduledJobArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    VpcArgs,
)
from pulumi_wasp.components.shared import iam
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

FUNCTION = "aws:lambda/function:Function"
VPC = VpcArgs(subnet_ids=["subnet-0a", "subnet-0b"], security_group_ids=["sg-01"])
DLQ_ARN = "arn:aws:sqs:us-east-1:123456789012:shared-failures"
DLQ_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/shared-failures"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def args(**given) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], **given)


def function_of(stack, name="fn"):
    return stack.one(FUNCTION, within=name)


def statements(stack, name="fn"):
    return json.loads(stack.one("aws:iam/rolePolicy:RolePolicy", within=name).input("policy"))["Statement"]


@pytest.fixture(scope="module")
def in_vpc():
    return synthesize(
        lambda: ServerlessFunction("fn", args(vpc=VPC, ephemeral_storage_mb=2048, description="Imports orders"))
    )


def test_vpc_config_takes_the_subnets_and_security_groups(in_vpc):
    assert function_of(in_vpc).input("vpcConfig") == {
        "subnetIds": ["subnet-0a", "subnet-0b"],
        "securityGroupIds": ["sg-01"],
    }


def test_a_vpc_function_may_create_interfaces_only_in_its_subnets_and_groups(in_vpc):
    create = next(s for s in statements(in_vpc) if s["Action"] == ["ec2:CreateNetworkInterface"])
    assert sorted(create["Resource"]) == [
        "arn:aws:ec2:us-east-1:123456789012:network-interface/*",
        "arn:aws:ec2:us-east-1:123456789012:security-group/sg-01",
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0a",
        "arn:aws:ec2:us-east-1:123456789012:subnet/subnet-0b",
    ]


def test_only_the_describe_actions_get_resource_star(in_vpc):
    starred = [s["Action"] for s in statements(in_vpc) if s["Resource"] == ["*"] and s["Action"][0].startswith("ec2:")]
    assert starred == [["ec2:DescribeNetworkInterfaces", "ec2:DescribeSubnets"]]


def test_the_vpc_statements_pass_the_iam_rules(in_vpc):
    findings = in_vpc.preview()
    assert findings.of("iam-statements-valid") == []
    assert findings.of("lambda-no-wildcard-iam") == []


def test_ephemeral_storage_and_description_reach_the_function(in_vpc):
    assert function_of(in_vpc).input("ephemeralStorage") == {"size": 2048}
    assert function_of(in_vpc).input("description") == "Imports orders"


def test_without_them_lambdas_defaults_apply():
    stack = synthesize(lambda: ServerlessFunction("fn", args()))
    inputs = function_of(stack).inputs
    assert {"vpcConfig", "ephemeralStorage", "description"} & inputs.keys() == set()


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"ephemeral_storage_mb": 100}, "ServerlessFunctionArgs.ephemeral_storage_mb must be 512..10240, got 100"),
        ({"description": "x" * 257}, "ServerlessFunctionArgs.description has at most 256 characters, got 257"),
        ({"vpc": VpcArgs(subnet_ids=[], security_group_ids=["sg"])}, "VpcArgs.subnet_ids must be a non-empty list"),
    ],
)
def test_bad_values_fail_naming_the_arg(given, message):
    with pytest.raises(ValueError, match=message):
        args(**given).validate()


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: ServerlessFunction(
                "fn",
                args(
                    environment={"TABLE": "t"},
                    overrides={
                        "environment": {"variables": {"EXTRA": "1"}},
                        "tags": {"team": "orders"},
                        "tracing_config": {"mode": "PassThrough"},
                        "kms_key_arn": "arn:aws:kms:us-east-1:123456789012:key/abc",
                    },
                    log_group_overrides={"retention_in_days": 30},
                ),
            )
        )
    return stack, lines


def test_overrides_merge_environment_variables_and_tags(overridden):
    stack, _ = overridden
    function = function_of(stack)
    assert function.input("environment", "variables")["EXTRA"] == "1"
    assert function.input("environment", "variables")["TABLE"] == "t"
    assert function.input("environment", "variables")["POWERTOOLS_SERVICE_NAME"] == "fn"
    assert function.input("tags")["team"] == "orders"
    assert function.input("tags")["managed-by"] == "pulumi"


def test_overrides_set_what_the_args_do_not_name(overridden):
    stack, _ = overridden
    assert function_of(stack).input("kmsKeyArn") == "arn:aws:kms:us-east-1:123456789012:key/abc"
    assert stack.one("aws:cloudwatch/logGroup:LogGroup", within="fn").input("retentionInDays") == 30


def test_overriding_tracing_warns_naming_the_rule(overridden):
    _, lines = overridden
    assert [line for line in lines.at("WARNING") if "lambda-tracing-active" in line] == [
        "ServerlessFunctionArgs.overrides['tracing_config'] = {'mode': 'PassThrough'} on fn-function overrides "
        "the Well-Architected default (tracing mode Active): the policy rule lambda-tracing-active will flag it"
    ]


def test_the_pack_flags_the_overridden_tracing(overridden):
    stack, _ = overridden
    assert [d.policy for d in stack.preview().of("lambda-tracing-active")] == ["lambda-tracing-active"]


def test_an_unknown_override_fails_naming_it_and_the_resource_type():
    with pytest.raises(
        ProgramError,
        match=r"ServerlessFunctionArgs.overrides: 'memory' is not a keyword argument of "
        r"lambda_.Function \(aws:lambda/function:Function\)",
    ):
        synthesize(lambda: ServerlessFunction("fn", args(overrides={"memory": 1})))


def test_wildcard_permissions_warn_naming_lambda_no_wildcard_iam():
    with logged() as lines:
        synthesize(lambda: ServerlessFunction("fn", args(permissions=[iam.allow(["s3:GetObject"], ["*"])])))
    assert any(
        "grant Resource '*' for ['s3:GetObject']" in line and "lambda-no-wildcard-iam" in line
        for line in lines.at("WARNING")
    )


# -- an existing DLQ for failed async events ---------------------------------------------------------------------
def to_existing_dlq(**given) -> AsyncInvokeArgs:
    return AsyncInvokeArgs(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL, **given))


@pytest.fixture(scope="module")
def existing_dlq():
    functions = []
    with logged() as lines:
        stack = synthesize(
            lambda: functions.append(ServerlessFunction("fn", args(async_invoke=to_existing_dlq(kms_key_arn=KEY_ARN))))
        )
    return stack, lines, functions[0]


def test_an_existing_dlq_is_not_created_but_receives_the_failed_events(existing_dlq):
    stack, _, function = existing_dlq
    assert stack.in_component("fn", type="aws:sqs/queue:Queue") == []
    config = stack.one("aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig", within="fn")
    assert config.input("destinationConfig") == {"onFailure": {"destination": DLQ_ARN}}
    assert (function.dlq, function.dlq_kms_key_arn) == (None, KEY_ARN)


def test_the_role_may_send_to_the_existing_dlq_with_its_key(existing_dlq):
    stack, _, _ = existing_dlq
    found = statements(stack)
    assert any(s["Action"] == ["sqs:SendMessage"] and s["Resource"] == [DLQ_ARN] for s in found)
    assert any("kms:GenerateDataKey" in s["Action"] and s["Resource"] == [KEY_ARN] for s in found)


def test_the_existing_dlq_is_alarmed_on_by_its_name(existing_dlq):
    stack, _, _ = existing_dlq
    assert stack.named("fn-dlq-alarm").input("dimensions") == {"QueueName": "shared-failures"}


def test_a_bare_existing_dlq_says_what_it_could_not_check(existing_dlq):
    _, lines, _ = existing_dlq
    assert (
        "ServerlessFunction fn: given a bare identifier, so not checked: AsyncInvokeArgs.existing_dlq's encryption"
        in ("\n".join(lines.at("INFO")))
    )


def test_a_schedule_sends_undelivered_runs_to_its_functions_existing_dlq():
    stack = synthesize(
        lambda: ScheduledJob(
            "nightly", ScheduledJobArgs(schedule="rate(1 day)", function=args(async_invoke=to_existing_dlq()))
        )
    )
    target = stack.one("aws:scheduler/schedule:Schedule", within="nightly").input("target")
    assert target["deadLetterConfig"] == {"arn": DLQ_ARN}
    (record,) = [r for r in stack if r.type == "wasp:schedule:ScheduledJob"]
    assert record.outputs["dlq_url"] == DLQ_URL


def test_an_existing_dlq_resource_known_to_be_fifo_fails():
    def program():
        queue = sqs.Queue("failures", fifo_queue=True)
        ServerlessFunction("fn", args(async_invoke=AsyncInvokeArgs(existing_dlq=ExistingQueue(queue=queue))))

    with pytest.raises(ProgramError, match="AsyncInvokeArgs.existing_dlq is a FIFO queue, and Lambda sends failed"):
        synthesize(program)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"fifo": True}, "AsyncInvokeArgs.existing_dlq must be a standard queue"),
        ({"dead_letter_queue": True}, "AsyncInvokeArgs.existing_dlq must be a standard queue without"),
    ],
)
def test_bad_existing_dlqs_fail_naming_the_arg(given, message):
    with pytest.raises(ValueError, match=message):
        to_existing_dlq(**given)


def test_dlq_overrides_with_an_existing_dlq_fail():
    with pytest.raises(ValueError, match="AsyncInvokeArgs.dlq_overrides apply to a DLQ the function creates"):
        AsyncInvokeArgs(existing_dlq=ExistingQueue(arn=DLQ_ARN, url=DLQ_URL), dlq_overrides={"tags": {}})
