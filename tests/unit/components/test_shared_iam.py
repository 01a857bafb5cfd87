"""shared.iam: service roles whose trust policy can name the source account and further conditions."""

from __future__ import annotations

import pulumi
import pytest

from pulumi_wasp.components.shared import iam
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
