"""One synthesized resource, read the way a test reads it."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from pulumi_wasp.synthesis.recording import RecordedResource
from pulumi_wasp.testing.errors import not_found
from pulumi_wasp.testing.wire import plain

PathStep = str | int


@dataclass(frozen=True, eq=False, repr=False)
class Resource:
    """A registered resource: its inputs and outputs in the engine's wire format (camelCase keys, secrets and
    unknowns as tagged objects: exactly what a policy receives) and read as plain values by path.

    Example::

        fn = stack.one("aws:lambda/function:Function", within="orders")
        assert fn.inputs["tracingConfig"] == {"mode": "Active"}        # wire format
        assert fn.input("environment", "variables", "TABLE_NAME") == table.output("name")
    """

    record: RecordedResource

    @property
    def type(self) -> str:
        """The type token, e.g. ``aws:sqs/queue:Queue`` or a component's ``pkg:module:Type``."""
        return self.record.type

    @property
    def name(self) -> str:
        """The logical name the program gave."""
        return self.record.name

    @property
    def urn(self) -> str:
        return self.record.urn

    @property
    def parent_urn(self) -> str:
        """The URN of the parent (the root stack's for a top-level resource)."""
        return self.record.parent

    @property
    def id(self) -> str:
        """The provider id the mocks answered (empty for a component)."""
        return self.record.id

    @property
    def custom(self) -> bool:
        """True for a cloud resource, False for a component."""
        return self.record.custom

    @property
    def inputs(self) -> dict[str, Any]:
        """The inputs in wire format, as ``pulumi preview`` hands them to a resource policy."""
        return self.record.inputs

    @property
    def outputs(self) -> dict[str, Any]:
        """The outputs in wire format (a component's are its registered outputs)."""
        return self.record.outputs

    @property
    def dependencies(self) -> list[str]:
        """The URNs this resource depends on (explicit ``depends_on`` and those its inputs came from)."""
        return self.record.dependencies

    def input(self, *path: PathStep) -> Any:
        """The plain value at ``path`` in the inputs: keys of objects, indexes of lists.

        Raises :class:`~pulumi_wasp.testing.NotFoundError` naming the step that is missing and the keys there.
        """
        return _walk(self, "input", plain(self.inputs), path)

    def output(self, *path: PathStep) -> Any:
        """The plain value at ``path`` in the outputs (see :meth:`input`)."""
        return _walk(self, "output", plain(self.outputs), path)

    def input_json(self, *path: PathStep) -> Any:
        """The input at ``path`` parsed as JSON: IAM policies, state machine definitions, filter policies."""
        value = self.input(*path)
        if not isinstance(value, str):
            raise TypeError(f"{self}: input {_dotted(path)} is {type(value).__name__}, not a JSON string")
        return json.loads(value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Resource) and other.urn == self.urn

    def __hash__(self) -> int:
        return hash(self.urn)

    def __str__(self) -> str:
        return f"{self.type} {self.name!r}"

    def __repr__(self) -> str:
        return f"<Resource {self}>"


def _walk(resource: Resource, kind: str, value: Any, path: tuple[PathStep, ...]) -> Any:
    if not path:
        raise TypeError(f"{resource}: {kind}() needs a path, e.g. {kind}('name')")
    for depth, step in enumerate(path):
        here = f"{resource}: {kind} {_dotted(path[: depth + 1])}"
        if isinstance(value, Mapping) and isinstance(step, str):
            if step not in value:
                at = f"{kind}s of {resource}" if depth == 0 else f"{kind} {_dotted(path[:depth])} of {resource}"
                raise not_found("key", step, value, where=f"in the {at}")
            value = value[step]
        elif isinstance(value, list) and isinstance(step, int):
            if not -len(value) <= step < len(value):
                raise IndexError(f"{here}: index out of range (the list has {len(value)} items)")
            value = value[step]
        else:
            raise TypeError(f"{here}: cannot step into {type(value).__name__} with {step!r}")
    return value


def _dotted(path: tuple[PathStep, ...]) -> str:
    return "".join(f"[{step}]" if isinstance(step, int) else f".{step}" for step in path).lstrip(".")
