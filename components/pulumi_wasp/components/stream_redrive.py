"""The re-drive function every stream consumer (a StreamProcessor's, an EventStore projection's) comes with.

A stream mapping that gives a batch up sends only its coordinates to the on-failure queue; the records stay in the
stream until it forgets them (24 h for DynamoDB, the retention for Kinesis). The re-drive function (the handler
``pulumi_wasp/handlers/stream_redrive``) is an operator's action: invoked with ``{"maxMessages": N}``, it reads
each on-failure record, fetches the records it names (from the stream, or, for an event store that names its
append-time attribute, from the table) and invokes the consumer with them exactly as the mapping would; what it
cannot fetch stays in the queue and is reported. The consumer must be idempotent: a re-driven record may already
have been applied, and records rebuilt from the table may include neighbours appended in the same window.
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import lambda_

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ExistingFunction, ServerlessFunction, ServerlessFunctionArgs, VpcArgs
from pulumi_wasp.components.shared import children, iam
from pulumi_wasp.components.shared.context import StackContext
from pulumi_wasp.components.shared.queues import consumer_statements
from pulumi_wasp.handlers import code_path
from pulumi_wasp.handlers.stream_redrive import filters

HANDLER = "stream_redrive.handler.handler"
#: Lambda allows 4 KB of environment in all; the filters share it with the other settings.
FILTER_ENVIRONMENT_MAX_CHARS = 2048
#: The consumer's timeout plus what the run needs besides (the handler's SPARE_SECONDS and a receive).
TIMEOUT_MARGIN_SECONDS = 30


@dataclass(frozen=True, kw_only=True)
class RedriveArgs:
    """How a stream consumer's re-drive function runs; ``redrive=None`` in the consumer's args: none is created."""

    #: defaults.STREAM_REDRIVE_TIMEOUT_SECONDS (300): several consumer invocations per run; at least the consumer's
    #: timeout + 30 s, at most 900.
    timeout_seconds: int = defaults.STREAM_REDRIVE_TIMEOUT_SECONDS
    #: defaults.STREAM_REDRIVE_MEMORY_MB (256): it holds one batch at a time.
    memory_mb: int = defaults.STREAM_REDRIVE_MEMORY_MB
    #: The function's Errors and Throttles alarms.
    alarms: bool = True
    #: Attach the function to a VPC (its role gets the network-interface permissions, see :class:`VpcArgs`); its
    #: subnets must reach SQS, Kinesis or DynamoDB and Lambda (NAT or VPC endpoints). None: Lambda's own network.
    vpc: VpcArgs | None = None
    #: Keyword arguments of ``aws.lambda_.Function`` merged over the function's defaults (as
    #: ``ServerlessFunctionArgs.overrides``: ``tags`` and ``environment.variables`` merge, an unknown key fails).
    function_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(
        self, owner: str, *, consumer_timeout: int | None, filter_patterns: Sequence[Mapping[str, Any]]
    ) -> None:
        """Errors name ``owner.redrive`` (the timeout) and ``owner.mapping.filter_patterns`` (filters the re-drive
        cannot evaluate). ``consumer_timeout`` None: known only once deployed (an existing function's), checked by
        the function when it runs."""
        children.check_keys(lambda_.Function, self.function_overrides, arg=f"{owner}.redrive.function_overrides")
        if self.vpc is not None:
            self.vpc.validate()
        lowest = (consumer_timeout or 0) + TIMEOUT_MARGIN_SECONDS
        if not lowest <= self.timeout_seconds <= defaults.FUNCTION_TIMEOUT_MAX_SECONDS:
            raise ValueError(
                f"{owner}.redrive.timeout_seconds must be {lowest}..{defaults.FUNCTION_TIMEOUT_MAX_SECONDS} (the "
                f"consumer's {consumer_timeout} s + {TIMEOUT_MARGIN_SECONDS} s), got {self.timeout_seconds}"
            )
        for index, pattern in enumerate(filter_patterns):
            problems = filters.unsupported(dict(pattern))
            if problems:
                raise ValueError(
                    f"{owner}.mapping.filter_patterns[{index}]: {'; '.join(problems)} — the re-drive rebuilds the "
                    f"batch with the filters and supports {', '.join(filters.OPERATORS)}; set redrive=None to go "
                    "without one"
                )
        size = len(json.dumps(list(filter_patterns)))
        if size > FILTER_ENVIRONMENT_MAX_CHARS:
            raise ValueError(
                f"{owner}.mapping.filter_patterns take {size} characters, more than the re-drive function's "
                f"environment holds ({FILTER_ENVIRONMENT_MAX_CHARS}); shorten them or set redrive=None"
            )


@dataclass(frozen=True)
class RedriveTarget:
    """The consumer a re-drive invokes: its ARN, its timeout (None: unknown until deployed, an existing function's
    bare ARN; the re-drive reads it with GetFunctionConfiguration) and (Kinesis records name it) its role."""

    arn: pulumi.Input[str]
    timeout_seconds: pulumi.Input[int] | None
    role_arn: pulumi.Input[str] | None

    @classmethod
    def of(cls, function: ServerlessFunction | ExistingFunction, owner: str) -> RedriveTarget:
        """The target of a function the component created or of an existing one (errors name ``owner``)."""
        if isinstance(function, ServerlessFunction):
            # The alias when the consumer has one, as the mapping it replays.
            return cls(function.target.arn, function.args.timeout_seconds, function.role.arn)
        role = function.role
        role_arn = getattr(role, "arn", None) or (role if isinstance(role, str) and role.startswith("arn:") else None)
        return cls(function.function_arn, function.timeout(), role_arn)

    def statements(self) -> list[iam.Statement]:
        """Invoke, and read the configuration when the timeout is not known here."""
        statements = [iam.lambda_invoke([self.arn])]
        if self.timeout_seconds is None:
            statements.append(iam.allow(["lambda:GetFunctionConfiguration"], [self.arn]))
        return statements

    def environment(self) -> dict[str, pulumi.Input[str]]:
        environment: dict[str, pulumi.Input[str]] = {"TARGET_FUNCTION": self.arn}
        if self.role_arn is not None:
            environment["TARGET_ROLE_ARN"] = self.role_arn
        if self.timeout_seconds is not None:
            environment["TARGET_TIMEOUT_SECONDS"] = pulumi.Output.from_input(self.timeout_seconds).apply(str)
        return environment


@dataclass(frozen=True)
class OnFailureQueue:
    """The queue a stream mapping sends given-up batches to (created by the consumer's component, or an existing
    one): what the re-drive consumes."""

    arn: pulumi.Input[str]
    url: pulumi.Input[str]
    #: Its customer-managed key (None: SQS-managed or AWS-managed encryption), whose Decrypt the re-drive needs.
    key_arn: pulumi.Input[str] | None = None


@dataclass(frozen=True)
class RedriveTable:
    """An event store the re-drive reads once the stream has forgotten a batch."""

    arn: pulumi.Input[str]
    name: pulumi.Input[str]
    keys: tuple[str, ...]
    #: The attribute each item carries with its append time (ISO 8601 or epoch seconds).
    appended_at_attribute: str
    view_type: str


@dataclass(frozen=True)
class RedriveSource:
    """The stream a consumer reads: ``kind`` ``kinesis`` or ``dynamodb``; a table for an event store's."""

    kind: str
    stream_arn: pulumi.Input[str]
    table: RedriveTable | None = None
    #: The customer-managed key of the stream or table (None: an AWS-managed one, nothing to grant).
    kms_key_arn: pulumi.Input[str] | None = None

    def statements(self) -> list[iam.Statement]:
        """Reads of a range of records and, with a table, the Scan that finds its events (the table's, no index);
        a customer-managed key's Decrypt through the service."""
        service = "kinesis" if self.kind == "kinesis" else "dynamodb"
        statements = [iam.allow([f"{service}:GetRecords", f"{service}:GetShardIterator"], [self.stream_arn])]
        if self.table is not None:
            statements.append(iam.allow(["dynamodb:Scan"], [self.table.arn]))
        if self.kms_key_arn is not None:
            statements.append(iam.kms_decrypt(self.kms_key_arn, service))
        return statements

    def environment(self) -> dict[str, pulumi.Input[str]]:
        environment: dict[str, pulumi.Input[str]] = {"SOURCE_KIND": self.kind, "STREAM_ARN": self.stream_arn}
        if self.table is not None:
            environment |= {
                "TABLE_NAME": self.table.name,
                "TABLE_KEYS": ",".join(self.table.keys),
                "APPENDED_AT_ATTRIBUTE": self.table.appended_at_attribute,
                "STREAM_VIEW_TYPE": self.table.view_type,
                "TABLE_MARGIN_SECONDS": str(defaults.STREAM_REDRIVE_TABLE_MARGIN_SECONDS),
            }
        return environment


def redrive_function(
    name: str,
    args: RedriveArgs,
    *,
    target: RedriveTarget,
    on_failure: OnFailureQueue,
    source: RedriveSource,
    batch_size: int,
    filter_patterns: Sequence[Mapping[str, Any]],
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
) -> ServerlessFunction:
    """The function ``<name>-redrive``: consumes ``on_failure``, reads ``source``, invokes ``target``."""
    if source.kind == "kinesis" and target.role_arn is None:
        raise ValueError(f"{name}: a Kinesis consumer's re-drive needs its role's ARN (Kinesis records name it)")
    function = ServerlessFunctionArgs(
        handler=HANDLER,
        # Relative to the program, like the program's own code: the graph does not depend on where the package is.
        code=[os.path.relpath(code_path("stream_redrive"))],
        memory_mb=args.memory_mb,
        timeout_seconds=args.timeout_seconds,
        reserved_concurrency=defaults.STREAM_REDRIVE_RESERVED_CONCURRENCY,
        environment={
            "ON_FAILURE_QUEUE_URL": on_failure.url,
            **target.environment(),
            "BATCH_SIZE": str(batch_size),
            "FILTER_PATTERNS": json.dumps([dict(p) for p in filter_patterns]),
            **source.environment(),
        },
        permissions=[
            *consumer_statements(on_failure.arn, on_failure.key_arn),
            *target.statements(),
            *source.statements(),
        ],
        description="Re-drives what the on-failure queue points at into the consumer (an operator's action)",
        alarms=args.alarms,
        vpc=args.vpc,
        overrides=args.function_overrides,
        tags=tags,
        context=context,
    )
    return ServerlessFunction(f"{name}-redrive", function, pulumi.ResourceOptions(parent=parent))
