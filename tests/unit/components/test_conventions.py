"""One convention for every component: ``(name, Args, opts)``; outputs ``arn``, ``name`` and, where AWS has one,
``url`` (attributes and registered outputs); renamed outputs and signatures warn; a component's ``tags`` reach every
taggable child, merged over the stack context's."""

from __future__ import annotations

import inspect
from typing import Any

import pulumi
import pytest

from pulumi_wasp.components import (
    AlarmTopic,
    AlarmTopicArgs,
    BucketProcessor,
    BucketProcessorArgs,
    Compensation,
    Dashboard,
    DashboardArgs,
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventStore,
    EventStoreArgs,
    FanOut,
    FanOutArgs,
    Projection,
    Queue,
    QueueArgs,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    Saga,
    SagaArgs,
    ScheduledJob,
    ScheduledJobArgs,
    SecureBucket,
    SecureBucketArgs,
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
from tests.unit.components.synth_helpers import function_args
from tests.unit.components.test_plain_mocks import COMPONENTS as ALL_COMPONENTS
from tests.unit.conftest import synth
from tests.unit.synthesis.test_fake_cloud import aws_class

TAGS = {"cost-centre": "conventions"}
CONTEXT_TAGS = {"team": "platform"}
#: AWS's URL-bearing principals: SQS queues and API stages.
WITH_URL = {"Queue", "QueueProcessor", "RestApi"}


def build() -> dict[str, pulumi.ComponentResource]:
    """One of each component, every one given ``TAGS``, under a context carrying ``CONTEXT_TAGS``."""
    alarms = AlarmTopic("alarms", AlarmTopicArgs(tags=TAGS, context=StackContext(tags=CONTEXT_TAGS)))
    use_stack_context(StackContext(tags=CONTEXT_TAGS, alarm_topic_arn=alarms.arn))
    function = ServerlessFunction("handler", function_args(behind_api=True, tags=TAGS))
    hooks = WebhookReceiver(
        "hooks",
        WebhookReceiverArgs(
            path="/hooks", verifier=function_args(), processor=QueueProcessorArgs(function=function_args()), tags=TAGS
        ),
    )
    api = RestApi("api", RestApiArgs(routes=[Route("POST", "/items", function), hooks.route], tags=TAGS))
    saga = Saga(
        "saga",
        SagaArgs(
            steps=[
                Step(
                    name="Charge",
                    function_arn=function.arn,
                    compensation=Compensation(name="Refund", function_arn=function.arn),
                )
            ],
            tags=TAGS,
        ),
    )
    router = EventRouter(
        "bus",
        EventRouterArgs(
            rules=[
                EventRule(name="placed", event_pattern={"source": ["shop"]}, targets=[StateMachineTarget(saga.arn)])
            ],
            tags=TAGS,
        ),
    )
    fanout = FanOut(
        "events",
        FanOutArgs(
            subscribers=[Subscriber(name="audit", processor=QueueProcessorArgs(function=function_args()))], tags=TAGS
        ),
    )
    store = EventStore(
        "store", EventStoreArgs(projections=[Projection(name="view", function=function_args())], tags=TAGS)
    )
    stream = StreamProcessor("clicks", StreamProcessorArgs(function=function_args(), tags=TAGS))
    job = ScheduledJob("nightly", ScheduledJobArgs(function=function_args(), schedule="rate(1 day)", tags=TAGS))
    rule_job = ScheduledJob(
        "hourly", ScheduledJobArgs(function=function_args(), schedule="rate(1 hour)", kind="rule", tags=TAGS)
    )
    uploads = BucketProcessor("uploads", BucketProcessorArgs(queue=QueueArgs(), tags=TAGS))
    return {
        "AlarmTopic": alarms,
        "ServerlessFunction": function,
        "WebhookReceiver": hooks,
        "RestApi": api,
        "Saga": saga,
        "EventRouter": router,
        "FanOut": fanout,
        "EventStore": store,
        "StreamProcessor": stream,
        "ScheduledJob": job,
        "ScheduledJob (rule)": rule_job,
        "BucketProcessor": uploads,
        "Queue": Queue("jobs", QueueArgs(tags=TAGS)),
        "QueueProcessor": QueueProcessor("work", QueueProcessorArgs(function=function_args(), tags=TAGS)),
        "SecureBucket": SecureBucket("assets", SecureBucketArgs(tags=TAGS)),
        "Table": Table("orders", TableArgs(hash_key="id", tags=TAGS)),
        "Dashboard": Dashboard("ops", DashboardArgs(components=[api, saga, router, fanout, store, stream, uploads])),
    }


BUILT: dict[str, pulumi.ComponentResource] = {}


@pytest.fixture(scope="module")
def stack():
    def program() -> None:
        BUILT.update(build())

    return synth(program)


#: Every component type (test_plain_mocks keeps the list), each built once by ``build``.
COMPONENTS = sorted(ALL_COMPONENTS)


def expected_outputs(component: str) -> list[str]:
    return ["arn", "name", "url"] if component in WITH_URL else ["arn", "name"]


@pytest.mark.parametrize("component", COMPONENTS)
def test_every_component_exposes_arn_name_and_url_where_aws_has_one(stack, component):
    instance = BUILT[component]
    kind = f":{type(instance).__name__}"
    (record,) = [r for r in stack if not r.custom and r.type.endswith(kind) and r.name == instance._name]
    for output in expected_outputs(component):
        assert isinstance(getattr(instance, output), pulumi.Output), output
        assert output in record.outputs, output
    if component not in WITH_URL:
        assert "url" not in record.outputs


def taggable(type_: str) -> bool:
    # The public __init__ is overloaded (*args, **kwargs); _internal_init names the resource's inputs.
    return "tags" in inspect.signature(aws_class(type_)._internal_init).parameters


def test_the_tag_check_sees_the_inputs_of_each_resource_type():
    assert taggable("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert not taggable("aws:iam/rolePolicy:RolePolicy")


def test_a_component_s_tags_reach_every_taggable_child_over_the_context_s(stack):
    untagged: list[str] = []
    checked = 0
    for resource in stack:
        if resource.custom and taggable(resource.type):
            checked += 1
            tags: Any = resource.inputs.get("tags") or {}
            if not (TAGS.items() <= tags.items() and CONTEXT_TAGS.items() <= tags.items()):
                untagged.append(f"{resource.type} {resource.name}: {tags}")
    assert checked > 50, "the program creates taggable resources"
    assert untagged == []


@pytest.mark.parametrize(
    ("component", "old", "new"),
    [("EventRouter", "bus_arn", "arn"), ("EventRouter", "bus_name", "name"), ("FanOut", "topic_arn", "arn")],
)
def test_a_renamed_output_keeps_its_old_name_as_a_warning_alias(stack, component, old, new):
    instance = BUILT[component]
    with pytest.warns(DeprecationWarning, match=rf"{component}.{old} is deprecated since 0.2.0: use {component}.{new}"):
        alias = getattr(instance, old)
    assert alias is getattr(instance, new)
