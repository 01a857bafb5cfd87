"""shared.account: the deploying account, from sts:GetCallerIdentity, for the KMS key policies that need it."""

from __future__ import annotations

import logging

from pulumi.runtime.mocks import MockCallArgs

from pulumi_wasp.components import AlarmTopic, defaults
from pulumi_wasp.components.shared.account import CALLER_IDENTITY
from pulumi_wasp.synthesis import FakeCloud, synthesize_inline
from tests.unit.conftest import REGION, one, policy

KEY = "aws:kms/key:Key"


class SilentIdentity(FakeCloud):
    """Realistic resources, but every invoke answered with ``{}`` (as plain test mocks answer)."""

    def call(self, args: MockCallArgs) -> tuple[dict, list[tuple[str, str]]]:
        return {}, []


def administrator(mocks: FakeCloud) -> str:
    stack = synthesize_inline(lambda: AlarmTopic("alarms"), mocks, config={"aws:region": REGION})
    statements = policy(one(stack, "alarms", KEY))["Statement"]
    return next(s for s in statements if s["Sid"] == "AccountAdministers")["Principal"]["AWS"]


def test_the_key_policy_names_the_account_sts_answers():
    assert administrator(FakeCloud(region=REGION, account_id="210987654321")) == "arn:aws:iam::210987654321:root"


def test_an_unanswered_caller_identity_names_the_placeholder_account():
    placeholder = f"arn:aws:iam::{defaults.UNANSWERED_ACCOUNT_ID}:root"
    assert administrator(SilentIdentity(region=REGION, account_id="210987654321")) == placeholder


def test_an_unanswered_caller_identity_warns_naming_the_invoke(caplog):
    with caplog.at_level(logging.WARNING):
        administrator(SilentIdentity(region=REGION))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert any(CALLER_IDENTITY in message and "no accountId" in message for message in warnings), warnings
