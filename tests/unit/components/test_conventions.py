"""One convention for every component: ``(name, Args, opts)``; outputs ``arn``, ``name`` and, where AWS has one,
``url`` (attributes and registered outputs); renamed outputs and signatures warn; a component's ``tags`` reach every
taggable child, merged over the stack context's; every function a component creates alarms on its errors to the
alarm topic and is invoked by one principal."""

from __future__ import annotations

import inspect
from typing import Any

import pulumi
import pytest

from pulumi_wasp import components as wasp
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
    alarms = wasp.AlarmTopic("alarms", wasp.AlarmTopicArgs(tags=TAGS, context=wasp.StackContext(tags=CONTEXT_TAGS)))
    wasp.use_stack_context(wasp.StackContext(tags=CONTEXT_TAGS, alarm_topic_arn=alarms.arn))
    function = wasp.ServerlessFunction("handler", function_args(behind_api=True, tags=TAGS))
    hooks = wasp.WebhookReceiver(
        "hooks",
        wasp.WebhookReceiverArgs(
            path="/hooks",
            verifier=function_args(),
            processor=wasp.QueueProcessorArgs(function=function_args()),
            rotation=wasp.SecretRotationArgs(),
            tags=TAGS,
        ),
    )
    api = wasp.RestApi("api", wasp.RestApiArgs(routes=[wasp.Route("POST", "/items", function), hooks.route], tags=TAGS))
    saga = wasp.Saga(
        "saga",
        wasp.SagaArgs(
            steps=[
                wasp.Step(
                    name="Charge",
                    function_arn=function.arn,
                    compensation=wasp.Compensation(name="Refund", function_arn=function.arn),
                )
            ],
            tags=TAGS,
        ),
    )
    router = wasp.EventRouter(
        "bus",
        wasp.EventRouterArgs(
            rules=[
                wasp.EventRule(
                    name="placed", event_pattern={"source": ["shop"]}, targets=[wasp.StateMachineTarget(saga.arn)]
                )
            ],
            tags=TAGS,
        ),
    )
    fanout = wasp.FanOut(
        "events",
        wasp.FanOutArgs(
            subscribers=[wasp.Subscriber(name="audit", processor=wasp.QueueProcessorArgs(function=function_args()))],
            tags=TAGS,
        ),
    )
    store = wasp.EventStore(
        "store", wasp.EventStoreArgs(projections=[wasp.Projection(name="view", function=function_args())], tags=TAGS)
    )
    stream = wasp.StreamProcessor("clicks", wasp.StreamProcessorArgs(function=function_args(), tags=TAGS))
    job = wasp.ScheduledJob(
        "nightly", wasp.ScheduledJobArgs(function=function_args(), schedule="rate(1 day)", tags=TAGS)
    )
    rule_job = wasp.ScheduledJob(
        "hourly", wasp.ScheduledJobArgs(function=function_args(), schedule="rate(1 hour)", kind="rule", tags=TAGS)
    )
    uploads = wasp.BucketProcessor("uploads", wasp.BucketProcessorArgs(queue=wasp.QueueArgs(), tags=TAGS))
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
        "Queue": wasp.Queue("jobs", wasp.QueueArgs(tags=TAGS)),
        "QueueProcessor": wasp.QueueProcessor("work", wasp.QueueProcessorArgs(function=function_args(), tags=TAGS)),
        "SecureBucket": wasp.SecureBucket("assets", wasp.SecureBucketArgs(tags=TAGS)),
        "Table": wasp.Table("orders", wasp.TableArgs(hash_key="id", tags=TAGS)),
        "Dashboard": wasp.Dashboard(
            "ops", wasp.DashboardArgs(components=[api, saga, router, fanout, store, stream, uploads])
        ),
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


def test_every_function_a_component_creates_alarms_on_its_errors_to_the_alarm_topic(stack):
    topic = stack.named("alarms-topic").outputs["arn"]
    alarmed = {
        alarm.inputs["dimensions"]["FunctionName"]
        for alarm in stack.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")
        if alarm.inputs.get("metricName") == "Errors" and alarm.inputs.get("alarmActions") == [topic]
    }
    functions = {fn.outputs["name"] for fn in stack.of_type("aws:lambda/function:Function")}
    assert functions and functions - alarmed == set()


def test_every_function_a_component_creates_is_invoked_by_one_principal(stack):
    principals: dict[str, set[str]] = {}
    for permission in stack.of_type("aws:lambda/permission:Permission"):
        principals.setdefault(permission.inputs["function"], set()).add(permission.inputs["principal"])
    assert principals and {fn: p for fn, p in principals.items() if len(p) != 1} == {}
