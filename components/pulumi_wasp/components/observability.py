"""Dashboard: one CloudWatch dashboard for the stack, built from the components passed to it.

The dashboard finds what to chart inside the components (functions, queues and their DLQs,
APIs, state machines, streams and stream consumers), so adding a component to the list is
all it takes. Every dead-letter queue a component holds is charted, including those no Queue
component owns: a function's async DLQ, a FanOut's delivery DLQs (``delivery_dlqs``), an
EventRouter's rule DLQs (``dlqs``, and a rule's ``existing_dlq``), a schedule's DLQ (its ``existing_dlq`` too), a
FanOut's ``existing_delivery_dlq``. A stream consumer's on-failure queue (a StreamProcessor's,
an EventStore projection's) has charts of its own: its depth and the age of its oldest entry, what an operator
re-drives (see stream_redrive).

It creates no alarms: every alarm of the Well-Architected defaults is created by the component
it belongs to (function errors and throttles, DLQ depth, saga executions, stream iterator age
and read throttling, on-failure depth and oldest entry) and notifies the stack's alarm topic.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import cloudwatch, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.event_router import EventRouter
from pulumi_wasp.components.fanout import FanOut
from pulumi_wasp.components.function import ServerlessFunction, aws_region
from pulumi_wasp.components.queue import ExistingQueue, Queue
from pulumi_wasp.components.queue_processor import QueueProcessor
from pulumi_wasp.components.rest_api import RestApi
from pulumi_wasp.components.saga import Saga
from pulumi_wasp.components.scheduled_job import ScheduledJob
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.queues import queue_name_of
from pulumi_wasp.components.shared.tokens import component_type
from pulumi_wasp.components.stream_processor import StreamConsumer, StreamProcessor

#: Widgets are laid out two per row.
WIDGET_WIDTH, WIDGET_HEIGHT = 12, 6


@dataclass
class Charted:
    """What the dashboard found in the components, in the order it found it."""

    functions: list[pulumi.Output[str]] = field(default_factory=list)
    queues: list[pulumi.Output[str]] = field(default_factory=list)
    dlqs: list[pulumi.Output[str]] = field(default_factory=list)
    apis: list[tuple[pulumi.Output[str], pulumi.Output[str]]] = field(default_factory=list)
    state_machines: list[pulumi.Output[str]] = field(default_factory=list)
    streams: list[pulumi.Output[str]] = field(default_factory=list)
    stream_consumers: list[pulumi.Output[str]] = field(default_factory=list)
    on_failure_queues: list[pulumi.Output[str]] = field(default_factory=list)


def _children(value: Any) -> Iterator[Any]:
    if isinstance(value, dict):
        yield from value.values()
    elif isinstance(value, (list, tuple)):
        yield from value
    elif isinstance(value, pulumi.ComponentResource):
        yield from vars(value).values()
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from (getattr(value, f.name) for f in dataclasses.fields(value))


def discover(components: Sequence[Any]) -> Charted:
    """Walk the components (and what they hold: child components, dicts, lists, dataclasses)."""
    found, seen = Charted(), set()
    frontier = list(reversed(components))
    while frontier:
        value = frontier.pop()
        if id(value) in seen or isinstance(value, (str, bytes, pulumi.Output)):
            continue
        seen.add(id(value))
        if isinstance(value, ServerlessFunction):
            found.functions.append(value.name)
            if value.dlq is None and value.dlq_url is not None:
                found.dlqs.append(queue_name_of(value.dlq_url))  # an existing DLQ of its failed async events
        elif isinstance(value, QueueProcessor) and value.existing_queue is not None:
            if not isinstance(value.existing_queue.queue, Queue):  # a Queue component charts itself, below
                found.queues.append(value.name)  # the DLQ created for it, if any, is found as a bare queue
        elif isinstance(value, ExistingQueue):
            # A queue a component was given: charted by what consumes it (above), never as a DLQ.
            if isinstance(value.queue, Queue):
                frontier.append(value.queue)
            continue
        elif isinstance(value, Queue):
            found.queues.append(value.name)
            found.dlqs.append(value.dlq_name)
            continue  # its own queues are charted: nothing else inside
        elif isinstance(value, RestApi):
            found.apis.append((value.name, value.stage.stage_name))
        elif isinstance(value, Saga):
            found.state_machines.append(value.arn)
        elif isinstance(value, (StreamProcessor, StreamConsumer)):
            if isinstance(value, StreamProcessor):
                found.streams.append(value.name)
            found.stream_consumers.append(value.function_name)
            found.on_failure_queues.append(value.on_failure_name)
            if value.on_failure is not None:
                seen.add(id(value.on_failure))  # charted as an on-failure queue, not again as a DLQ
        elif isinstance(value, ScheduledJob):
            # An existing DLQ of undelivered runs (its function's own, when it shares it, is charted with it).
            shared = value.function is not None and value.dlq_url is value.function.dlq_url
            if value.dlq is None and value.dlq_url is not None and not shared:
                found.dlqs.append(queue_name_of(value.dlq_url))
        elif isinstance(value, FanOut):
            found.dlqs.extend(value.existing_delivery_dlq_names.values())  # those it created are bare queues
        elif isinstance(value, EventRouter):
            # Its rules' existing DLQs; those it created are bare queues in ``dlqs``, found below.
            found.dlqs.extend(value.dlq_name(rule) for rule in value.dlq_urls if rule not in value.dlqs)
        elif isinstance(value, sqs.Queue):
            # Bare queues held by components (directly or in dicts such as FanOut.delivery_dlqs
            # and EventRouter.dlqs) are their DLQs and on-failure destinations.
            found.dlqs.append(value.name)
        frontier.extend(reversed(list(_children(value))))
    return found


def _metric(namespace: str, metric: str, dimension: str, value: pulumi.Input[str], stat: str) -> list[Any]:
    return [namespace, metric, dimension, value, {"stat": stat}]


def widgets(found: Charted, region: str, period: int) -> list[dict[str, Any]]:
    """The dashboard's metric widgets (values may be Outputs); empty charts are left out."""

    def lambda_metric(metric: str, stat: str) -> list[list[Any]]:
        return [_metric("AWS/Lambda", metric, "FunctionName", function, stat) for function in found.functions]

    def sqs_metric(queues: list[pulumi.Output[str]], metric: str) -> list[list[Any]]:
        return [_metric("AWS/SQS", metric, "QueueName", queue, "Maximum") for queue in queues]

    def api_metric(metric: str, stat: str) -> list[list[Any]]:
        return [["AWS/ApiGateway", metric, "ApiName", api, "Stage", stage, {"stat": stat}] for api, stage in found.apis]

    kinesis_age = "GetRecords.IteratorAgeMilliseconds"
    stream_age = [_metric("AWS/Kinesis", kinesis_age, "StreamName", stream, "Maximum") for stream in found.streams]
    charts: list[tuple[str, list[list[Any]]]] = [
        (
            "API requests and errors",
            [*api_metric("Count", "Sum"), *api_metric("4XXError", "Sum"), *api_metric("5XXError", "Sum")],
        ),
        ("API latency p99", api_metric("Latency", "p99")),
        ("Lambda invocations", lambda_metric("Invocations", "Sum")),
        ("Lambda errors", lambda_metric("Errors", "Sum")),
        ("Lambda throttles", lambda_metric("Throttles", "Sum")),
        ("Lambda duration p99", lambda_metric("Duration", "p99")),
        ("Lambda concurrent executions", lambda_metric("ConcurrentExecutions", "Maximum")),
        ("Queue depth", sqs_metric(found.queues, "ApproximateNumberOfMessagesVisible")),
        ("Oldest message age", sqs_metric(found.queues, "ApproximateAgeOfOldestMessage")),
        ("Dead-letter queue depth", sqs_metric(found.dlqs, "ApproximateNumberOfMessagesVisible")),
        ("Stream on-failure depth", sqs_metric(found.on_failure_queues, "ApproximateNumberOfMessagesVisible")),
        ("Stream on-failure oldest entry age", sqs_metric(found.on_failure_queues, "ApproximateAgeOfOldestMessage")),
        (
            "Saga executions",
            [
                _metric("AWS/States", metric, "StateMachineArn", machine, "Sum")
                for machine in found.state_machines
                for metric in ("ExecutionsStarted", "ExecutionsSucceeded", "ExecutionsFailed", "ExecutionsTimedOut")
            ],
        ),
        (
            "Stream iterator age",
            [
                *stream_age,
                *[_metric("AWS/Lambda", "IteratorAge", "FunctionName", f, "Maximum") for f in found.stream_consumers],
            ],
        ),
    ]
    charted = [(title, metrics) for title, metrics in charts if metrics]
    return [
        {
            "type": "metric",
            "x": (index % 2) * WIDGET_WIDTH,
            "y": (index // 2) * WIDGET_HEIGHT,
            "width": WIDGET_WIDTH,
            "height": WIDGET_HEIGHT,
            "properties": {
                "title": title,
                "metrics": metrics,
                "region": region,
                "period": period,
                "view": "timeSeries",
            },
        }
        for index, (title, metrics) in enumerate(charted)
    ]


@dataclass(kw_only=True)
class DashboardArgs:
    """Arguments of :class:`Dashboard`."""

    #: The components to chart (lists and dicts of them too); what they hold is found inside.
    components: Sequence[Any]
    #: defaults.ALARM_PERIOD_SECONDS (300): charts aggregate over the period the alarms evaluate.
    period_seconds: int = defaults.ALARM_PERIOD_SECONDS
    context: StackContext | None = None
    #: Keyword arguments of ``aws.cloudwatch.Dashboard`` merged over the dashboard's defaults (e.g. its
    #: ``dashboard_name``; a ``dashboard_body`` replaces the widgets found in the components).
    overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not self.components:
            raise ValueError("DashboardArgs.components is empty: pass the components to chart")
        if self.period_seconds not in (1, 5, 10, 30) and self.period_seconds % 60:
            raise ValueError(
                f"DashboardArgs.period_seconds must be 1, 5, 10, 30 or a multiple of 60, got {self.period_seconds}",
            )


class Dashboard(pulumi.ComponentResource):
    """A CloudWatch dashboard of the stack's APIs, functions, queues, DLQs, sagas and streams.

    Outputs: ``arn`` and ``name`` are the dashboard's (``dashboard_name`` until 0.2.0, a component output
    only).

    Example::

        Dashboard("order-platform", DashboardArgs(components=[api, orders_api, invoice_tasks, order_events,
                                                               saga, clickstream, event_store]))

    There is no existing-dashboard path: the body is what the component makes, from the components it is given.
    """

    dashboard: cloudwatch.Dashboard
    charted: Charted
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("observability", "Dashboard", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        self.charted = discover(args.components)
        body = {"widgets": widgets(self.charted, aws_region(), args.period_seconds)}
        dashboard_defaults = {
            "dashboard_name": context.physical_name(name, names.DASHBOARD),
            "dashboard_body": pulumi.Output.json_dumps(body),
        }
        self.dashboard = children.create(
            cloudwatch.Dashboard,
            f"{name}-dashboard",
            dashboard_defaults,
            args.overrides,
            arg="DashboardArgs.overrides",
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.arn, self.name = self.dashboard.dashboard_arn, self.dashboard.dashboard_name
        self.register_outputs({"arn": self.arn, "name": self.name})
