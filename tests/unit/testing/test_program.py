"""synthesize: a program directory or a callable, under realistic mocks, with the stack's config."""

from __future__ import annotations

import json

import pulumi
import pytest
from pulumi.runtime.mocks import MockCallArgs, MockResourceArgs

from pulumi_wasp.components import Queue
from pulumi_wasp.preview import RemediationTooLateError
from pulumi_wasp.testing import DEFAULT_STACK, UNKNOWN, FakeCloud, ProgramError, is_secret, synthesize
from tests.unit.testing.conftest import FUNCTION, QUEUE, SHOP, TABLE


def test_a_directory_is_synthesized_for_the_dev_stack_by_default(shop):
    assert (shop.project, shop.stack, DEFAULT_STACK) == ("shop", "dev", "dev")


def test_the_stack_file_sets_the_region_of_every_arn(shop):
    assert shop.one(QUEUE, name="worker-queue").output("arn").startswith("arn:aws:sqs:eu-west-1:123456789012:")


def test_another_stack_reads_its_own_file():
    prod = synthesize(SHOP, stack="prod")
    assert prod.stack == "prod"
    assert prod.one(QUEUE, name="worker-queue").output("arn").startswith("arn:aws:sqs:us-west-2:")
    assert prod.one(TABLE).input("pointInTimeRecovery") == {"enabled": True}


def test_config_is_merged_over_the_stack_file():
    stack = synthesize(SHOP, config={"workerMemory": 512})
    assert stack.one(FUNCTION).input("memorySize") == 512
    assert stack.one(QUEUE, name="worker-queue").output("arn").startswith("arn:aws:sqs:eu-west-1:")


def test_structured_config_reaches_the_program_as_json():
    stack = synthesize(SHOP, config={"workerTags": {"team": "orders"}})
    assert stack.one(FUNCTION).input("tags")["team"] == "orders"


def test_a_namespaced_key_overrides_that_namespace():
    stack = synthesize(SHOP, config={"aws:region": "ap-southeast-2"})
    assert ":ap-southeast-2:" in stack.one(QUEUE, name="worker-queue").output("arn")


def test_a_key_secret_in_the_stack_file_stays_secret_when_overridden():
    function = synthesize(SHOP, config={"apiToken": "from-the-test"}).one(FUNCTION)
    assert function.input("environment", "variables", "API_TOKEN") == "from-the-test"
    assert is_secret(function.inputs["environment"]["variables"]["API_TOKEN"])


def test_an_unknown_stack_names_the_stacks_there():
    with pytest.raises(ProgramError, match=r"unknown stack 'staging'.*stacks: dev, prod"):
        synthesize(SHOP, stack="staging")


def test_a_program_that_raises_is_a_program_error():
    def program() -> None:
        pulumi.Config("shop").require("pointInTimeRecovery")

    with pytest.raises(ProgramError, match=r"Missing required configuration variable 'shop:pointInTimeRecovery'"):
        synthesize(program, project="shop")


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"memory": None}, r"config 'memory' is None"),
        ({"": "x"}, r"config key '' is not"),
        ({"aws:": "x"}, r"config key 'aws:' is not"),
    ],
)
def test_bad_config_is_refused_naming_the_key(config, message):
    with pytest.raises(ValueError, match=message):
        synthesize(SHOP, config=config)


def test_a_callable_is_an_inline_program_of_project_test_in_us_east_1():
    stack = synthesize(lambda: Queue("jobs"))
    assert (stack.project, stack.stack) == ("test", "dev")
    assert stack.one(QUEUE, name="jobs-queue").output("arn").startswith("arn:aws:sqs:us-east-1:")


def test_an_inline_program_takes_its_project_stack_and_config():
    def program() -> None:
        pulumi.export("greeting", pulumi.Config().require("greeting"))
        Queue("jobs")

    stack = synthesize(program, project="shop", stack="qa", config={"greeting": "hi", "aws:region": "eu-north-1"})
    assert (stack.project, stack.stack, stack.export("greeting")) == ("shop", "qa", "hi")
    assert stack.one(QUEUE, name="jobs-queue").urn.startswith("urn:pulumi:qa::shop::")
    assert ":eu-north-1:" in stack.one(QUEUE, name="jobs-queue").output("arn")


def test_a_directory_refuses_a_project_name():
    with pytest.raises(ValueError, match=r"project= is for inline programs"):
        synthesize(SHOP, project="other")


def test_a_first_deploy_leaves_computed_values_unknown():
    stack = synthesize(SHOP, first_deploy=True)
    assert "arn" not in stack.one(QUEUE, name="worker-queue").outputs
    assert stack.one(FUNCTION).input("environment", "variables", "TABLE_NAME") is UNKNOWN


class Recording(FakeCloud):
    def __init__(self) -> None:
        super().__init__(region="sa-east-1", account_id="210987654321")
        self.types: list[str] = []
        self.invokes: list[str] = []

    def new_resource(self, args: MockResourceArgs):
        self.types.append(args.typ)
        return super().new_resource(args)

    def call(self, args: MockCallArgs):
        self.invokes.append(args.token)
        return super().call(args)


def test_your_own_mocks_answer_instead():
    mocks = Recording()
    stack = synthesize(SHOP, mocks=mocks)
    assert QUEUE in mocks.types
    assert stack.one(QUEUE, name="worker-queue").output("arn").startswith("arn:aws:sqs:sa-east-1:210987654321:")


def test_first_deploy_and_your_own_mocks_exclude_each_other():
    with pytest.raises(ValueError, match=r"either first_deploy or mocks"):
        synthesize(SHOP, first_deploy=True, mocks=FakeCloud())


def test_the_records_are_the_engines(shop):
    assert [res.record for res in shop] == shop.synthesis.resources
    assert json.loads(json.dumps(shop.one(QUEUE, name="worker-queue").inputs))  # wire format is plain JSON


TEAM_TAG = {"required-tags": {"enforcementLevel": "remediate", "tags": ["team"], "values": {"team": "orders"}}}


@pytest.fixture(scope="module")
def remediated():
    return synthesize(SHOP, policy_config=TEAM_TAG)


def test_policy_config_creates_each_resource_with_its_remediated_inputs(remediated):
    queue = remediated.one(QUEUE, name="worker-queue")
    assert queue.input("tags")["team"] == "orders"
    assert queue.output("tags")["team"] == "orders"


def test_the_pack_run_in_the_engine_is_the_stacks_preview(remediated):
    findings = remediated.preview()
    assert findings.report is remediated.policy_report
    assert "worker-queue" in {r.name for r in findings.report.remediations if r.policy == "required-tags"}
    assert findings.of("required-tags") == []


def test_without_policy_config_the_pack_does_not_run_in_the_engine(shop):
    assert shop.policy_report is None
    assert "team" not in shop.one(QUEUE, name="worker-queue").input("tags")


def test_a_remediate_level_for_an_already_synthesized_stack_is_refused(shop):
    with pytest.raises(RemediationTooLateError, match="required-tags: enforcementLevel remediate"):
        shop.preview(TEAM_TAG)
