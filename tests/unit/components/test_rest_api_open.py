"""RestApi opened up: overrides of the API, its stage and its access log group."""

from __future__ import annotations

import pytest

from pulumi_wasp.components import RestApi, RestApiArgs, Route, ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged


def api(**given) -> None:
    handler = ServerlessFunction(
        "orders", ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], behind_api=True)
    )
    RestApi("shop", RestApiArgs(routes=[Route("GET", "/orders", handler)], **given))


@pytest.fixture(scope="module")
def overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: api(
                api_overrides={"description": "The shop", "endpoint_configuration": {"types": "EDGE"}},
                stage_overrides={"xray_tracing_enabled": False, "description": "v1"},
                access_log_group_overrides={"kms_key_id": "arn:aws:kms:us-east-1:123456789012:key/k"},
            )
        )
    return stack, lines


def test_overrides_reach_the_api_the_stage_and_the_log_group(overridden):
    stack, _ = overridden
    rest_api = stack.one("aws:apigateway/restApi:RestApi", within="shop")
    assert (rest_api.input("description"), rest_api.input("endpointConfiguration")) == ("The shop", {"types": "EDGE"})
    stage = stack.one("aws:apigateway/stage:Stage", within="shop")
    assert (stage.input("description"), stage.input("xrayTracingEnabled")) == ("v1", False)
    assert stack.named("shop-access-logs").input("kmsKeyId") == "arn:aws:kms:us-east-1:123456789012:key/k"


def test_turning_tracing_off_warns_and_the_pack_flags_it(overridden):
    stack, lines = overridden
    assert any("the policy rule apigw-tracing will flag it" in line for line in lines.at("WARNING"))
    assert [d.name for d in stack.preview().of("apigw-tracing")] == ["shop-stage"]


def test_an_unknown_stage_override_fails_naming_it():
    with pytest.raises(
        ProgramError,
        match=r"RestApiArgs.stage_overrides: 'tracing' is not a keyword argument of "
        r"apigateway.Stage \(aws:apigateway/stage:Stage\)",
    ):
        synthesize(lambda: api(stage_overrides={"tracing": True}))
