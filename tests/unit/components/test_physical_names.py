"""Every physical name every component derives fits AWS's rules for any project and stack name.

Each component program (and the reference system) is synthesized under a 60-character project and
a long stack name; every physical-name input of every resource, or the auto-name Pulumi would give
it (``<logical name>-`` and 7 random characters), is checked against the one table of AWS's rules.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from pulumi_wasp.components.shared.names import AUTO_NAME_SUFFIX, NAME_RULES, NO_PHYSICAL_NAME, PREFIX_RANDOM_LENGTH
from pulumi_wasp.synthesis import FakeCloud, StackConfig, Synthesis, synthesize
from tests.unit.components.synth_helpers import PROGRAMS

REPO = Path(__file__).resolve().parents[3]
LONG_PROJECT = "p" * 20 + "-order-platform-with-a-very-long-project-name"[: 60 - 20]
LONG_STACK = "production-eu-west-1-blue-green-canary"
PROGRAM_DIRS = {"reference": REPO, **{p.name: p for p in sorted(PROGRAMS.iterdir()) if p.name != "bad_args"}}
FIFO_FLAGS = {"aws:sqs/queue:Queue": "fifoQueue", "aws:sns/topic:Topic": "fifoTopic"}


def _synthesize_long(program_dir: Path) -> Synthesis:
    loaded = StackConfig.load(program_dir, "dev")
    values = {
        (f"{LONG_PROJECT}:{key.split(':', 1)[1]}" if key.startswith(f"{loaded.project}:") else key): value
        for key, value in loaded.values.items()
    }
    secrets = tuple(f"{LONG_PROJECT}:{key.split(':', 1)[1]}" for key in loaded.secret_keys)
    config = replace(loaded, project=LONG_PROJECT, stack=LONG_STACK, values=values, secret_keys=secrets)
    return synthesize(config, FakeCloud.for_stack(config))


def name_problems(stack: Synthesis) -> list[str]:
    problems = []
    for resource in stack:
        if not resource.custom or resource.type in NO_PHYSICAL_NAME:
            continue
        if resource.type not in NAME_RULES:
            problems.append(f"{resource.name}: {resource.type} is in neither NAME_RULES nor NO_PHYSICAL_NAME")
            continue
        prop, rule, auto_named = NAME_RULES[resource.type]
        name = resource.inputs.get(prop)
        prefix = resource.inputs.get(f"{prop}Prefix")
        if name is None and isinstance(prefix, str):
            name = prefix + "x" * PREFIX_RANDOM_LENGTH
        elif name is None and auto_named:
            name = f"{resource.name}-{'x' * (AUTO_NAME_SUFFIX - 1)}"
            name = name.lower() if rule.lowercase else name
        if not isinstance(name, str):
            problems.append(f"{resource.name}: {prop} is not set and {resource.type} is not auto-named")
            continue
        problem = rule.problem(name, suffixed=bool(resource.inputs.get(FIFO_FLAGS.get(resource.type, ""))))
        if problem:
            problems.append(f"{resource.name} ({resource.type}) {prop}={name!r}: {problem}")
        prefix = resource.inputs.get("namePrefix")
        if resource.type == "aws:iam/role:Role" and isinstance(prefix, str) and len(prefix) > 38:
            problems.append(f"{resource.name}: IAM role name_prefix has at most 38 characters, got {len(prefix)}")
    return problems


def test_the_long_names_are_as_long_as_pulumi_allows() -> None:
    assert len(LONG_PROJECT) == 60 and len(LONG_STACK) > 30


@pytest.mark.parametrize("program", list(PROGRAM_DIRS), ids=list(PROGRAM_DIRS))
def test_every_physical_name_fits_awss_rules_under_a_long_project_and_stack_name(program: str) -> None:
    assert name_problems(_synthesize_long(PROGRAM_DIRS[program])) == []


def _components_named(prefix: str) -> None:
    # Every component whose children rely on auto-naming, each under a name starting with ``prefix``.
    import pulumi

    from pulumi_wasp.components import (
        AlarmTopic,
        BucketProcessor,
        BucketProcessorArgs,
        Dashboard,
        DashboardArgs,
        EventRouter,
        EventRouterArgs,
        EventRule,
        EventStore,
        EventStoreArgs,
        FanOut,
        FanOutArgs,
        LambdaTarget,
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
        ServerlessFunction,
        Step,
        StreamProcessor,
        StreamProcessorArgs,
        Subscriber,
        Table,
        TableArgs,
    )
    from tests.unit.components.synth_helpers import function_args

    worker = ServerlessFunction(f"{prefix}-fn", function_args())
    Queue(f"{prefix}-q", QueueArgs(fifo=True))
    QueueProcessor(f"{prefix}-qp", QueueProcessorArgs(function=function_args()))
    Table(f"{prefix}-t", TableArgs(hash_key="id"))
    SecureBucket(f"{prefix}-b")
    FanOut(f"{prefix}-f", FanOutArgs(subscribers=[Subscriber(name="all", queue=QueueArgs())]))
    rule = EventRule(name="placed", event_pattern={"source": ["orders"]}, targets=[LambdaTarget(worker.function)])
    EventRouter(f"{prefix}-r", EventRouterArgs(rules=[rule]))
    api = ServerlessFunction(f"{prefix}-api-fn", function_args(behind_api=True))
    routes = [Route("GET", "/", api)]
    RestApi(f"{prefix}-api", RestApiArgs(routes=routes, manage_account_log_role=True))
    step = Step(name="Work", function_arn=worker.function.arn, no_compensation="read only")
    Saga(f"{prefix}-saga", SagaArgs(steps=[step]))
    job = ScheduledJob(f"{prefix}-job", ScheduledJobArgs(schedule="rate(1 hour)", function=function_args()))
    AlarmTopic(f"{prefix}-alarms")
    clicks = StreamProcessor(f"{prefix}-s", StreamProcessorArgs(function=function_args()))
    EventStore(f"{prefix}-es", EventStoreArgs(projections=[Projection(name="view", function=function_args())]))
    BucketProcessor(f"{prefix}-bp", BucketProcessorArgs(function=function_args()))
    Dashboard(f"{prefix}-ops", DashboardArgs(components=[worker, clicks, job]))
    pulumi.export("done", True)


@pytest.mark.parametrize("length", [75, 250])
def test_every_physical_name_fits_awss_rules_under_long_component_names(length: int) -> None:
    from tests.unit.conftest import synth

    prefix = ("order-fulfilment-and-payment-reconciliation-" * 6)[:length]
    assert name_problems(synth(lambda: _components_named(prefix))) == []


def test_a_given_schema_name_too_long_fails_naming_the_arg_and_the_limit() -> None:
    from pulumi_wasp.components import EventSchema

    with pytest.raises(ValueError, match=r"EventSchema\('s+'\)\.name: EventBridge schema name has 1 to 385 characters"):
        EventSchema(name="s" * 386, content={})


def test_a_given_stage_name_too_long_fails_synthesis_naming_the_arg_and_the_limit() -> None:
    from tests.unit.components.synth_helpers import synthesis_error

    message = synthesis_error("api-with-a-long-stage-name")
    assert "RestApiArgs.stage_name: API Gateway stage name has 1 to 128 characters, got 129" in message
