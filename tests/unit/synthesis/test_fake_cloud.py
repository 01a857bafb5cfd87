"""FakeCloud answers like AWS: every auto-named resource gets its physical name back.

Under the engine, Pulumi fills in an auto-name (``<logical>-<7 hex>``) before the provider sees
the inputs; under mocks it never does, so a shape that forgets ``name`` leaves every value
derived from it (alarm dimensions, dashboard metrics, environment variables) null.
"""

from __future__ import annotations

import importlib
import json

import pytest
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.components import (
    AlarmTopic,
    BucketProcessor,
    BucketProcessorArgs,
    Compensation,
    Dashboard,
    DashboardArgs,
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventSchema,
    EventStore,
    EventStoreArgs,
    FanOut,
    FanOutArgs,
    Projection,
    QueueArgs,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    Saga,
    SagaArgs,
    ScheduledJob,
    ScheduledJobArgs,
    SecureBucket,
    ServerlessFunction,
    StackContext,
    StateMachineTarget,
    Step,
    StreamProcessor,
    StreamProcessorArgs,
    Subscriber,
    Table,
    TableArgs,
    WebhookReceiver,
    WebhookReceiverArgs,
    use_stack_context,
)
from pulumi_wasp.synthesis import FakeCloud
from tests.unit.components.synth_helpers import function_args
from tests.unit.conftest import one, synth

REST_API = "aws:apigateway/restApi:RestApi"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
MODEL = "aws:apigateway/model:Model"
VALIDATOR = "aws:apigateway/requestValidator:RequestValidator"


def register(type_: str, logical_name: str, /, **inputs: object) -> tuple[str | None, dict]:
    """What FakeCloud answers for one custom resource with these (wire-format) inputs."""
    return FakeCloud(region="eu-west-1").new_resource(MockResourceArgs(type_, logical_name, dict(inputs), "", "", True))


# -- the REST API: ApiName dimensions ---------------------------------------------------------
def test_a_rest_api_without_a_name_gets_its_auto_name():
    api_id, outputs = register(REST_API, "shop-api")
    assert outputs["name"].startswith("shop-api-") and len(outputs["name"]) == len("shop-api-") + 7
    assert outputs["name"] != api_id
    assert register(REST_API, "shop-api")[1]["name"] == outputs["name"]


def test_a_rest_api_keeps_the_name_it_was_given():
    assert register(REST_API, "shop-api", name="shop")[1]["name"] == "shop"


@pytest.fixture(scope="module")
def api_stack():
    def program() -> None:
        handler = ServerlessFunction("shop-handler", function_args(behind_api=True))
        api = RestApi("shop", RestApiArgs(routes=[Route("POST", "/items", handler, request_schema={"type": "object"})]))
        Dashboard("ops", DashboardArgs(components=[api]))

    return synth(program)


def test_the_api_alarm_and_dashboard_name_the_api(api_stack):
    name = one(api_stack, "shop", REST_API).outputs["name"]
    assert name.startswith("shop-api-")
    alarm = one(api_stack, "shop", "aws:cloudwatch/metricAlarm:MetricAlarm").inputs
    assert alarm["dimensions"] == {"ApiName": name, "Stage": "api"}
    body = json.loads(one(api_stack, "ops", "aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])
    requests = next(w for w in body["widgets"] if w["properties"]["title"] == "API requests and errors")
    assert {metric[3] for metric in requests["properties"]["metrics"]} == {name}


# -- inline role policies: named within their role ---------------------------------------------
def test_a_role_policy_gets_its_auto_name_and_the_role_name_colon_name_id():
    policy_id, outputs = register(ROLE_POLICY, "worker-policy", role="worker-role-1a2b3c4")
    assert outputs["name"].startswith("worker-policy-")
    assert policy_id == f"worker-role-1a2b3c4:{outputs['name']}"


def test_a_role_policy_keeps_the_name_it_was_given():
    policy_id, outputs = register(ROLE_POLICY, "worker-policy", role="worker", name="inline")
    assert (policy_id, outputs["name"]) == ("worker:inline", "inline")


# -- API models and request validators: a generated id and a name -------------------------------
@pytest.mark.parametrize("type_", [MODEL, VALIDATOR])
def test_api_models_and_validators_get_their_auto_name_and_an_id_of_their_own(type_):
    resource_id, outputs = register(type_, "shop-body")
    assert outputs["name"].startswith("shop-body-")
    assert resource_id and resource_id != outputs["name"]
    assert register(type_, "shop-body", name="ShopBody")[1]["name"] == "ShopBody"


# -- the audit: every resource the components create that AWS names returns its name -----------
def every_component() -> None:
    use_stack_context(StackContext(alarm_topic_arn=AlarmTopic("alarms").arn))
    handler = ServerlessFunction("handler", function_args(behind_api=True))
    hooks = WebhookReceiver(
        "hooks",
        WebhookReceiverArgs(
            path="/hooks",
            verifier=function_args(),
            processor=QueueProcessorArgs(function=function_args()),
            generate_secret=True,
        ),
    )
    routes = [Route("POST", "/items", handler, request_schema={"type": "object"}), hooks.route]
    api = RestApi("api", RestApiArgs(routes=routes, manage_account_log_role=True))
    saga = Saga(
        "saga",
        SagaArgs(
            steps=[
                Step(
                    name="Charge",
                    function_arn=handler.arn,
                    compensation=Compensation(name="Refund", function_arn=handler.arn),
                )
            ]
        ),
    )
    router = EventRouter(
        "bus",
        EventRouterArgs(
            schemas=[EventSchema(name="shop@Placed", content={"openapi": "3.0.0"})],
            rules=[
                EventRule(name="placed", event_pattern={"source": ["shop"]}, targets=[StateMachineTarget(saga.arn)])
            ],
        ),
    )
    fanout = FanOut(
        "events",
        FanOutArgs(subscribers=[Subscriber(name="audit", processor=QueueProcessorArgs(function=function_args()))]),
    )
    store = EventStore("store", EventStoreArgs(projections=[Projection(name="view", function=function_args())]))
    stream = StreamProcessor("clicks", StreamProcessorArgs(function=function_args()))
    jobs = [
        ScheduledJob("nightly", ScheduledJobArgs(function=function_args(), schedule="cron(0 2 * * ? *)")),
        ScheduledJob("hourly", ScheduledJobArgs(function=function_args(), schedule="rate(1 hour)", kind="rule")),
    ]
    uploads = BucketProcessor("uploads", BucketProcessorArgs(queue=QueueArgs()))
    SecureBucket("assets")
    Table("orders", TableArgs(hash_key="id"))
    Dashboard("ops", DashboardArgs(components=[api, saga, router, fanout, store, stream, jobs, uploads, hooks]))


def aws_class(type_: str) -> type:
    """``aws:iam/rolePolicy:RolePolicy`` → ``pulumi_aws.iam.RolePolicy``."""
    _, module, name = type_.split(":")
    package = module.split("/")[0]
    return getattr(importlib.import_module(f"pulumi_aws.{'lambda_' if package == 'lambda' else package}"), name)


def test_every_resource_the_components_create_with_a_name_gets_it_back():
    stack = synth(every_component)
    named = [r for r in stack if r.custom and isinstance(getattr(aws_class(r.type), "name", None), property)]
    assert {REST_API, ROLE_POLICY, MODEL, VALIDATOR} <= {r.type for r in named}
    nameless = sorted({r.type for r in named if not isinstance(r.outputs.get("name"), str) or not r.outputs["name"]})
    assert nameless == []
