"""What the deploy created, in the terms the runtime needs: functions with their code and
configuration, the event sources to poll, the APIs to serve, and what could not be created.

moto stays the source of truth for everything it models (queue attributes, rule targets,
subscriptions); the registry keeps only what moto does not run or what the runtime needs
quickly (a function's code folders, the mappings it polls).
"""

from __future__ import annotations

import functools
import re
import socket
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any


@dataclass
class AsyncConfig:
    """How Lambda retries an asynchronous invocation, and where a failed event goes."""

    max_retries: int = 2
    max_event_age_seconds: int = 21_600
    on_failure_arn: str | None = None


@dataclass
class FunctionSpec:
    name: str
    arn: str
    handler: str
    #: Archive root name → the folder on disk that is packaged under it.
    code: dict[str, Path]
    environment: dict[str, str]
    timeout_seconds: int
    memory_mb: int
    #: None: unreserved (the runtime still caps local concurrency).
    reserved_concurrency: int | None
    log_group: str
    logical_name: str
    async_config: AsyncConfig = field(default_factory=AsyncConfig)
    #: The customer-managed key of its environment variables (each invocation decrypts them), else None.
    kms_key_arn: str | None = None


#: The version an unqualified name invokes, and the one qualifier that is neither a version nor an alias.
LATEST = "$LATEST"

#: Invoke's FunctionName and Qualifier constraints (Lambda API reference, Invoke: "Request Syntax" / "URI Request
#: Parameters", https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html), as Lambda quotes them when it refuses
#: a value: a name (64 characters at most), ``name:qualifier``, a partial ARN ``<account>:function:<name>[:<qualifier>]``
#: or a full ARN, 170 characters at most.
FUNCTION_NAME_PATTERN = (
    r"(arn:(aws[a-zA-Z-]*)?:lambda:)?([a-z]{2}(-gov)?-[a-z]+-\d{1}:)?(\d{12}:)?(function:)?([a-zA-Z0-9-_\.]+)"
    r"(:(\$LATEST|[a-zA-Z0-9-_]+))?"
)
QUALIFIER_PATTERN = r"(|[a-zA-Z0-9$_-]+)"
_FUNCTION_NAME = re.compile(
    r"(?:arn:(?:aws[a-zA-Z-]*)?:lambda:)?(?:(?P<region>[a-z]{2}(?:-gov)?-[a-z]+-\d):)?(?:(?P<account>\d{12}):)?"
    r"(?:function:)?(?P<name>[a-zA-Z0-9_.-]+)(?::(?P<qualifier>\$LATEST|[a-zA-Z0-9_-]+))?"
)
_QUALIFIER = re.compile(r"[a-zA-Z0-9$_-]+")
_MAX_NAME, _MAX_ARN, _MAX_QUALIFIER = 64, 170, 128


class FunctionNameError(Exception):
    """Lambda's refusal of the function a request names, before anything runs: its error code and HTTP status
    (``lambda_error_code``, ``lambda_status``: what the moto adapter answers the caller with) and message."""

    lambda_error_code = "ServiceException"
    lambda_status = 500

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else self.lambda_error_code


class InvalidFunctionNameError(FunctionNameError, ValueError):
    """A FunctionName or Qualifier outside Invoke's constraints (Lambda's message quotes the value and pattern)."""

    lambda_error_code, lambda_status = "ValidationException", 400


class QualifierConflictError(FunctionNameError, ValueError):
    """A qualified name and a Qualifier that differ: Lambda does not pick one."""

    lambda_error_code, lambda_status = "InvalidParameterValueException", 400


class FunctionNotFoundError(FunctionNameError, KeyError):
    """No such function, version or alias: ``Function not found: <the ARN the request names>``."""

    lambda_error_code, lambda_status = "ResourceNotFoundException", 404


