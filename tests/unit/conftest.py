"""Helpers for component tests: synthesize a small inline program and look up its records."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from pulumi_wasp.synthesis import FakeCloud, Synthesis, synthesize_inline
from pulumi_wasp.synthesis.recording import RecordedResource

REGION = "eu-west-1"


def synth(program: Callable[[], None], **config: str) -> Synthesis:
    """Run ``program`` as a Pulumi program in ``eu-west-1`` under realistic mocks."""
    return synthesize_inline(program, FakeCloud(region=REGION), config={"aws:region": REGION, **config})


def within(stack: Synthesis, component: str, type_: str) -> list[RecordedResource]:
    """Resources of ``type_`` under the component named ``component``."""
    owner = next(r for r in stack if r.name == component and not r.custom)
    return [r for r in stack.descendants(owner) if r.type == type_]


def one(stack: Synthesis, component: str, type_: str) -> RecordedResource:
    found = within(stack, component, type_)
    assert len(found) == 1, f"{len(found)} {type_} under {component}"
    return found[0]


def policy(resource: RecordedResource, key: str = "policy") -> dict[str, Any]:
    return json.loads(resource.inputs[key])
