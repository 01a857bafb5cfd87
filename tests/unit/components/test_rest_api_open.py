"""RestApi opened up: an existing API or backend function, and overrides of every child it creates."""

from __future__ import annotations

import pytest
from pulumi_aws import apigateway

from pulumi_wasp.components import (
    ExistingFunction,
    ExistingRestApi,
    RestApi,
    RestApiArgs,
    Route,
    ServerlessFunction,
    ServerlessFunctionArgs,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.components.synth_helpers import plain_function
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


# -- an existing API ----------------------------------------------------------------------------------------
REST_API = "aws:apigateway/restApi:RestApi"
PERMISSION = "aws:lambda/permission:Permission"
FUNCTION_ARN = "arn:aws:lambda:us-east-1:123456789012:function:legacy-orders"


def backend() -> ServerlessFunction:
    return ServerlessFunction(
        "orders", ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], behind_api=True)
    )


@pytest.fixture(scope="module")
def bare_api():
    with logged() as lines:
        stack = synthesize(
            lambda: RestApi(
                "shop",
                RestApiArgs(
                    routes=[Route("GET", "/orders/{id}", backend())],
                    existing_api=ExistingRestApi(id="a1b2c3", root_resource_id="r00t", name="legacy-shop"),
                ),
            )
        )
    return stack, lines


def test_an_existing_api_is_not_created_but_routed(bare_api):
    stack, _ = bare_api
    assert stack.in_component("shop", type=REST_API) == []
    orders = stack.named("shop-orders", "aws:apigateway/resource:Resource")
    assert (orders.input("restApi"), orders.input("parentId")) == ("a1b2c3", "r00t")
    assert stack.one("aws:apigateway/stage:Stage", within="shop").input("restApi") == "a1b2c3"


def test_a_bare_api_scopes_the_permission_to_its_execution_arn_in_the_deploying_account(bare_api):
    stack, _ = bare_api
    assert stack.one(PERMISSION, within="shop").input("sourceArn") == (
        "arn:aws:execute-api:us-east-1:123456789012:a1b2c3/*/GET/orders/*"
    )


def test_a_bare_apis_name_is_the_alarms_dimension_and_the_name_output(bare_api):
    stack, _ = bare_api
    assert stack.named("shop-5xx").input("dimensions")["ApiName"] == "legacy-shop"
    assert stack.named("shop").outputs["name"] == "legacy-shop"


def test_a_bare_api_says_what_it_could_not_check(bare_api):
    _, lines = bare_api
    assert any(
        line.startswith("RestApi shop: given a bare identifier, so not checked: the API's OpenAPI body")
        for line in lines.at("INFO")
    )


def test_an_existing_api_resource_lends_its_ids_and_execution_arn():
    def program():
        legacy = apigateway.RestApi("legacy")
        RestApi(
            "shop", RestApiArgs(routes=[Route("GET", "/orders", backend())], existing_api=ExistingRestApi(api=legacy))
        )

    stack = synthesize(program)
    legacy = stack.named("legacy", REST_API)
    assert stack.named("shop-orders").input("parentId") == legacy.output("rootResourceId")
    assert stack.one(PERMISSION, within="shop").input("sourceArn") == legacy.output("executionArn") + "/*/GET/orders"


def test_an_existing_api_whose_openapi_body_would_overwrite_the_routes_fails():
    def program():
        legacy = apigateway.RestApi("legacy", body='{"openapi": "3.0.1", "paths": {}}')
        RestApi(
            "shop", RestApiArgs(routes=[Route("GET", "/orders", backend())], existing_api=ExistingRestApi(api=legacy))
        )

    with pytest.raises(ProgramError, match="put_rest_api_mode 'overwrite'.*give the API put_rest_api_mode='merge'"):
        synthesize(program)


def test_an_existing_api_whose_openapi_body_merges_is_accepted():
    def program():
        legacy = apigateway.RestApi("legacy", body='{"openapi": "3.0.1", "paths": {}}', put_rest_api_mode="merge")
        RestApi(
            "shop", RestApiArgs(routes=[Route("GET", "/orders", backend())], existing_api=ExistingRestApi(api=legacy))
        )

    assert synthesize(program).in_component("shop", type=REST_API) == []


@pytest.mark.parametrize(
    ("existing", "message"),
    [
        (
            ExistingRestApi(id="a1b2c3"),
            "a bare REST API needs id=, root_resource_id= and name=.*missing root_resource_id, name",
        ),
        (ExistingRestApi(), "a bare REST API .*; missing id, root_resource_id, name$"),
    ],
)
def test_an_incomplete_existing_api_fails_naming_what_is_missing(existing, message):
    args = RestApiArgs(routes=[], existing_api=existing)
    with pytest.raises(ValueError, match=f"RestApiArgs.existing_api: {message}"):
        args.validate()


