"""The local gateway's body validation: a method's models, chosen by content type, as API Gateway applies them."""

from __future__ import annotations

from jsonschema import Draft4Validator

from pulumi_wasp.localcloud.runtime.sources.apigateway import Route

SCHEMA = {"type": "object", "required": ["id"], "properties": {"id": {"type": "string"}}}


def route(models: dict[str, dict] | None) -> Route:
    validators = None if models is None else {media: Draft4Validator(schema) for media, schema in models.items()}
    return Route("r1", "/items", "POST", "arn:aws:lambda:us-east-1:123456789012:function:f", "NONE", validators)


def test_a_body_that_conforms_to_the_model_passes():
    assert route({"application/json": SCHEMA}).accepts_body("application/json", b'{"id": "a"}')


def test_a_body_that_breaks_the_model_is_refused():
    assert not route({"application/json": SCHEMA}).accepts_body("application/json", b'{"id": 7}')


def test_a_body_that_is_not_json_is_refused():
    assert not route({"application/json": SCHEMA}).accepts_body("application/json", b"{id")


def test_an_absent_body_is_validated_as_an_empty_object():
    assert not route({"application/json": SCHEMA}).accepts_body("application/json", b"")
    assert route({"application/json": {"type": "object"}}).accepts_body("application/json", b"")


def test_a_request_without_a_content_type_is_validated_as_json():
    assert not route({"application/json": SCHEMA}).accepts_body(None, b"[]")


def test_the_content_type_parameters_and_case_do_not_change_the_model():
    assert not route({"application/json": SCHEMA}).accepts_body("Application/JSON; charset=utf-8", b"[]")


def test_a_content_type_without_a_model_passes_through():
    assert route({"application/json": SCHEMA}).accepts_body("text/plain", b"anything")


def test_a_method_whose_validator_does_not_check_bodies_accepts_any_body():
    assert route(None).accepts_body("application/json", b"{id")
