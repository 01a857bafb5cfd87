"""The engine's analyzer hook: told of the stack, then of every registration before the mocks create it; the
inputs it returns are the ones the mocks create and the records keep."""

from __future__ import annotations

import threading
import time
from typing import Any

import pulumi
from pulumi.runtime.mocks import MockResourceArgs
from pulumi_aws import sqs

from pulumi_wasp.synthesis import FakeCloud, RecordedResource, synthesize_inline
from pulumi_wasp.synthesis.recording import ROOT_STACK_TYPE, SECRET_SIGNATURE, SIGNATURE_KEY


class Retaining:
    """An analyzer that sets every queue's retention to 14 days, and remembers what it was told."""

    def __init__(self) -> None:
        self.stack: tuple[str, str] | None = None
        self.seen: list[RecordedResource] = []
        self.seconds = 0.0

    def begin(self, project: str, stack: str) -> None:
        self.stack = (project, stack)

    def register(self, resource: RecordedResource) -> dict[str, Any]:
        self.seen.append(resource)
        if resource.type == "aws:sqs/queue:Queue":
            return {**resource.inputs, "messageRetentionSeconds": 1209600}
        return resource.inputs


class Recording(FakeCloud):
    """FakeCloud keeping the inputs each resource was created with."""

    def __init__(self) -> None:
        super().__init__()
        self.created: dict[str, dict[str, Any]] = {}

    def new_resource(self, args: MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        self.created[args.name] = dict(args.inputs)
        return super().new_resource(args)


def program() -> None:
    sqs.Queue("orders", visibility_timeout_seconds=30, tags={"token": pulumi.Output.secret("s3cr3t")})
    pulumi.export("ok", True)


def run(analyzer: Retaining | None) -> tuple[Any, Recording]:
    mocks = Recording()
    return synthesize_inline(program, mocks, project="proj", stack="dev", analyzer=analyzer), mocks


def test_the_analyzer_is_told_of_the_stack_then_of_the_root_stack_first() -> None:
    analyzer = Retaining()
    run(analyzer)
    assert analyzer.stack == ("proj", "dev")
    assert analyzer.seen[0].type == ROOT_STACK_TYPE
    assert analyzer.seen[0].urn == "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def test_the_analyzer_is_told_of_the_root_stack_once() -> None:
    analyzer = Retaining()
    run(analyzer)
    assert [r.type for r in analyzer.seen].count(ROOT_STACK_TYPE) == 1


def test_a_registration_reaches_the_analyzer_before_it_is_created() -> None:
    analyzer = Retaining()
    run(analyzer)
    (queue,) = (r for r in analyzer.seen if r.name == "orders")
    assert (queue.urn, queue.id, queue.outputs) == ("urn:pulumi:dev::proj::aws:sqs/queue:Queue::orders", "", {})
    assert queue.inputs["visibilityTimeoutSeconds"] == 30


def test_the_mocks_create_the_resource_with_the_inputs_the_analyzer_returned() -> None:
    _, mocks = run(Retaining())
    assert mocks.created["orders"]["messageRetentionSeconds"] == 1209600
    assert mocks.created["orders"]["visibilityTimeoutSeconds"] == 30


def test_the_record_keeps_the_returned_inputs_and_the_outputs_echo_them() -> None:
    stack, _ = run(Retaining())
    queue = stack.named("orders")
    assert queue.inputs["messageRetentionSeconds"] == 1209600
    assert queue.outputs["messageRetentionSeconds"] == 1209600


def test_a_secret_input_stays_secret_through_the_analyzer() -> None:
    stack, _ = run(Retaining())
    token = stack.named("orders").inputs["tags"]["token"]
    assert token == {SIGNATURE_KEY: SECRET_SIGNATURE, "value": "s3cr3t"}


def test_without_an_analyzer_the_inputs_are_the_programs() -> None:
    stack, mocks = run(None)
    assert "messageRetentionSeconds" not in stack.named("orders").inputs
    assert "messageRetentionSeconds" not in mocks.created["orders"]


class Slow(Retaining):
    """An analyzer that takes half a second over the root stack, and says so. Registrations arrive on several
    threads: it serializes them, as PolicySession does, so the time it reports is at most the time that passed."""

    def __init__(self) -> None:
        super().__init__()
        self.lock = threading.Lock()

    def register(self, resource: RecordedResource) -> dict[str, Any]:
        with self.lock:
            if resource.type == ROOT_STACK_TYPE and not any(r.type == ROOT_STACK_TYPE for r in self.seen):
                time.sleep(0.5)
                self.seconds += 0.5
            return super().register(resource)


def test_the_time_the_analyzer_reports_is_left_out_of_the_programs() -> None:
    stack, _ = run(Slow())
    assert 0 <= stack.seconds < 0.5


class SlowToBegin(Slow):
    """A Slow analyzer that also takes half a second to configure, before the program runs."""

    def begin(self, project: str, stack: str) -> None:
        super().begin(project, stack)
        time.sleep(0.5)
        self.seconds += 0.5


def test_the_analyzers_time_before_the_program_ran_is_not_left_out() -> None:
    stack, _ = run(SlowToBegin())
    assert 0 <= stack.seconds < 0.5
