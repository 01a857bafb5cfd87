"""Dashboard: charts found inside the components; every alarm of defaults.md comes from its component."""

from __future__ import annotations

import json

import pytest

from pulumi_wasp.components.observability import Charted, DashboardArgs, widgets
from tests.unit.components.synth_helpers import synth_program, synthesis_error
from tests.unit.conftest import one, within

DASHBOARD = "aws:cloudwatch/dashboard:Dashboard"
ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"


@pytest.fixture(scope="module")
def stack():
    return synth_program("observability")


def charts(stack, name="ops"):
    body = json.loads(one(stack, name, DASHBOARD).inputs["dashboardBody"])
    return {widget["properties"]["title"]: widget for widget in body["widgets"]}


def charted(stack, title, name="ops"):
    """The dimension values of a chart's metrics (the 4th element of each metric array)."""
    return [metric[3] for metric in charts(stack, name)[title]["properties"]["metrics"]]


def names(stack, type_, key="name"):
    return [r.outputs[key] for r in stack.of_type(type_)]


def test_the_dashboard_is_named_after_the_stack(stack):
    assert one(stack, "ops", DASHBOARD).inputs["dashboardName"] == "observability-test-dev-ops"


def test_every_function_of_the_components_is_charted_for_invocations_errors_throttles_duration_and_concurrency(stack):
    functions = sorted(names(stack, "aws:lambda/function:Function"))
    for title in (
        "Lambda invocations",
        "Lambda errors",
        "Lambda throttles",
        "Lambda duration p99",
        "Lambda concurrent executions",
    ):
        assert sorted(charted(stack, title)) == functions, title


def main_queues(stack):
    return [stack.named(name, "aws:sqs/queue:Queue").outputs["name"] for name in ("tasks-queue", "events-audit-queue")]


def test_queues_are_charted_for_depth_and_oldest_message_age(stack):
    assert charted(stack, "Queue depth") == main_queues(stack)
    assert charted(stack, "Oldest message age") == charted(stack, "Queue depth")


def on_failure_queues(stack):
    return [stack.named(f"{n}-on-failure-dlq", "aws:sqs/queue:Queue").outputs["name"] for n in ("clicks", "store-view")]


def test_every_dead_letter_queue_is_charted(stack):
    dlqs = sorted(
        n for n in names(stack, "aws:sqs/queue:Queue") if n not in main_queues(stack) + on_failure_queues(stack)
    )
    assert sorted(charted(stack, "Dead-letter queue depth")) == dlqs


def test_every_stream_on_failure_queue_is_charted_for_depth_and_oldest_entry_age(stack):
    depth = charts(stack)["Stream on-failure depth"]["properties"]["metrics"]
    age = charts(stack)["Stream on-failure oldest entry age"]["properties"]["metrics"]
    assert [m[3] for m in depth] == [m[3] for m in age] == on_failure_queues(stack)
    assert {m[1] for m in depth} == {"ApproximateNumberOfMessagesVisible"}
    assert {m[1] for m in age} == {"ApproximateAgeOfOldestMessage"}
    assert {json.dumps(m[-1]) for m in depth + age} == {json.dumps({"stat": "Maximum"})}


def test_fanout_delivery_dlqs_and_event_router_rule_dlqs_are_charted(stack):
    dlqs = charted(stack, "Dead-letter queue depth")
    for dlq in ("events-audit-delivery-dlq", "bus-charge-dlq"):
        assert stack.named(dlq, "aws:sqs/queue:Queue").outputs["name"] in dlqs, dlq
    assert len(dlqs) == len(set(dlqs))


def test_the_api_is_charted_for_requests_errors_and_latency_of_its_stage(stack):
    metrics = charts(stack)["API requests and errors"]["properties"]["metrics"]
    assert [m[1] for m in metrics] == ["Count", "4XXError", "5XXError"]
    api_name = one(stack, "shop", "aws:apigateway/restApi:RestApi").outputs["name"]
    assert {(m[2], m[3], m[4], m[5]) for m in metrics} == {("ApiName", api_name, "Stage", "api")}
    assert charts(stack)["API latency p99"]["properties"]["metrics"][0][-1] == {"stat": "p99"}


def test_state_machines_are_charted_for_started_succeeded_failed_and_timed_out_executions(stack):
    metrics = charts(stack)["Saga executions"]["properties"]["metrics"]
    machine = one(stack, "checkout", "aws:sfn/stateMachine:StateMachine").outputs["arn"]
    assert [m[1] for m in metrics] == [
        "ExecutionsStarted",
        "ExecutionsSucceeded",
        "ExecutionsFailed",
        "ExecutionsTimedOut",
    ]
    assert {m[3] for m in metrics} == {machine}


