"""WebhookReceiver's payload schema: API Gateway validates the body of the webhook route before the verifier runs."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import RestApi, RestApiArgs
from tests.unit.components.synth_helpers import webhook_receiver
from tests.unit.conftest import synth

SCHEMA = {"type": "object", "required": ["eventId"], "properties": {"eventId": {"type": "string"}}}


def program() -> None:
    checked, unchecked = webhook_receiver("checked", payload_schema=SCHEMA), webhook_receiver("unchecked")
    RestApi("hooks", RestApiArgs(routes=[checked.route, unchecked.route]))


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def test_the_route_validates_the_payload_against_the_schema(stack):
    method = stack.named("hooks-post-webhooks-checked-method").inputs
    model = stack.named("hooks-post-webhooks-checked-model")
    assert json.loads(model.inputs["schema"]) == SCHEMA
    assert method["requestModels"] == {"application/json": model.outputs["name"]}
    assert method["requestValidatorId"] == stack.named("hooks-body-validator").id


def test_without_a_schema_any_body_reaches_the_verifier(stack):
    method = stack.named("hooks-post-webhooks-unchecked-method").inputs
    assert "requestModels" not in method and "requestValidatorId" not in method
