from __future__ import annotations

import json
import time

import pytest
from lambda_testkit import SECRET_NAME, api_request, load, metrics_emitted, received
from payment_webhooks.signature import sign
from shared.aws import client

PAYLOAD = json.dumps({"eventId": "evt_1", "type": "payment.succeeded", "orderId": "order-1", "amount": 19.98})


@pytest.fixture
def verifier(webhook_queue, webhook_secret, monkeypatch):
    module = load("payment_webhooks.verifier")
    monkeypatch.setattr(module, "_previous", {})  # a cached value must not outlive the account it came from
    return module


@pytest.fixture
def post(verifier, context):
    def send(body=PAYLOAD, headers=None, method="POST", **options):
        response = verifier.handler(api_request(method, "/webhooks/payments", body, headers, **options), context)
        return response["statusCode"], json.loads(response["body"])

    return send


def signed(secret, body=PAYLOAD, at=None):
    timestamp = str(int(time.time() if at is None else at))
    return {"X-Signature": sign(secret, timestamp, body.encode()), "X-Timestamp": timestamp}


def test_a_signed_webhook_is_enqueued_and_answered_202(post, webhook_secret, webhook_queue):
    assert post(headers=signed(webhook_secret)) == (
        202,
        {"statusCode": 202, "message": "Webhook accepted", "eventId": "evt_1"},
    )
    assert received(webhook_queue) == [json.loads(PAYLOAD)]


def test_the_raw_body_is_what_is_signed_and_enqueued(post, webhook_secret, webhook_queue):
    body = '{"orderId":"order-1",  "type":"payment.succeeded", "eventId":"evt_2"}'  # spacing and order kept
    assert post(body, signed(webhook_secret, body), base64_encoded=True)[0] == 202
    [message] = client("sqs").receive_message(QueueUrl=webhook_queue)["Messages"]
    assert message["Body"] == body


def test_header_names_are_case_insensitive(post, webhook_secret):
    headers = {name.lower(): value for name, value in signed(webhook_secret).items()}
    assert post(headers=headers)[0] == 202


def test_an_uppercase_hex_signature_is_accepted(post, webhook_secret):
    headers = signed(webhook_secret)
    assert post(headers=headers | {"X-Signature": headers["X-Signature"].upper()})[0] == 202


@pytest.mark.parametrize(
    ("drop", "reason"), [("X-Signature", "missing X-Signature header"), ("X-Timestamp", "missing X-Timestamp header")]
)
def test_a_missing_header_is_a_401_naming_it(post, webhook_secret, webhook_queue, drop, reason):
    headers = {name: value for name, value in signed(webhook_secret).items() if name != drop}
    assert post(headers=headers) == (401, {"statusCode": 401, "message": f"Webhook rejected: {reason}"})
    assert received(webhook_queue) == []


def test_a_wrong_signature_is_a_401(post, webhook_queue):
    assert (
        post(headers=signed("not-the-secret"))[1]["message"]
        == "Webhook rejected: X-Signature does not match the payload"
    )
    assert received(webhook_queue) == []


def test_a_tampered_body_is_a_401(post, webhook_secret):
    headers = signed(webhook_secret)
    tampered = PAYLOAD.replace("19.98", "0.01")
    assert post(tampered, headers) == (
        401,
        {"statusCode": 401, "message": "Webhook rejected: X-Signature does not match the payload"},
    )


def test_a_timestamp_that_is_not_unix_seconds_is_a_401(post, webhook_secret):
    headers = signed(webhook_secret) | {"X-Timestamp": "yesterday"}
    assert post(headers=headers)[1]["message"] == "Webhook rejected: X-Timestamp must be unix seconds"


@pytest.mark.parametrize("offset", [-301, 301])
def test_a_timestamp_outside_the_default_300_s_tolerance_is_a_401(post, webhook_secret, webhook_queue, offset):
    status, body = post(headers=signed(webhook_secret, at=time.time() + offset))
    assert (status, body["message"]) == (401, "Webhook rejected: X-Timestamp is outside the ±300 s tolerance")
    assert received(webhook_queue) == []


@pytest.mark.parametrize("offset", [-290, 290])
def test_a_timestamp_within_the_tolerance_is_accepted(post, webhook_secret, offset):
    assert post(headers=signed(webhook_secret, at=time.time() + offset))[0] == 202


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "Webhook payload is not JSON"),
        ("[]", "Webhook payload must be a JSON object"),
        (
            json.dumps({"eventId": "evt_1", "type": "payment.succeeded"}),
            "Webhook payload field 'orderId' must be a non-empty string",
        ),
    ],
)
def test_a_signed_payload_that_is_not_a_webhook_event_is_a_400(post, webhook_secret, webhook_queue, body, message):
    status, answer = post(body, signed(webhook_secret, body))
    assert status == 400 and answer["message"].startswith(message)
    assert received(webhook_queue) == []


def test_only_post_is_allowed(post, webhook_secret):
    assert post(headers=signed(webhook_secret), method="GET")[0] == 405


def test_the_secret_is_cached_between_requests(post, webhook_secret):
    post(headers=signed(webhook_secret))
    client("secretsmanager").put_secret_value(SecretId=SECRET_NAME, SecretString="rotated")
    assert post(headers=signed(webhook_secret))[0] == 202, "the cached secret is used until max_age passes"


def rotate() -> str:
    """What the rotation function's finishSecret leaves: a new AWSCURRENT, the old value AWSPREVIOUS."""
    client("secretsmanager").put_secret_value(SecretId=SECRET_NAME, SecretString="whsec-rotated-77ab02")
    return "whsec-rotated-77ab02"


def test_after_a_rotation_a_webhook_signed_with_the_new_secret_is_accepted(post, webhook_secret):
    assert post(headers=signed(rotate()))[0] == 202


def test_after_a_rotation_a_webhook_signed_with_the_previous_secret_is_still_accepted(post, webhook_secret):
    rotate()
    assert post(headers=signed(webhook_secret))[0] == 202


def test_after_a_rotation_a_signature_by_neither_secret_is_a_401(post, webhook_secret):
    rotate()
    assert (
        post(headers=signed("not-the-secret"))[1]["message"]
        == "Webhook rejected: X-Signature does not match the payload"
    )


def test_rejections_and_acceptances_are_counted(post, webhook_secret, capsys):
    post(headers=signed(webhook_secret))
    post(headers=signed("wrong"))
    emitted = metrics_emitted(capsys.readouterr().out)
    assert (emitted["WebhooksAccepted"], emitted["WebhooksRejected"]) == (1, 1)
