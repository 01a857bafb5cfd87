"""Dashboard and AlarmTopic opened up: overrides of the dashboard and of the alarm topic; existing APIs, queues and
DLQs charted as what they are."""

from __future__ import annotations

import json

import pytest
from pulumi_aws import sqs

from pulumi_wasp.components import (
    AlarmTopic,
    AlarmTopicArgs,
    AsyncInvokeArgs,
    Dashboard,
    DashboardArgs,
    ExistingFunction,
    ExistingQueue,
    ExistingRestApi,
    FanOut,
    FanOutArgs,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    ScheduledJob,
    ScheduledJobArgs,
    ServerlessFunction,
    ServerlessFunctionArgs,
    Subscriber,
)
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize
from tests.unit.conftest import logged

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"


def backend() -> ServerlessFunction:
    return ServerlessFunction(
        "orders", ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"], behind_api=True)
    )


def test_dashboard_overrides_reach_the_dashboard():
    stack = synthesize(
        lambda: Dashboard("ops", DashboardArgs(components=[backend()], overrides={"dashboard_name": "orders-ops"}))
    )
    assert stack.one(DASHBOARD, within="ops").input("dashboardName") == "orders-ops"


def test_an_unknown_dashboard_override_fails_naming_it():
    with pytest.raises(
        ProgramError, match="DashboardArgs.overrides: 'widgets' is not a keyword argument of cloudwatch.Dashboard"
    ):
        synthesize(lambda: Dashboard("ops", DashboardArgs(components=[backend()], overrides={"widgets": []})))


def test_an_existing_api_is_charted_by_its_name():
    def program():
        api = RestApi(
            "shop",
            RestApiArgs(
                routes=[Route("GET", "/orders", backend())],
                existing_api=ExistingRestApi(id="a1b2c3", root_resource_id="r00t", name="legacy-shop"),
            ),
        )
        Dashboard("ops", DashboardArgs(components=[api]))

    stack = synthesize(program)
    body = json.loads(stack.one(DASHBOARD, within="ops").input("dashboardBody"))
    (latency,) = [w for w in body["widgets"] if w["properties"]["title"] == "API latency p99"]
    assert latency["properties"]["metrics"][0][:6] == [
        "AWS/ApiGateway",
        "Latency",
        "ApiName",
        "legacy-shop",
        "Stage",
        "api",
    ]


def test_alarm_topic_overrides_reach_the_topic():
    stack = synthesize(lambda: AlarmTopic("alarms", AlarmTopicArgs(topic_overrides={"display_name": "On call"})))
    topic = stack.one("aws:sns/topic:Topic", within="alarms")
    assert topic.input("displayName") == "On call"
    assert topic.input("kmsMasterKeyId") == stack.one("aws:kms/key:Key", within="alarms").output("arn")


def test_an_unencrypted_alarm_topic_warns_and_the_pack_flags_it():
    with logged() as lines:
        stack = synthesize(lambda: AlarmTopic("alarms", AlarmTopicArgs(topic_overrides={"kms_master_key_id": None})))
    assert any(
        "AlarmTopicArgs.topic_overrides['kms_master_key_id'] = None" in line and "sns-encryption will flag it" in line
        for line in lines.at("WARNING")
    )
    assert [d.name for d in stack.preview().of("sns-encryption")] == ["alarms-topic"]


def charted_queues(stack, title):
    body = json.loads(stack.one(DASHBOARD, within="ops").input("dashboardBody"))
    (widget,) = [w for w in body["widgets"] if w["properties"]["title"] == title]
    return sorted(metric[3] for metric in widget["properties"]["metrics"])


@pytest.fixture(scope="module")
def existing_queues():
    def program():
        consumed = sqs.Queue("legacy-orders", name="legacy-orders")
        function_args = ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])
        processor = QueueProcessor(
            "worker", QueueProcessorArgs(function=function_args, existing_queue=ExistingQueue(queue=consumed))
        )
        failures = ExistingQueue(
            arn="arn:aws:sqs:us-east-1:123456789012:shared-failures",
            url="https://sqs.us-east-1.amazonaws.com/123456789012/shared-failures",
        )
        notifier = ServerlessFunction(
            "notifier",
            ServerlessFunctionArgs(
                handler="shared.config.handler",
                code=["lambdas/shared"],
                async_invoke=AsyncInvokeArgs(existing_dlq=failures),
            ),
        )
        Dashboard("ops", DashboardArgs(components=[processor, notifier]))

    return synthesize(program)


def test_an_existing_consumed_queue_is_charted_as_a_queue_not_a_dlq(existing_queues):
    assert charted_queues(existing_queues, "Queue depth") == ["legacy-orders"]
    assert "legacy-orders" not in charted_queues(existing_queues, "Dead-letter queue depth")


def test_the_dlq_made_for_an_existing_queue_and_a_functions_existing_dlq_are_charted_as_dlqs(existing_queues):
    dlq = existing_queues.named("worker-dlq", "aws:sqs/queue:Queue").output("name")
    assert charted_queues(existing_queues, "Dead-letter queue depth") == sorted([dlq, "shared-failures"])


def existing_failure_queue(name: str) -> ExistingQueue:
    return ExistingQueue(
        arn=f"arn:aws:sqs:us-east-1:123456789012:{name}", url=f"https://sqs.us-east-1.amazonaws.com/123456789012/{name}"
    )


def test_a_schedules_existing_dlq_is_charted_as_a_dlq():
    def program():
        job = ScheduledJob(
            "nightly",
            ScheduledJobArgs(
                schedule="rate(1 hour)",
                kind="rule",
                existing_function=ExistingFunction(arn="arn:aws:lambda:us-east-1:123456789012:function:legacy"),
                existing_dlq=existing_failure_queue("missed-runs"),
            ),
        )
        Dashboard("ops", DashboardArgs(components=[job]))

    assert charted_queues(synthesize(program), "Dead-letter queue depth") == ["missed-runs"]


def test_a_fanouts_existing_delivery_dlq_is_charted_as_a_dlq():
    def program():
        subscriber = Subscriber(
            name="a", queue=QueueArgs(), existing_delivery_dlq=existing_failure_queue("undelivered")
        )
        Dashboard("ops", DashboardArgs(components=[FanOut("events", FanOutArgs(subscribers=[subscriber]))]))

    charted = charted_queues(synthesize(program), "Dead-letter queue depth")
    assert "undelivered" in charted
