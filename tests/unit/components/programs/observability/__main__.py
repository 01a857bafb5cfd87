"""A small stack of every charted kind of component, one dashboard over all of it, one tuned."""

from pulumi_wasp.components import (
    EventRouter,
    EventRouterArgs,
    EventRule,
    FanOut,
    FanOutArgs,
    LambdaTarget,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    ServerlessFunction,
    StackContext,
    Subscriber,
    use_stack_context,
)
from pulumi_wasp.components.event_store import EventStore, EventStoreArgs, Projection
from pulumi_wasp.components.observability import Dashboard, DashboardArgs
from pulumi_wasp.components.saga import Saga, SagaArgs, Step
from pulumi_wasp.components.scheduled_job import ScheduledJob, ScheduledJobArgs
from pulumi_wasp.components.stream_processor import StreamProcessor, StreamProcessorArgs
from tests.unit.components.synth_helpers import function_args

use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))

handler = ServerlessFunction("shop-handler", function_args(behind_api=True))
api = RestApi("shop", RestApiArgs(routes=[Route("GET", "/items", handler)]))
tasks = QueueProcessor("tasks", QueueProcessorArgs(function=function_args()))
checkout = Saga("checkout", SagaArgs(steps=[Step(name="Charge", function_arn=handler.arn, no_compensation="demo")]))
clicks = StreamProcessor("clicks", StreamProcessorArgs(function=function_args()))
store = EventStore("store", EventStoreArgs(projections=[Projection(name="view", function=function_args())]))
nightly = ScheduledJob("nightly", ScheduledJobArgs(function=function_args(), schedule="rate(1 day)"))
# Their DLQs belong to no Queue component: a subscription's delivery DLQ, a rule's target DLQ.
events = FanOut("events", FanOutArgs(subscribers=[Subscriber(name="audit", queue=QueueArgs())]))
bus = EventRouter(
    "bus",
    EventRouterArgs(
        rules=[EventRule(name="charge", event_pattern={"source": ["shop"]}, targets=[LambdaTarget(handler.arn)])]
    ),
)

Dashboard(
    "ops", DashboardArgs(components=[api, handler, [tasks], {"saga": checkout}, clicks, store, nightly, events, bus])
)
Dashboard("tuned", DashboardArgs(components=[tasks], period_seconds=60))
