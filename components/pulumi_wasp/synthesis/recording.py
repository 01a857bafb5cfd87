"""The recording resource monitor: what the Pulumi engine would have seen, per resource."""

from __future__ import annotations

import dataclasses
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime import Mocks
from pulumi.runtime.proto import resource_pb2

from pulumi_wasp.adapters.pulumi import MockMonitor, current_project, current_stack
from pulumi_wasp.synthesis.aliases import engine_aliases
from pulumi_wasp.synthesis.analyzer import Analyzer
from pulumi_wasp.synthesis.transforms import TransformEngine

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"
# The engine's wire sentinel for a value not known until the resource exists.
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"
# The engine's wire signature of a secret value: {SIGNATURE_KEY: SECRET_SIGNATURE, "value": ...}.
SIGNATURE_KEY = "4dabf18193072939515e22adb298388d"
SECRET_SIGNATURE = "1b47061264138c4ac30d75fd1eb44270"


def wire(struct: struct_pb2.Struct) -> dict[str, Any]:
    """A property struct as plain JSON in the engine's wire format (unknowns, secrets and
    archives keep their signature objects), exactly what the CLI hands a policy."""
    return json_format.MessageToDict(struct, preserving_proto_field_name=True)


@dataclass(frozen=True)
class EngineOptions:
    """The resource options the engine keeps in a resource's goal state, after every transform ran.

    ``None`` for the tri-state flags means the program left them unset (the engine's default applies).
    """

    protect: bool | None = None
    retain_on_delete: bool | None = None
    delete_before_replace: bool | None = None
    ignore_changes: tuple[str, ...] = ()
    replace_on_changes: tuple[str, ...] = ()
    additional_secret_outputs: tuple[str, ...] = ()
    hide_diffs: tuple[str, ...] = ()
    #: create / update / delete, as the duration strings the program gave.
    custom_timeouts: dict[str, str] = field(default_factory=dict)
    deleted_with: str = ""
    replace_with: tuple[str, ...] = ()
    provider: str = ""
    version: str = ""
    import_id: str = ""

    @classmethod
    def of(cls, request: resource_pb2.RegisterResourceRequest) -> EngineOptions:
        timeouts = request.customTimeouts
        return cls(
            protect=request.protect if request.HasField("protect") else None,
            retain_on_delete=request.retainOnDelete if request.HasField("retainOnDelete") else None,
            delete_before_replace=(
                request.deleteBeforeReplace
                if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace
                else None
            ),
            ignore_changes=tuple(request.ignoreChanges),
            replace_on_changes=tuple(request.replaceOnChanges),
            additional_secret_outputs=tuple(request.additionalSecretOutputs),
            hide_diffs=tuple(request.hideDiffs),
            custom_timeouts={
                key: value
                for key, value in (
                    ("create", timeouts.create),
                    ("update", timeouts.update),
                    ("delete", timeouts.delete),
                )
                if value
            },
            deleted_with=request.deletedWith,
            replace_with=tuple(request.replace_with),
            provider=request.provider,
            version=request.version,
            import_id=request.importId,
        )