def test_api_overrides_with_an_existing_api_fail():
    args = RestApiArgs(
        routes=[],
        existing_api=ExistingRestApi(id="a", root_resource_id="r", name="n"),
        api_overrides={"description": "x"},
    )
    with pytest.raises(ValueError, match="RestApiArgs.api_overrides apply to an API the component creates"):
        args.validate()


# -- an existing backend function --------------------------------------------------------------------------
@pytest.fixture(scope="module")
def existing_backend():
    with logged() as lines:
        stack = synthesize(
            lambda: RestApi("shop", RestApiArgs(routes=[Route("GET", "/orders", ExistingFunction(arn=FUNCTION_ARN))]))
        )
    return stack, lines


def test_an_existing_functions_arn_is_integrated_and_permitted(existing_backend):
    stack, _ = existing_backend
    assert stack.one("aws:apigateway/integration:Integration", within="shop").input("uri") == (
        f"arn:aws:apigateway:us-east-1:lambda:path/2015-03-31/functions/{FUNCTION_ARN}/invocations"
    )
    assert stack.one(PERMISSION, within="shop").input("function") == FUNCTION_ARN
    assert stack.in_component("shop", type="aws:iam/rolePolicy:RolePolicy") == []


def test_an_existing_function_by_arn_alone_leaves_its_timeout_unchecked(existing_backend):
    _, lines = existing_backend
    assert any("not checked: the timeout of route 'GET /orders'" in line for line in lines.at("INFO"))


def test_an_existing_function_whose_given_timeout_exceeds_the_integrations_fails():
    route = Route("GET", "/orders", ExistingFunction(arn=FUNCTION_ARN, timeout_seconds=60))
    with pytest.raises(ValueError, match=r"Route 'GET /orders': the function's timeout_seconds \(60\) exceeds"):
        route.validate()


def test_an_existing_function_resource_whose_timeout_exceeds_the_integrations_fails():
    def program():
        legacy = plain_function("legacy", timeout=60)
        RestApi("shop", RestApiArgs(routes=[Route("GET", "/orders", ExistingFunction(function=legacy))]))

    with pytest.raises(ProgramError, match=r"the function's timeout_seconds \(60\) exceeds API Gateway's 29 s"):
        synthesize(program)


def test_an_existing_function_arn_that_is_not_a_lambda_arn_fails_naming_the_route():
    route = Route("GET", "/orders", ExistingFunction(arn="legacy-orders"))
    with pytest.raises(ValueError, match="Route 'GET /orders': function.arn must be a Lambda function ARN"):
        route.validate()


# -- overrides of the other children -----------------------------------------------------------------------
@pytest.fixture(scope="module")
def children_overridden():
    with logged() as lines:
        stack = synthesize(
            lambda: RestApi(
                "shop",
                RestApiArgs(
                    routes=[
                        Route(
                            "GET",
                            "/orders",
                            backend(),
                            method_overrides={"authorization": "NONE", "api_key_required": True},
                            integration_overrides={"timeout_milliseconds": 5000},
                        )
                    ],
                    deployment_overrides={"description": "release 7"},
                    method_settings_overrides={"settings": {"metrics_enabled": True, "logging_level": "ERROR"}},
                ),
            )
        )
    return stack, lines


def test_overrides_reach_the_method_the_integration_the_deployment_and_the_method_settings(children_overridden):
    stack, _ = children_overridden
    method = stack.one("aws:apigateway/method:Method", within="shop")
    assert (method.input("authorization"), method.input("apiKeyRequired")) == ("NONE", True)
    assert stack.one("aws:apigateway/integration:Integration", within="shop").input("timeoutMilliseconds") == 5000
    assert stack.one("aws:apigateway/deployment:Deployment", within="shop").input("description") == "release 7"
    settings = stack.one("aws:apigateway/methodSettings:MethodSettings", within="shop").input("settings")
    assert settings == {"metricsEnabled": True, "loggingLevel": "ERROR"}


def test_dropping_stage_throttling_warns_and_the_pack_flags_it(children_overridden):
    stack, lines = children_overridden
    assert any(
        "RestApiArgs.method_settings_overrides['settings']['throttling_rate_limit'] = None" in line
        and "apigw-default-throttling will flag it" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("apigw-default-throttling")] == ["shop-stage"] * 2  # rate and burst


def test_an_anonymous_method_override_warns_and_the_pack_flags_it(children_overridden):
    stack, lines = children_overridden
    assert any("the policy rule apigw-authorization will flag it" in line for line in lines.at("WARNING"))
    assert [d.name for d in stack.preview().of("apigw-authorization")] == ["shop-get-orders-method"]