@dataclass(frozen=True)
class FunctionRef:
    """A function as a Lambda request names it: its name, the version or alias (None: unqualified, which invokes
    ``$LATEST``), and the region and account when the name was an ARN."""

    name: str
    qualifier: str | None = None
    region: str | None = None
    account: str | None = None

    def arn(self, region: str, account: str) -> str:
        """The ARN invoked (``context.invoked_function_arn``): qualified as named, in ``region`` and ``account`` unless
        the name carried its own."""
        base = f"arn:aws:lambda:{self.region or region}:{self.account or account}:function:{self.name}"
        return f"{base}:{self.qualifier}" if self.qualifier else base


@functools.lru_cache(maxsize=1024)  # every invocation parses the ARN it names, and a deployment names few
def parse_function_name(name_or_arn: str, qualifier: str | None = None) -> FunctionRef:
    """The function, version or alias a Lambda request names with ``FunctionName`` (any of Invoke's forms) and an
    optional ``Qualifier``, checked as Lambda checks them: InvalidFunctionNameError (ValidationException) for a value
    outside the constraints, QualifierConflictError (InvalidParameterValueException) when the name's qualifier and
    ``qualifier`` differ. Whether the function, version or alias exists is the caller's to check
    (:class:`FunctionNotFoundError`)."""
    found = _FUNCTION_NAME.fullmatch(name_or_arn)
    if found is None:
        raise InvalidFunctionNameError(
            _constraint(name_or_arn, "functionName", f"satisfy regular expression pattern: {FUNCTION_NAME_PATTERN}")
        )
    longest = _MAX_NAME if ":" not in name_or_arn else _MAX_ARN  # the 64 of a bare name, the 170 of any other form
    if len(name_or_arn) > longest:
        raise InvalidFunctionNameError(
            _constraint(name_or_arn, "functionName", f"have length less than or equal to {longest}")
        )
    if qualifier is not None:
        if not 1 <= len(qualifier) <= _MAX_QUALIFIER:
            bound = "greater than or equal to 1" if not qualifier else f"less than or equal to {_MAX_QUALIFIER}"
            raise InvalidFunctionNameError(_constraint(qualifier, "qualifier", f"have length {bound}"))
        if not _QUALIFIER.fullmatch(qualifier):
            raise InvalidFunctionNameError(
                _constraint(qualifier, "qualifier", f"satisfy regular expression pattern: {QUALIFIER_PATTERN}")
            )
    named = found["qualifier"]
    if named is not None and qualifier is not None and named != qualifier:
        raise QualifierConflictError(
            "The derived qualifier from the function name does not match the specified qualifier."
        )
    return FunctionRef(found["name"], named or qualifier, found["region"], found["account"])


def _constraint(value: str, member: str, constraint: str) -> str:
    """Lambda's (and every AWS JSON service's) validation message for one member."""
    return f"1 validation error detected: Value '{value}' at '{member}' failed to satisfy constraint: Member must {constraint}"


@dataclass
class MappingSpec:
    """An event source mapping. Not created in moto: moto would invoke the function inside the
    SendMessage / PutItem call that produced the record, with none of Lambda's batching,
    retries or failure handling; the runtime's pollers do that instead."""

    uuid: str
    source_arn: str
    function_arn: str
    batch_size: int
    batching_window_seconds: int
    report_batch_item_failures: bool
    starting_position: str | None = None
    bisect_on_error: bool = False
    max_retries: int = -1
    max_record_age_seconds: int = -1
    on_failure_arn: str | None = None
    filter_patterns: list[dict[str, Any]] = field(default_factory=list)
    parallelization_factor: int = 1
    max_concurrency: int | None = None
    enabled: bool = True

    @property
    def source_kind(self) -> str:
        """The service of the source ARN: sqs, kinesis or dynamodb."""
        return self.source_arn.split(":")[2]


@dataclass
class Queue:
    logical_name: str
    name: str
    url: str
    arn: str
    #: The ARN of its dead-letter queue (RedrivePolicy), if any.
    dlq_arn: str | None = None


@dataclass
class Api:
    """A REST API: its routes live in moto (resources, methods, integrations); the local
    gateway serves them on a loopback port reserved here, so the stage URL exists at deploy."""

    id: str
    name: str
    listener: socket.socket
    stages: list[str] = field(default_factory=list)

    @property
    def base_url(self) -> str:
        host, port = self.listener.getsockname()[:2]
        return f"http://{host}:{port}"


