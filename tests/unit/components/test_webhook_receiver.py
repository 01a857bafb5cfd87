"""WebhookReceiver: POST route → light verifier → queue → worker, with the signing secret in Secrets Manager."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import QueueProcessorArgs
from pulumi_wasp.components.webhook_receiver import WebhookReceiverArgs
from tests.unit.components.synth_helpers import function_args, synth_program, synthesis_error
from tests.unit.conftest import one, policy, within

FUNCTION = "aws:lambda/function:Function"
SECRET = "aws:secretsmanager/secret:Secret"
VERSION = "aws:secretsmanager/secretVersion:SecretVersion"
SECRET_SIGNATURE = "4dabf18193072939515e22adb298388d"


@pytest.fixture(scope="module")
def stack():
    return synth_program("webhook_receiver")


def verifier(stack, name="payments"):
    return stack.named(f"{name}-verifier-function", FUNCTION)


def environment(stack, name="payments"):
    return verifier(stack, name).inputs["environment"]["variables"]


def secret(stack, name="payments"):
    return one(stack, name, SECRET)


def queue(stack, name="payments"):
    return stack.named(f"{name}-queue", "aws:sqs/queue:Queue")


def test_the_route_is_a_post_on_the_path_proxied_to_the_verifier(stack):
    method = stack.named("hooks-post-webhooks-payments-method").inputs
    integration = stack.named("hooks-post-webhooks-payments-integration").inputs
    assert method["httpMethod"] == "POST"
    assert integration["type"] == "AWS_PROXY" and integration["uri"] == verifier(stack).outputs["invokeArn"]


def test_only_that_route_may_invoke_the_verifier(stack):
    permission = stack.named("hooks-post-webhooks-payments-permission").inputs
    assert permission["function"] == verifier(stack).outputs["name"]
    assert permission["sourceArn"].endswith("/*/POST/webhooks/payments")


def test_the_verifier_gets_the_secret_name_the_queue_url_and_a_300_s_tolerance(stack):
    assert environment(stack)["WEBHOOK_SECRET_NAME"] == secret(stack).outputs["name"]
    assert environment(stack)["WEBHOOK_QUEUE_URL"] == queue(stack).outputs["url"]
    assert environment(stack)["WEBHOOK_TOLERANCE_SECONDS"] == "300"


def test_the_verifier_may_read_only_its_secret_and_send_only_to_its_queue(stack):
    statements = policy(stack.named("payments-verifier-policy"))["Statement"]
    resources = {action: s["Resource"] for s in statements for action in s["Action"]}
    assert resources["secretsmanager:GetSecretValue"] == [secret(stack).outputs["arn"]]
    assert resources["sqs:SendMessage"] == [queue(stack).outputs["arn"]]
    assert not {a for a in resources if a.startswith("dynamodb:") or a == "sqs:ReceiveMessage"}


def test_the_verifier_fits_behind_the_api(stack):
    assert verifier(stack).inputs["timeout"] <= 29


def test_a_worker_consumes_the_queue_with_partial_batch_failures(stack):
    mapping = one(stack, "payments", "aws:lambda/eventSourceMapping:EventSourceMapping").inputs
    assert mapping["eventSourceArn"] == queue(stack).outputs["arn"]
    assert mapping["functionName"] == stack.named("payments-function", FUNCTION).outputs["arn"]
    assert mapping["functionResponseTypes"] == ["ReportBatchItemFailures"]


def test_the_signing_secret_is_managed_outside_pulumi_by_default(stack):
    assert within(stack, "payments", VERSION) == []
    assert "kmsKeyId" not in secret(stack).inputs


def test_a_secret_from_config_is_stored_as_a_pulumi_secret(stack):
    value = one(stack, "crm", VERSION).inputs["secretString"]
    assert SECRET_SIGNATURE in value
    assert one(stack, "crm", VERSION).inputs["secretId"] == secret(stack, "crm").id


def test_overrides_generate_a_secret_under_a_customer_key_with_a_60_s_tolerance(stack):
    generated = one(stack, "partners", VERSION).inputs["secretString"]
    assert SECRET_SIGNATURE in generated and len(generated["value"]) >= 40
    assert secret(stack, "partners").inputs["kmsKeyId"] == "arn:aws:kms:eu-west-1:123456789012:key/webhooks"
    statements = policy(stack.named("partners-verifier-policy"))["Statement"]
    assert {
        "Effect": "Allow",
        "Action": ["kms:Decrypt"],
        "Resource": ["arn:aws:kms:eu-west-1:123456789012:key/webhooks"],
    } in statements
    assert environment(stack, "partners")["WEBHOOK_TOLERANCE_SECONDS"] == "60"
    assert environment(stack, "partners")["SIGNATURE_HEADER"] == "X-Partner-Signature"
    assert verifier(stack, "partners").inputs["memorySize"] == 128
    assert secret(stack, "partners").inputs["tags"]["team"] == "partners"


def receiver_args(**overrides) -> WebhookReceiverArgs:
    base = {
        "path": "/webhooks/x",
        "verifier": function_args(),
        "processor": QueueProcessorArgs(function=function_args()),
    }
    return WebhookReceiverArgs(**{**base, **overrides})


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"path": "webhooks"}, "WebhookReceiverArgs.path must be a path below '/'"),
        ({"path": "/"}, "WebhookReceiverArgs.path must be a path below '/'"),
        ({"tolerance_seconds": 0}, "WebhookReceiverArgs.tolerance_seconds must be 1..3600"),
        (
            {"secret_value": "s3cr3t", "generate_secret": True},
            "WebhookReceiverArgs: set secret_value or generate_secret, not both",
        ),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(overrides, message):
    with pytest.raises(ValueError, match=message):
        receiver_args(**overrides).validate()


def test_a_slow_verifier_fails_the_synthesis_naming_its_timeout():
    assert "ServerlessFunctionArgs.timeout_seconds must be 1..29" in synthesis_error("webhook-with-slow-verifier")


def test_children_are_parented_and_named_after_the_receiver(stack):
    owner = next(r for r in stack if r.name == "payments" and r.type == "wasp:webhook:WebhookReceiver")
    assert all(r.name.startswith("payments") for r in stack.descendants(owner))
    assert set(owner.outputs) == {"arn", "name", "secret_arn", "queue_url"}
