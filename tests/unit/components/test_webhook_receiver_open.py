"""WebhookReceiver opened up: an existing verifier, secret or queue instead of a new one, and overrides."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import iam as aws_iam
from pulumi_aws import secretsmanager

from pulumi_wasp.components import (
    ExistingFunction,
    ExistingQueue,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    WebhookReceiver,
    WebhookReceiverArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.components.synth_helpers import plain_function
from tests.unit.conftest import logged

FUNCTION = "aws:lambda/function:Function"
SECRET = "aws:secretsmanager/secret:Secret"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
VERIFIER_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-verifier"
SECRET_ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:payments-signing-AbCdEf"
QUEUE_ARN = "arn:aws:sqs:us-east-1:123456789012:payments-inbox"
QUEUE_URL = "https://sqs.us-east-1.amazonaws.com/123456789012/payments-inbox"


def function(**given) -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], **given)


def args(**given) -> WebhookReceiverArgs:
    return WebhookReceiverArgs(
        **{"path": "/webhooks/payments", "processor": QueueProcessorArgs(function=function()), **given}
    )


def statements(policy) -> dict:
    return {action: s["Resource"] for s in json.loads(policy.input("policy"))["Statement"] for action in s["Action"]}


# -- an existing verifier -----------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def existing_verifier():
    receivers = []

    def program():
        role = aws_iam.Role("legacy-verifier-role", assume_role_policy="{}")
        receiver = WebhookReceiver(
            "payments", args(existing_verifier=ExistingFunction(arn=VERIFIER_ARN, role=role, timeout_seconds=10))
        )
        receivers.append(receiver)
        RestApi("hooks", RestApiArgs(routes=[receiver.route]))

    with logged() as lines:
        stack = synthesize(program)
    return stack, lines, receivers[0]


def test_an_existing_verifier_is_not_created_but_routed(existing_verifier):
    stack, _, _ = existing_verifier
    assert [f.name for f in stack.in_component("payments", type=FUNCTION)] == ["payments-function"]  # the worker
    assert stack.one("aws:lambda/permission:Permission", within="hooks").input("function") == VERIFIER_ARN
    assert VERIFIER_ARN in stack.one("aws:apigateway/integration:Integration", within="hooks").input("uri")


def test_an_existing_verifiers_role_gets_the_secret_and_the_queue_in_a_policy_of_the_components(existing_verifier):
    stack, _, _ = existing_verifier
    policy = stack.named("payments-verifier-policy", ROLE_POLICY)
    assert policy.input("role") == stack.named("legacy-verifier-role").id
    granted = statements(policy)
    assert granted["secretsmanager:GetSecretValue"] == [stack.one(SECRET, within="payments").output("arn")]
    assert granted["sqs:SendMessage"] == [stack.named("payments-queue").output("arn")]


def test_an_existing_verifier_is_told_its_environment_and_what_was_not_checked(existing_verifier):
    stack, lines, receiver = existing_verifier
    assert sorted(receiver.verifier_environment) == [
        "WEBHOOK_QUEUE_URL",
        "WEBHOOK_SECRET_NAME",
        "WEBHOOK_TOLERANCE_SECONDS",
    ]
    assert any(
        line.startswith("WebhookReceiver payments: given a bare identifier, so not checked: the existing verifier's")
        for line in lines.at("INFO")
    )
    assert stack.named("payments", "wasp:webhook:WebhookReceiver").outputs["arn"] == VERIFIER_ARN


def test_an_existing_verifier_without_a_role_lists_the_statements_and_warns():
    receivers = []
    with logged() as lines:
        synthesize(
            lambda: receivers.append(
                WebhookReceiver("payments", args(existing_verifier=ExistingFunction(arn=VERIFIER_ARN)))
            )
        )
    assert {a for s in receivers[0].required_statements for a in s["Action"]} == {
        "secretsmanager:GetSecretValue",
        "sqs:SendMessage",
    }
    assert any("WebhookReceiverArgs.existing_verifier has no role" in line for line in lines.at("WARNING"))


def test_an_existing_verifier_resource_without_the_variables_it_reads_fails_naming_them():
    def program():
        legacy = plain_function("legacy", environment={"variables": {"WEBHOOK_SECRET_NAME": "payments"}})
        WebhookReceiver("payments", args(existing_verifier=ExistingFunction(function=legacy)))

    with pytest.raises(
        ProgramError,
        match="existing_verifier lacks the environment variables WEBHOOK_QUEUE_URL, WEBHOOK_TOLERANCE_SECONDS",
    ):
        synthesize(program)


def test_an_existing_serverless_function_verifier_without_the_variables_fails_naming_them():
    def program():
        legacy = ServerlessFunction("legacy", function(environment={"WEBHOOK_QUEUE_URL": QUEUE_URL}))
        WebhookReceiver("payments", args(existing_verifier=ExistingFunction(function=legacy, role=legacy.role)))

    with pytest.raises(
        ProgramError,
        match="WebhookReceiverArgs.existing_verifier lacks the environment variables WEBHOOK_SECRET_NAME, "
        "WEBHOOK_TOLERANCE_SECONDS",
    ):
        synthesize(program)


def test_a_verifier_needs_exactly_one_of_existing_or_new():
    with pytest.raises(
        ValueError,
        match="set exactly one of WebhookReceiverArgs.existing_verifier .* or WebhookReceiverArgs.verifier .*; "
        "neither given",
    ):
        args().validate()


# -- an existing secret -------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def existing_secret():
    with logged() as lines:
        stack = synthesize(lambda: WebhookReceiver("payments", args(verifier=function(), existing_secret=SECRET_ARN)))
    return stack, lines


def test_an_existing_secret_is_not_created_but_read_by_its_arn(existing_secret):
    stack, _ = existing_secret
    assert stack.in_component("payments", type=SECRET) == []
    assert stack.in_component("payments", type="aws:secretsmanager/secretVersion:SecretVersion") == []
    verifier = stack.named("payments-verifier-function")
    assert verifier.input("environment", "variables", "WEBHOOK_SECRET_NAME") == SECRET_ARN
    assert statements(stack.named("payments-verifier-policy"))["secretsmanager:GetSecretValue"] == [SECRET_ARN]


def test_an_existing_secret_by_arn_says_what_it_could_not_check(existing_secret):
    _, lines = existing_secret
    assert any(
        "WebhookReceiver payments: given a bare identifier, so not checked: the existing secret's KMS key" in line
        for line in lines.at("INFO")
    )


def test_an_existing_secret_with_a_key_of_its_own_needs_the_key_to_be_named():
    def program():
        legacy = secretsmanager.Secret("legacy", kms_key_id="arn:aws:kms:us-east-1:123456789012:key/k")
        WebhookReceiver("payments", args(verifier=function(), existing_secret=legacy))

    with pytest.raises(
        ProgramError, match="existing_secret is encrypted with the KMS key .*give its ARN as secret_kms_key_arn"
    ):
        synthesize(program)


@pytest.mark.parametrize(
    ("given", "message"),
    [
        ({"generate_secret": True}, "generate_secret apply to a secret the component creates"),
        ({"secret_overrides": {"description": "x"}}, "secret_overrides apply to a secret the component creates"),
        ({"existing_secret": "payments-signing"}, "existing_secret must be a Secrets Manager secret ARN"),
    ],
)
def test_what_only_a_created_secret_takes_fails_with_an_existing_one(given, message):
    with pytest.raises(ValueError, match=message):
        args(verifier=function(), **{"existing_secret": SECRET_ARN, **given}).validate()


# -- an existing queue --------------------------------------------------------------------------------------
def test_an_existing_queue_is_sent_to_by_the_verifier():
    processor = QueueProcessorArgs(function=function(), existing_queue=ExistingQueue(arn=QUEUE_ARN, url=QUEUE_URL))
    stack = synthesize(lambda: WebhookReceiver("payments", args(verifier=function(), processor=processor)))
    assert [q.name for q in stack.in_component("payments", type="aws:sqs/queue:Queue")] == ["payments-dlq"]
    verifier = stack.named("payments-verifier-function")
    assert verifier.input("environment", "variables", "WEBHOOK_QUEUE_URL") == QUEUE_URL
    assert statements(stack.named("payments-verifier-policy"))["sqs:SendMessage"] == [QUEUE_ARN]


# -- overrides ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: WebhookReceiver(
                "payments",
                args(
                    verifier=function(overrides={"tracing_config": {"mode": "PassThrough"}}),
                    secret_overrides={"recovery_window_in_days": 7, "description": "Signs payment webhooks"},
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_secret_and_the_verifier(overridden):
    stack, _ = overridden
    secret = stack.one(SECRET, within="payments")
    assert (secret.input("recoveryWindowInDays"), secret.input("description")) == (7, "Signs payment webhooks")
    assert stack.named("payments-verifier-function").input("tracingConfig") == {"mode": "PassThrough"}


def test_turning_the_verifiers_tracing_off_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any(
        "ServerlessFunctionArgs.overrides['tracing_config']" in line and "lambda-tracing-active will flag it" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("lambda-tracing-active")] == ["payments-verifier-function"]


def test_an_unknown_secret_override_fails_naming_it():
    with pytest.raises(
        ProgramError, match="WebhookReceiverArgs.secret_overrides: 'rotation' is not a keyword argument"
    ):
        synthesize(lambda: WebhookReceiver("payments", args(verifier=function(), secret_overrides={"rotation": 1})))
