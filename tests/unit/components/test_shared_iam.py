"""shared.iam: service roles whose trust policy can name the source account and further conditions, and grants
that AWS's Service Authorization Reference accepts."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_aws import iam as aws_iam

from pulumi_wasp.components.shared import iam
from pulumi_wasp.preview import run_policies
from tests.policies.conftest import messages, unevaluated
from tests.unit.conftest import policy, synth

RULE_ARN = "arn:aws:events:eu-west-1:123456789012:rule/bus/placed"
INVOKE = iam.lambda_invoke(["arn:aws:lambda:eu-west-1:123456789012:function:f"])


class Owner(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Owner", name)
        log = "arn:aws:logs:eu-west-1:210987654321:log-group:/aws/vendedlogs/states/x"
        iam.service_role("plain", "events.amazonaws.com", [INVOKE], parent=self, tags={})
        iam.service_role(
            "account", "states.amazonaws.com", [INVOKE], parent=self, tags={}, source_account=iam.account_of(log)
        )
        iam.service_role(
            "both",
            "events.amazonaws.com",
            [INVOKE],
            parent=self,
            tags={},
            source_account="123456789012",
            conditions={"ArnEquals": {"aws:SourceArn": RULE_ARN}, "StringEquals": {"aws:SourceOrgID": "o-abc"}},
        )
        self.register_outputs({})


@pytest.fixture(scope="module")
def stack():
    return synth(lambda: Owner("owner"))


def trust(stack, name):
    (statement,) = policy(stack.named(f"{name}-role", "aws:iam/role:Role"), "assumeRolePolicy")["Statement"]
    return statement


def test_a_service_role_without_source_trusts_the_service_unconditionally(stack):
    assert trust(stack, "plain") == {
        "Effect": "Allow",
        "Principal": {"Service": "events.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }


def test_the_source_account_comes_from_an_arn_without_an_invoke(stack):
    assert trust(stack, "account")["Condition"] == {"StringEquals": {"aws:SourceAccount": "210987654321"}}


def test_conditions_are_merged_with_the_source_account(stack):
    assert trust(stack, "both")["Condition"] == {
        "ArnEquals": {"aws:SourceArn": RULE_ARN},
        "StringEquals": {"aws:SourceOrgID": "o-abc", "aws:SourceAccount": "123456789012"},
    }


def test_the_source_account_is_set_once():
    with pytest.raises(ValueError, match="aws:SourceAccount is set by both source_account= and conditions="):
        iam.trust_policy(
            "events.amazonaws.com", source_account="1", conditions={"StringEquals": {"aws:SourceAccount": "1"}}
        )


def test_a_caller_s_conditions_are_not_changed():
    conditions = {"StringEquals": {"aws:SourceOrgID": "o-abc"}}
    iam.trust_policy("events.amazonaws.com", source_account="1", conditions=conditions)
    assert conditions == {"StringEquals": {"aws:SourceOrgID": "o-abc"}}


# -- Every grant against AWS's Service Authorization Reference ------------------------------------------------
ACCOUNT, REGION = "123456789012", "eu-west-1"
TABLE = f"arn:aws:dynamodb:{REGION}:{ACCOUNT}:table/orders"
STREAM = f"{TABLE}/stream/2026-01-01T00:00:00.000"
KINESIS = f"arn:aws:kinesis:{REGION}:{ACCOUNT}:stream/clicks"
KEY = f"arn:aws:kms:{REGION}:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
MACHINE = f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga"


def grants():
    """Each grant builder's statements, by builder, over realistic ARNs (built inside a program: some are Outputs)."""
    return {
        "sqs_consume": [iam.sqs_consume(f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs")],
        "sqs_send": [iam.sqs_send(f"arn:aws:sqs:{REGION}:{ACCOUNT}:jobs")],
        "sns_publish": [iam.sns_publish(f"arn:aws:sns:{REGION}:{ACCOUNT}:events")],
        "events_put": [iam.events_put(f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/orders")],
        "lambda_invoke": [iam.lambda_invoke([f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:f"])],
        "states_start": [iam.states_start(f"arn:aws:states:{REGION}:{ACCOUNT}:stateMachine:saga")],
        "dynamodb_read": iam.dynamodb_read(TABLE),
        "dynamodb_write": [iam.dynamodb_write(TABLE)],
        "dynamodb_read_write": iam.dynamodb_read_write(TABLE),
        "dynamodb_scan": [iam.dynamodb_scan(TABLE)],
        "dynamodb_stream_read": iam.dynamodb_stream_read(STREAM),
        "kinesis_consume": iam.kinesis_consume(KINESIS),
        "s3_read": [iam.s3_read("arn:aws:s3:::uploads", "in/")],
        "s3_write": [iam.s3_write("arn:aws:s3:::uploads")],
        "secret_read": [iam.secret_read(f"arn:aws:secretsmanager:{REGION}:{ACCOUNT}:secret:hook-AbCdEf")],
        "logs_write": [iam.logs_write(f"arn:aws:logs:{REGION}:{ACCOUNT}:log-group:/aws/lambda/f")],
        "xray_write": [iam.xray_write()],
        "states_log_delivery": [iam.states_log_delivery()],
        "xray_sampling": [iam.xray_sampling()],
        "kms_for_topic": [iam.kms_for_topic(f"arn:aws:sns:{REGION}:{ACCOUNT}:events")],
        "kms_decrypt": [iam.kms_decrypt(KEY)],
        "kms_for_state_machine": [iam.kms_for_state_machine(KEY, MACHINE)],
        "kms_read_executions": [iam.kms_read_executions(KEY, MACHINE)],
        "kms_for_log_delivery": [iam.kms_for_log_delivery(KEY, REGION, ACCOUNT)],
    }


GRANTS = sorted(grants())


def grant_policies():
    for name, statements in grants().items():
        aws_iam.RolePolicy(name, role="grants-role", policy=iam.policy_document(statements))


@pytest.fixture(scope="module")
def grants_stack():
    return synth(grant_policies)


@pytest.fixture(scope="module")
def reference_report(grants_stack):
    return run_policies(grants_stack, None)


def grant_statements(grants_stack, grant: str) -> list[dict]:
    return policy(grants_stack.named(grant, "aws:iam/rolePolicy:RolePolicy"), "policy")["Statement"]


@pytest.mark.parametrize("grant", GRANTS)
def test_each_grant_is_one_the_authorization_reference_accepts(reference_report, grant):
    assert messages(reference_report, "iam-statements-valid", grant) == []
    assert grant not in unevaluated(reference_report, "iam-statements-valid")


def test_the_stream_read_grant_lists_streams_in_a_statement_of_its_own():
    # dynamodb:ListStreams accepts no resource type: on the stream's ARN it granted nothing to the mapping.
    scoped, listing = iam.dynamodb_stream_read(STREAM)
    assert "dynamodb:ListStreams" not in scoped["Action"]
    assert (listing["Action"], listing["Resource"]) == (["dynamodb:ListStreams"], ["*"])


def test_the_kinesis_read_grant_has_no_consumer_only_action():
    # kinesis:SubscribeToShard accepts only enhanced fan-out consumer ARNs, which the mapping does not use.
    (statement,) = iam.kinesis_consume(KINESIS)
    assert "kinesis:SubscribeToShard" not in statement["Action"]


@pytest.mark.parametrize("grant", ["dynamodb_read", "dynamodb_read_write"])
def test_a_table_read_queries_its_indexes_but_gets_items_from_the_table_only(grants_stack, grant):
    resources: dict[str, list[str]] = {}
    for statement in grant_statements(grants_stack, grant):
        for action in statement["Action"]:
            resources.setdefault(action, []).extend(statement["Resource"])
    assert resources["dynamodb:Query"] == [TABLE, f"{TABLE}/index/*"]
    for action in ("dynamodb:GetItem", "dynamodb:BatchGetItem", "dynamodb:DescribeTable"):
        assert resources[action] == [TABLE], action


def test_a_scan_covers_the_table_and_its_indexes(grants_stack):
    (statement,) = grant_statements(grants_stack, "dynamodb_scan")
    assert statement["Resource"] == [TABLE, f"{TABLE}/index/*"]


def test_a_nested_grant_list_is_spliced_in_and_warns():
    with pytest.warns(DeprecationWarning, match=r"F.permissions\[1\] is a list of statements.*splat it"):
        flat = iam.flattened([iam.sqs_send("arn:q"), iam.dynamodb_read(TABLE)], "F")
    assert [s["Action"] for s in flat] == [
        ["sqs:SendMessage"],
        ["dynamodb:BatchGetItem", "dynamodb:DescribeTable", "dynamodb:GetItem"],
        ["dynamodb:Query"],
    ]


def test_an_execution_reader_may_decrypt_through_step_functions_for_that_machine_only(grants_stack):
    assert grant_statements(grants_stack, "kms_read_executions") == [
        {
            "Effect": "Allow",
            "Action": ["kms:Decrypt"],
            "Resource": [KEY],
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"states.{REGION}.amazonaws.com",
                    "kms:EncryptionContext:aws:states:stateMachineArn": MACHINE,
                }
            },
        }
    ]
