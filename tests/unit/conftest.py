"""Helpers for component tests: synthesize a small inline program and look up its records."""

from __future__ import annotations

import contextlib
import json
import logging
from collections.abc import Callable, Iterator
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


class LogLines(logging.Handler):
    """The lines a program logs through pulumi.log (the mocks' engine writes them to ``synthesis.engine``)."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.lines: list[tuple[str, str]] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.lines.append((record.levelname, record.getMessage()))

    def at(self, level: str) -> list[str]:
        return [message for severity, message in self.lines if severity == level]


@contextlib.contextmanager
def logged() -> Iterator[LogLines]:
    """Collect what the programs synthesized inside the block log, at every level."""
    lines = LogLines()
    logger = logging.getLogger("synthesis.engine")
    previous = logger.level
    logger.addHandler(lines)
    logger.setLevel(logging.DEBUG)
    try:
        yield lines
    finally:
        logger.removeHandler(lines)
        logger.setLevel(previous)