def test_stream_iterator_age_covers_kinesis_streams_and_every_stream_consumer(stack):
    metrics = charts(stack)["Stream iterator age"]["properties"]["metrics"]
    stream = one(stack, "clicks", "aws:kinesis/stream:Stream").outputs["name"]
    consumers = [
        stack.named(f"{n}-function", "aws:lambda/function:Function").outputs["name"] for n in ("clicks", "store-view")
    ]
    assert metrics[0][:4] == ["AWS/Kinesis", "GetRecords.IteratorAgeMilliseconds", "StreamName", stream]
    assert [m[3] for m in metrics[1:]] == consumers and {m[1] for m in metrics[1:]} == {"IteratorAge"}


def test_widgets_are_laid_out_two_per_row_in_the_region_over_5_minutes(stack):
    ordered = list(charts(stack).values())
    assert [(w["x"], w["y"]) for w in ordered[:4]] == [(0, 0), (12, 0), (0, 6), (12, 6)]
    assert {(w["width"], w["height"]) for w in ordered} == {(12, 6)}
    assert {(w["properties"]["region"], w["properties"]["period"]) for w in ordered} == {("eu-west-1", 300)}


def test_overrides_period_and_charts_only_what_the_components_hold(stack):
    tuned = charts(stack, "tuned")
    assert set(tuned) == {
        "Lambda invocations",
        "Lambda errors",
        "Lambda throttles",
        "Lambda duration p99",
        "Lambda concurrent executions",
        "Queue depth",
        "Oldest message age",
        "Dead-letter queue depth",
    }
    assert {w["properties"]["period"] for w in tuned.values()} == {60}


def test_widgets_chart_apis_by_name_and_stage():
    found = Charted(apis=[("shop", "api")], functions=["fn"])
    built = widgets(found, "us-east-1", 300)
    assert [w["properties"]["title"] for w in built][:2] == ["API requests and errors", "API latency p99"]
    assert built[0]["properties"]["metrics"][0] == [
        "AWS/ApiGateway",
        "Count",
        "ApiName",
        "shop",
        "Stage",
        "api",
        {"stat": "Sum"},
    ]


# -- alarms -------------------------------------------------------------------------------------
def alarms_on(stack, dimension, value):
    return {a.inputs["metricName"] for a in stack.of_type(ALARM) if a.inputs["dimensions"].get(dimension) == value}


def test_the_dashboard_adds_no_alarms(stack):
    assert within(stack, "ops", ALARM) == []


def test_every_alarm_of_the_defaults_exists_without_it(stack):
    for function in names(stack, "aws:lambda/function:Function"):
        assert alarms_on(stack, "FunctionName", function) == {"Errors", "Throttles"}, function
    for dlq in charted(stack, "Dead-letter queue depth"):
        assert alarms_on(stack, "QueueName", dlq) == {"ApproximateNumberOfMessagesVisible"}, dlq
    for queue in charted(stack, "Stream on-failure depth"):
        assert alarms_on(stack, "QueueName", queue) == {
            "ApproximateNumberOfMessagesVisible",
            "ApproximateAgeOfOldestMessage",
        }, queue
    machine = one(stack, "checkout", "aws:sfn/stateMachine:StateMachine").outputs["arn"]
    saga_alarms = alarms_on(stack, "StateMachineArn", machine)
    assert {"ExecutionsFailed", "ExecutionThrottled", "ExecutionsAborted"} <= saga_alarms
    stream = one(stack, "clicks", "aws:kinesis/stream:Stream").outputs["name"]
    assert alarms_on(stack, "StreamName", stream) == {
        "GetRecords.IteratorAgeMilliseconds",
        "ReadProvisionedThroughputExceeded",
    }


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (DashboardArgs(components=[]), "DashboardArgs.components is empty"),
        (
            DashboardArgs(components=["x"], period_seconds=90),
            "DashboardArgs.period_seconds must be 1, 5, 10, 30 or a multiple of 60",
        ),
    ],
)
def test_bad_args_are_rejected_naming_the_arg(args, message):
    with pytest.raises(ValueError, match=message):
        args.validate()


def test_bad_args_fail_the_synthesis():
    assert "DashboardArgs.components is empty" in synthesis_error("dashboard-without-components")
