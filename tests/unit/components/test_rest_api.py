"""RestApi: regional REST API with traced, JSON-logged, throttled stage and scoped Lambda proxy routes."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components import RestApi, RestApiArgs, Route, ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.rest_api import _routes_hash
from tests.unit.conftest import one, synth, within


def handler(name: str, timeout: int = 10) -> ServerlessFunction:
    return ServerlessFunction(
        name,
        ServerlessFunctionArgs(
            handler="shared.config.handler", code=["lambdas/shared"], timeout_seconds=timeout, behind_api=True
        ),
    )


def program() -> None:
    orders = handler("orders-fn")
    RestApi(
        "orders",
        RestApiArgs(
            routes=[
                Route("POST", "/orders", orders, request_schema={"type": "object"}),
                Route("GET", "/orders/{id}", orders),
            ]
        ),
    )
    RestApi(
        "admin",
        RestApiArgs(
            routes=[Route("GET", "/", handler("admin-fn"))],
            throttle_rate_limit=10,
            throttle_burst_limit=20,
            logging_level="INFO",
            manage_account_log_role=True,
            stage_name="v1",
        ),
    )


@pytest.fixture(scope="module")
def stack():
    return synth(program)


def test_endpoint_is_regional(stack):
    assert one(stack, "orders", "aws:apigateway/restApi:RestApi").inputs["endpointConfiguration"] == {
        "types": "REGIONAL"
    }


def test_stage_traces_with_xray(stack):
    assert one(stack, "orders", "aws:apigateway/stage:Stage").inputs["xrayTracingEnabled"] is True


def test_access_logs_are_json_in_a_log_group_with_retention(stack):
    stage = one(stack, "orders", "aws:apigateway/stage:Stage").inputs
    group = one(stack, "orders", "aws:cloudwatch/logGroup:LogGroup")
    assert stage["accessLogSettings"]["destinationArn"] == group.outputs["arn"]
    assert json.loads(stage["accessLogSettings"]["format"])["requestId"] == "$context.requestId"
    assert group.inputs["retentionInDays"] == 14


def test_method_settings_cover_every_method_with_metrics_error_logs_and_throttling(stack):
    settings = one(stack, "orders", "aws:apigateway/methodSettings:MethodSettings").inputs
    assert settings["methodPath"] == "*/*"
    assert settings["settings"] == {
        "metricsEnabled": True,
        "loggingLevel": "ERROR",
        "dataTraceEnabled": False,
        "throttlingRateLimit": 1000,
        "throttlingBurstLimit": 2000,
    }


def test_routes_are_lambda_proxy_integrations(stack):
    integrations = within(stack, "orders", "aws:apigateway/integration:Integration")
    function = one(stack, "orders-fn", "aws:lambda/function:Function")
    assert len(integrations) == 2
    for integration in integrations:
        assert integration.inputs["type"] == "AWS_PROXY"
        assert integration.inputs["integrationHttpMethod"] == "POST"
        assert integration.inputs["uri"] == function.outputs["invokeArn"]


def test_path_parameters_become_nested_resources(stack):
    parts = {r.inputs["pathPart"] for r in within(stack, "orders", "aws:apigateway/resource:Resource")}
    assert parts == {"orders", "{id}"}


def test_permissions_are_scoped_to_each_method_and_path(stack):
    api = one(stack, "orders", "aws:apigateway/restApi:RestApi").outputs["executionArn"]
    arns = sorted(p.inputs["sourceArn"] for p in within(stack, "orders", "aws:lambda/permission:Permission"))
    assert arns == [f"{api}/*/GET/orders/*", f"{api}/*/POST/orders"]


def test_request_schema_adds_a_model_and_body_validation(stack):
    method = next(
        m for m in within(stack, "orders", "aws:apigateway/method:Method") if m.inputs["httpMethod"] == "POST"
    ).inputs
    assert method["requestModels"] == {
        "application/json": one(stack, "orders", "aws:apigateway/model:Model").outputs["name"]
    }
    assert (
        one(stack, "orders", "aws:apigateway/requestValidator:RequestValidator").inputs["validateRequestBody"] is True
    )


def test_deployment_is_redeployed_when_routes_change(stack):
    deployment = one(stack, "orders", "aws:apigateway/deployment:Deployment")
    uri = one(stack, "orders-fn", "aws:lambda/function:Function").outputs["invokeArn"]
    function = ServerlessFunction.__new__(ServerlessFunction)
    routes = [
        Route("POST", "/orders", function, request_schema={"type": "object"}),
        Route("GET", "/orders/{id}", function),
    ]
    assert deployment.inputs["triggers"]["routes"] == _routes_hash(routes, [uri, uri])
    assert _routes_hash(routes[1:], [uri]) != deployment.inputs["triggers"]["routes"]
    methods = {m.urn for m in within(stack, "orders", "aws:apigateway/method:Method")}
    assert methods <= set(deployment.dependencies)


def test_deployment_is_redeployed_when_a_route_targets_another_function(stack):
    function = ServerlessFunction.__new__(ServerlessFunction)
    routes = [Route("GET", "/orders/{id}", function)]
    assert _routes_hash(routes, ["arn:one"]) != _routes_hash(routes, ["arn:two"])


def test_routes_require_sigv4_unless_told_otherwise(stack):
    methods = within(stack, "orders", "aws:apigateway/method:Method")
    assert {m.inputs["authorization"] for m in methods} == {"AWS_IAM"}


def test_account_log_role_only_when_asked(stack):
    assert within(stack, "orders", "aws:apigateway/account:Account") == []
    account = one(stack, "admin", "aws:apigateway/account:Account")
    assert account.inputs["cloudwatchRoleArn"] == one(stack, "admin", "aws:iam/role:Role").outputs["arn"]


def test_overrides_replace_defaults(stack):
    settings = one(stack, "admin", "aws:apigateway/methodSettings:MethodSettings").inputs["settings"]
    assert (settings["throttlingRateLimit"], settings["throttlingBurstLimit"], settings["loggingLevel"]) == (
        10,
        20,
        "INFO",
    )
    assert one(stack, "admin", "aws:apigateway/stage:Stage").inputs["stageName"] == "v1"


def test_api_5xx_alarm(stack):
    alarm = one(stack, "orders", "aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert (alarm["namespace"], alarm["metricName"], alarm["threshold"]) == ("AWS/ApiGateway", "5XXError", 1)


@pytest.fixture(scope="module")
def slow_function():
    function = ServerlessFunction.__new__(ServerlessFunction)
    function.args = ServerlessFunctionArgs(handler="a.b", code=["lambdas/shared"], timeout_seconds=60)
    return function


@pytest.mark.parametrize(
    ("route", "message"),
    [
        (("GET", "orders"), "path must start with '/'"),
        (("FETCH", "/orders"), "method must be one of"),
        (("GET", "/orders/{id"), "is not a literal or a {parameter}"),
    ],
)
def test_bad_routes_are_rejected_naming_the_route(route, message, slow_function):
    fast = ServerlessFunction.__new__(ServerlessFunction)
    fast.args = ServerlessFunctionArgs(handler="a.b", code=["lambdas/shared"])
    with pytest.raises(ValueError, match=message.replace("{", r"\{").replace("}", r"\}")):
        Route(*route, fast).validate()


def test_function_slower_than_29_s_is_rejected(slow_function):
    with pytest.raises(ValueError, match=r"timeout_seconds \(60\) exceeds API Gateway's 29 s integration timeout"):
        Route("GET", "/slow", slow_function).validate()


def test_duplicate_routes_and_empty_routes_are_rejected(slow_function):
    fast = ServerlessFunction.__new__(ServerlessFunction)
    fast.args = ServerlessFunctionArgs(handler="a.b", code=["lambdas/shared"])
    with pytest.raises(ValueError, match="duplicate route 'GET /a'"):
        RestApiArgs(routes=[Route("GET", "/a", fast), Route("GET", "/a", fast)]).validate()
    with pytest.raises(ValueError, match="routes is empty"):
        RestApiArgs(routes=[]).validate()


def test_colliding_paths_are_rejected():
    fast = ServerlessFunction.__new__(ServerlessFunction)
    fast.args = ServerlessFunctionArgs(handler="a.b", code=["lambdas/shared"])
    with pytest.raises(ValueError, match="paths '/orders/{id}' and '/orders/id' cannot both exist"):
        RestApiArgs(routes=[Route("GET", "/orders/{id}", fast), Route("GET", "/orders/id", fast)]).validate()
