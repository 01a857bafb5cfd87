"""The components under a user's own ``pulumi.runtime.set_mocks``, with mocks as Pulumi's unit-testing guide
writes them: every invoke answered with ``{}``.

The one invoke the components make (sts:GetCallerIdentity, for KMS key policies) must answer sensibly from
``{}``; everything else they need is derived from the stack config and the resources' own outputs.
"""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from pulumi_wasp.components import AlarmTopic, defaults
from tests.unit.conftest import REGION
from tests.unit.synthesis.test_fake_cloud import every_component

KEY = "aws:kms/key:Key"
#: The component types every_component() builds, each of which must register under these mocks.
COMPONENTS = {
    "AlarmTopic",
    "BucketProcessor",
    "Dashboard",
    "EventRouter",
    "EventStore",
    "FanOut",
    "Queue",
    "QueueProcessor",
    "RestApi",
    "Saga",
    "ScheduledJob",
    "SecureBucket",
    "ServerlessFunction",
    "StreamProcessor",
    "Table",
    "WebhookReceiver",
}


class GuideMocks(pulumi.runtime.Mocks):
    """Inputs echoed as outputs, invokes answered with ``{}``; ``computed`` adds what AWS would compute."""

    def __init__(self, computed: bool) -> None:
        self.computed = computed
        self.registered: list[MockResourceArgs] = []
        self.invoked: list[str] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict]:
        self.registered.append(args)
        outputs = dict(args.inputs)
        if self.computed and args.custom:
            service = args.typ.split(":")[1].split("/")[0]
            outputs = {
                "arn": f"arn:aws:{service}:{REGION}:111111111111:{args.name}",
                "name": args.name,
                "executionArn": f"arn:aws:execute-api:{REGION}:111111111111:{args.name}",
                **outputs,
            }
        return f"{args.name}_id", outputs

    def call(self, args: MockCallArgs) -> tuple[dict, list]:
        self.invoked.append(args.token)
        return {}, []


def run_under(mocks: GuideMocks, *, preview: bool, program=every_component) -> None:
    pulumi.runtime.set_mocks(mocks, project="plain", stack="test", preview=preview)
    pulumi.runtime.set_all_config({"aws:region": REGION})

    @pulumi.runtime.test
    def build() -> None:
        program()

    build()


@pytest.fixture(scope="module", params=[True, False], ids=["preview-inputs-echoed", "update-arns-computed"])
def mocks(request) -> GuideMocks:
    preview = request.param
    mocks = GuideMocks(computed=not preview)
    run_under(mocks, preview=preview)
    return mocks


def test_every_component_registers(mocks):
    registered = {args.typ.rsplit(":", 1)[1] for args in mocks.registered if not args.custom}
    assert registered >= COMPONENTS


def test_the_invokes_were_answered_with_nothing(mocks):
    assert mocks.invoked and set(mocks.invoked) == {"aws:index/getCallerIdentity:getCallerIdentity"}


def test_the_alarm_topic_asks_for_the_account_once():
    # Its key policy and the alarms' ARN pattern both need the account: one invoke serves both.
    mocks = GuideMocks(computed=True)
    run_under(mocks, preview=False, program=lambda: AlarmTopic("alarms"))
    assert mocks.invoked == ["aws:index/getCallerIdentity:getCallerIdentity"]


def test_each_key_policy_names_the_placeholder_account(mocks):
    keys = [args for args in mocks.registered if args.typ == KEY]
    assert len(keys) == 2  # the alarm topic's and the fan-out topic's
    for key in keys:
        statements = json.loads(key.inputs["policy"])["Statement"]
        admin = next(s for s in statements if s["Sid"] == "AccountAdministers")
        assert admin["Principal"]["AWS"] == f"arn:aws:iam::{defaults.UNANSWERED_ACCOUNT_ID}:root"
