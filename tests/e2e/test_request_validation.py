"""The local gateway validates request bodies against the methods' models, after authorization and before the
function, answering as API Gateway does (400 "Invalid request body")."""

from __future__ import annotations

from pulumi_wasp.localcloud.client import Cloud, http

INVALID = (400, {"message": "Invalid request body"})


def test_a_signed_order_that_breaks_the_order_model_is_refused_by_the_gateway(cloud: Cloud) -> None:
    answer = cloud.api("POST", "/orders", {"customerId": "c-1", "items": [], "currency": "EUR"})
    assert (answer.status, answer.json()) == INVALID


def test_an_unsigned_order_is_refused_for_its_signature_before_its_body_is_validated(cloud: Cloud) -> None:
    assert cloud.api("POST", "/orders", {"items": []}, sign=False).status == 403


def test_a_webhook_payload_that_is_not_a_notification_is_refused_by_the_gateway(cloud: Cloud) -> None:
    answer = cloud.api("POST", "/webhooks/payments", ["not", "an", "object"], sign=False)
    assert (answer.status, answer.json()) == INVALID


def test_a_body_that_is_not_json_is_refused_by_the_gateway(cloud: Cloud) -> None:
    url = cloud.endpoints["api_url"] + "/webhooks/payments"
    answer = http("POST", url, b"{not json", {"Content-Type": "application/json"})
    assert (answer.status, answer.json()) == INVALID


def test_an_absent_body_is_validated_as_an_empty_object(cloud: Cloud) -> None:
    # The notification model requires eventId, type and orderId: {} lacks them.
    answer = cloud.api("POST", "/webhooks/payments", sign=False)
    assert (answer.status, answer.json()) == INVALID


def test_a_body_of_another_content_type_passes_through_to_the_function(cloud: Cloud) -> None:
    url = cloud.endpoints["api_url"] + "/webhooks/payments"
    answer = http("POST", url, b"not json", {"Content-Type": "text/plain"})
    assert answer.status == 401  # the verifier's answer: unsigned