@dataclass
class Rotation:
    """A secret's rotation: Secrets Manager's schedule and function, run by the local cloud (not moto) through the
    runtime, since moto's RotateSecret invokes the function inside the request."""

    secret_arn: str
    function_arn: str
    every_days: int
    #: Rotate once when the cloud starts, as RotateImmediately does at deploy.
    immediately: bool


@dataclass
class Skipped:
    """A resource not created as declared, and why: listed in every report, never dropped silently."""

    type: str
    name: str
    reason: str


@dataclass
class Registry:
    functions: dict[str, FunctionSpec] = field(default_factory=dict)
    mappings: list[MappingSpec] = field(default_factory=list)
    queues: dict[str, Queue] = field(default_factory=dict)
    topics: dict[str, str] = field(default_factory=dict)
    buses: dict[str, str] = field(default_factory=dict)
    state_machines: dict[str, str] = field(default_factory=dict)
    tables: dict[str, str] = field(default_factory=dict)
    streams: dict[str, str] = field(default_factory=dict)
    buckets: dict[str, str] = field(default_factory=dict)
    secrets: dict[str, str] = field(default_factory=dict)
    #: Secret rotations by logical name.
    rotations: dict[str, Rotation] = field(default_factory=dict)
    #: Scheduled EventBridge rules, "<bus>/<name>" → ARN; Scheduler schedules, "<group>/<name>" → ARN.
    scheduled_rules: dict[str, str] = field(default_factory=dict)
    schedules: dict[str, str] = field(default_factory=dict)
    apis: dict[str, Api] = field(default_factory=dict)
    #: Not created, of a type the emulator cannot hold (deploy.outcome.NOT_EMULATED's reason).
    skipped: list[Skipped] = field(default_factory=list)
    #: Not created: no adapter, or the emulator refused it (the reason is the error). Any fails the deploy.
    refused: list[Skipped] = field(default_factory=list)
    #: Resources created with a change the emulator needs (the reason says which), also listed.
    adjusted: list[Skipped] = field(default_factory=list)
    #: ARNs of queues that only receive failures: redrive targets, on-failure destinations,
    #: target and subscription DLQs.
    dead_letters: set[str] = field(default_factory=set)
    #: Resources created per type token, for the deploy report.
    created: dict[str, int] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def record(self, kind: str, logical_name: str, value: Any) -> None:
        """Add ``value`` under ``logical_name`` to the collection ``kind`` (thread-safe: Pulumi
        registers resources from several threads)."""
        with self._lock:
            getattr(self, kind)[logical_name] = value

    def count(self, type_token: str) -> None:
        with self._lock:
            self.created[type_token] = self.created.get(type_token, 0) + 1

    def skip(self, entry: Skipped) -> None:
        with self._lock:
            self.skipped.append(entry)

    def refuse(self, entry: Skipped) -> None:
        with self._lock:
            self.refused.append(entry)

    def adjust(self, entry: Skipped) -> None:
        with self._lock:
            self.adjusted.append(entry)

    def add_mapping(self, mapping: MappingSpec) -> None:
        with self._lock:
            self.mappings.append(mapping)

    def dead_letter(self, arn: str | None) -> None:
        if arn:
            with self._lock:
                self.dead_letters.add(arn)

    def function(self, name_or_arn: str) -> FunctionSpec:
        """The function a name, ``name:qualifier``, partial or full ARN names (:func:`parse_function_name`); its
        qualifier is not checked here. FunctionNotFoundError when no such function was deployed."""
        name = parse_function_name(name_or_arn).name
        for spec in self.functions.values():
            if spec.name == name:
                return spec
        raise FunctionNotFoundError(f"no function {name_or_arn!r} was deployed")

    def queue_by_arn(self, arn: str) -> Queue:
        for queue in self.queues.values():
            if queue.arn == arn:
                return queue
        raise KeyError(f"no queue {arn!r} was deployed")
