"""run_policies sends the analyzer what the CLI sends, and leaves the Pulumi runtime as it found it."""

from __future__ import annotations

import dataclasses
import os
import time
from typing import Any

import pulumi
import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicySession, load_pack, run_policies
from pulumi_wasp.synthesis import FakeCloud, Synthesis, synthesize_inline


class Bundle(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("tests:index:Bundle", name)
        aws.sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def program() -> None:
    Bundle("bundle")


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synthesize_inline(program, FakeCloud(), config={"aws:region": "us-east-1"})


class RecordingServicer:
    """The pack's servicer, with a log of the requests it received."""

    def __init__(self, servicer: Any) -> None:
        self.servicer = servicer
        self.analyzed: list[str] = []
        self.stack_types: list[str] = []

    def Analyze(self, request: Any, context: Any) -> Any:
        self.analyzed.append(request.type)
        return self.servicer.Analyze(request, context)

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        self.stack_types = [r.type for r in request.resources]
        return self.servicer.AnalyzeStack(request, context)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.servicer, name)


def test_every_registration_is_analyzed_like_the_cli_does_root_and_components_included(stack: Synthesis) -> None:
    pack = load_pack()
    recorder = RecordingServicer(pack.servicer)
    run_policies(stack, None, dataclasses.replace(pack, servicer=recorder))
    expected = ["pulumi:pulumi:Stack", "tests:index:Bundle", "aws:sqs/queue:Queue"]
    assert recorder.analyzed == expected
    assert recorder.stack_types == expected


def test_pulumi_runtime_variables_are_hidden_from_the_pack_and_restored(
    stack: Synthesis, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in {"PULUMI_PROJECT": "other", "PULUMI_STACK": "other", "PULUMI_DRY_RUN": "true"}.items():
        monkeypatch.setenv(name, value)
    report = run_policies(stack)
    assert os.environ["PULUMI_PROJECT"] == "other"
    assert pulumi.get_project() == "test"  # pulumi_policy did not reconfigure the runtime
    assert "bundle-queue" in {d.name for d in report.mandatory}


class SlowServicer(RecordingServicer):
    """The pack's servicer, a quarter of a second slower over the first resource it analyzes."""

    def Analyze(self, request: Any, context: Any) -> Any:
        if not self.analyzed:
            time.sleep(0.25)
        return super().Analyze(request, context)


def test_the_packs_time_is_in_the_report_and_left_out_of_the_programs() -> None:
    pack = load_pack()
    session = PolicySession(dataclasses.replace(pack, servicer=SlowServicer(pack.servicer)))
    synthesis = synthesize_inline(program, FakeCloud(), config={"aws:region": "us-east-1"}, analyzer=session)
    report = session.finish(synthesis)
    assert report.seconds >= 0.25
    assert 0 <= synthesis.seconds < 0.25