@dataclass
class RecordedResource:
    """One registered resource as the engine sees it."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    id: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    #: The URNs the resource also answers to (its aliases, resolved as the engine resolves them):
    #: a resource whose URN changed keeps the state of the one it had.
    aliases: list[str] = field(default_factory=list)
    options: EngineOptions = field(default_factory=EngineOptions)

    @property
    def qualified_type(self) -> str:
        return self.urn.split("::")[2]


@dataclass
class Synthesis:
    """The result of one program run: resources in registration order and the stack outputs."""

    project: str
    stack: str
    resources: list[RecordedResource]
    stack_outputs: dict[str, Any]
    seconds: float = 0.0

    def __iter__(self) -> Iterator[RecordedResource]:
        return iter(self.resources)

    def __len__(self) -> int:
        return len(self.resources)

    def by_urn(self, urn: str) -> RecordedResource:
        for res in self.resources:
            if res.urn == urn:
                return res
        raise KeyError(f"no resource with URN {urn!r}")

    def of_type(self, type_: str) -> list[RecordedResource]:
        return [r for r in self.resources if r.type == type_]

    def named(self, name: str, type_: str | None = None) -> RecordedResource:
        """The one resource with this logical name (and type, when names repeat across types)."""
        found = [r for r in self.resources if r.name == name and (type_ is None or r.type == type_)]
        if len(found) != 1:
            raise KeyError(f"{len(found)} resources named {name!r} of type {type_ or 'any'}")
        return found[0]

    def children(self, parent: RecordedResource) -> list[RecordedResource]:
        return [r for r in self.resources if r.parent == parent.urn]

    def descendants(self, ancestor: RecordedResource) -> list[RecordedResource]:
        found: list[RecordedResource] = []
        frontier = [ancestor.urn]
        while frontier:
            urn = frontier.pop()
            for res in self.resources:
                if res.parent == urn:
                    found.append(res)
                    frontier.append(res.urn)
        return found


class RecordingMonitor(MockMonitor):
    """A MockMonitor that keeps every registration in the engine's own terms.

    Differences from the stock MockMonitor that matter to consumers: URNs carry the full parent
    type chain without the root stack's type (as the engine makes them, so URN patterns in
    policy config match the real CLI); inputs/outputs are kept in wire format; transforms run
    as the engine runs them, before the mocks and the records see the resource (see
    :mod:`~pulumi_wasp.synthesis.transforms`); additional secret outputs come back as secrets. With an
    ``analyzer`` (a policy pack), each registration goes through it after the transforms and before the mocks,
    as the engine sends it to ``--policy-pack``: the mocks create, and the records keep, the inputs it returns
    (see :mod:`~pulumi_wasp.synthesis.analyzer`).
    """

    def __init__(self, mocks: Mocks, analyzer: Analyzer | None = None) -> None:
        super().__init__(mocks)
        self.analyzer = analyzer
        self.transforms = TransformEngine()
        self.records: list[RecordedResource] = []
        self.stack_urn = ""
        self.stack_outputs: dict[str, Any] = {}
        self._lock = threading.Lock()

    def make_urn(self, parent: str, type_: str, name: str, *, stack: str = "", project: str = "") -> str:
        if parent:
            parent_type = parent.split("::")[2]
            if parent_type != ROOT_STACK_TYPE:
                type_ = f"{parent_type}${type_}"
        return f"urn:pulumi:{stack or self._stack()}::{project or self._project()}::{type_}::{name}"

    def _alias_urns(self, request: Any) -> list[str]:
        """Each alias as a URN, with those inherited from the parent's aliases, as the engine resolves them."""
        return engine_aliases(
            stack=self._stack(),
            project=self._project(),
            type_=request.type,
            name=request.name,
            parent=request.parent,
            specs=request.aliases,
            aliases_of=lambda urn: next((r.aliases for r in self.records if r.urn == urn), ()),
        )

    def RegisterResource(self, request):  # noqa: N802 - the gRPC method name
        if request.type == ROOT_STACK_TYPE:
            response = super().RegisterResource(request)
            # set_mocks registers a root stack of its own before the program's (run_in_stack) registers the same
            # URN again; the engine sees one root stack, so the analyzer is told of it once.
            seen, self.stack_urn = self.stack_urn == response.urn, response.urn
            if self.analyzer is not None and not seen:
                self.analyzer.register(
                    RecordedResource(ROOT_STACK_TYPE, request.name, response.urn, "", False, "", [], {}, {})
                )
            return response
        request = self.transforms.resource(request, self.make_urn(request.parent, request.type, request.name))
        pending = RecordedResource(
            type=request.type,
            name=request.name,
            urn=self.make_urn(request.parent, request.type, request.name),
            parent=request.parent,
            custom=bool(request.custom),
            id="",
            dependencies=list(request.dependencies),
            property_dependencies={key: list(deps.urns) for key, deps in request.propertyDependencies.items()},
            inputs=wire(request.object),
            aliases=self._alias_urns(request),
            options=EngineOptions.of(request),
        )
        if self.analyzer is not None:
            request = _with_inputs(request, pending, self.analyzer.register(pending))
        response = super().RegisterResource(request)
        _mark_secret(response.object, request.additionalSecretOutputs)
        record = dataclasses.replace(pending, urn=response.urn, id=response.id, outputs=wire(response.object))
        with self._lock:
            self.records.append(record)
        return response

    def RegisterResourceOutputs(self, request):  # noqa: N802 - the gRPC method name
        outputs = wire(request.outputs)
        with self._lock:
            if request.urn == self.stack_urn:
                self.stack_outputs = outputs
            else:
                for record in self.records:
                    if record.urn == request.urn:
                        record.outputs = outputs
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request):  # noqa: N802 - the gRPC method name
        return super().Invoke(self.transforms.invoke(request))

    # The engine keeps stack transforms itself; the mocks' register_transform hooks are not told, so a
    # Mocks written for the stock monitor cannot apply a transform a second time.
    def RegisterStackTransform(self, request):  # noqa: N802 - the gRPC method name
        self.transforms.register_stack(request)
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request):  # noqa: N802 - the gRPC method name
        self.transforms.register_stack_invoke(request)
        return empty_pb2.Empty()

    @staticmethod
    def _stack() -> str:
        return current_stack()

    @staticmethod
    def _project() -> str:
        return current_project()


def _with_inputs(request: Any, pending: RecordedResource, inputs: dict[str, Any]) -> Any:
    """``request`` creating the resource with ``inputs`` (``pending`` updated to match); itself when unchanged."""
    if inputs == pending.inputs:
        return request
    remediated = type(request)()
    remediated.CopyFrom(request)
    remediated.object.Clear()
    remediated.object.update(inputs)
    pending.inputs = wire(remediated.object)
    return remediated


def _mark_secret(outputs: struct_pb2.Struct, keys: Iterable[str]) -> None:
    """Wrap the named outputs as secrets, as the engine does for ``additional_secret_outputs``."""
    for key in keys:
        if key not in outputs.fields:
            continue
        value = outputs.fields[key]
        if value.HasField("struct_value") and SIGNATURE_KEY in value.struct_value.fields:
            continue  # already a secret (or another signed value the mocks returned on purpose)
        secret = struct_pb2.Struct()
        secret.fields[SIGNATURE_KEY].string_value = SECRET_SIGNATURE
        secret.fields["value"].CopyFrom(value)
        outputs.fields[key].struct_value.CopyFrom(secret)
