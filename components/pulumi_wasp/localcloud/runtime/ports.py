"""What the event sources need of the runtime, and what the runtime needs of a source.

Dependencies point one way: ``engine`` → ``sources`` (and ``asynchronous``) → ``ports``. A source
never imports the engine; it is handed something that satisfies :class:`RuntimePort` (the
``Runtime``, or a stand-in in a test). Not to be confused with :mod:`.protocol`, the wire protocol
between the runtime and its execution environments.
"""

from __future__ import annotations

from typing import Any, Protocol

from pulumi_wasp.localcloud.deploy.registry import Registry
from pulumi_wasp.localcloud.runtime.clock import Clock, Timers
from pulumi_wasp.localcloud.runtime.functions import Function
from pulumi_wasp.localcloud.runtime.ledger import Ledger


class Services(Protocol):
    """The emulator as a source sees it: clients to it, and the account and region of its ARNs."""

    @property
    def account_id(self) -> str: ...

    @property
    def region(self) -> str: ...

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` on the emulator (thread-safe)."""

    def authorize_delivery(self, source_arn: str, target: dict[str, Any]) -> None:
        """Raise a ClientError (AccessDeniedException) when IAM does not let the rule, schedule or API
        (``source_arn``) deliver to ``target`` (``{"Arn": ...}``)."""

    def authorize_mapping_read(self, function_arn: str, source_arn: str) -> None:
        """Raise a ClientError (the service's KMS denial) when the function's role may not decrypt what its event
        source mapping reads from the queue or stream ``source_arn`` under a customer-managed key."""


class RuntimePort(Protocol):
    """The runtime as a source sees it."""

    @property
    def emulator(self) -> Services: ...

    @property
    def registry(self) -> Registry:
        """What the deploy recorded: functions, queues, mappings, APIs, schedules."""

    @property
    def clock(self) -> Clock:
        """Local time (``--speed``): scaled waits, elapsed local seconds."""

    @property
    def ledger(self) -> Ledger:
        """Where a source notes what it accepted, processed, retried, dropped or dead-lettered."""

    @property
    def timers(self) -> Timers:
        """Delayed calls (retries) that the runtime drops when it stops."""

    def function(self, name_or_arn: str) -> Function:
        """The deployed function by name or ARN (KeyError when there is none)."""

    def invoke_async(self, function_arn: str, payload: str) -> str:
        """Queue an asynchronous invocation of ``function_arn`` (unqualified, or a version's or an alias's ARN;
        retries, on-failure destination); its request id."""

    def version_of(self, function_arn: str) -> str:
        """The version one invocation of ``function_arn`` runs, the one decision of every path (Invoke, asynchronous
        attempts, mappings, API integrations, service deliveries): its version qualifier, ``$LATEST`` when
        unqualified, or the version an alias routes this invocation to (drawn with its weights as the emulator has
        them now). FunctionNotFoundError when the function has no such version or alias."""

    def deliver(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        """Deliver a matched event to a Lambda, Step Functions or SNS target (does not block)."""

    def send_to(
        self, destination_arn: str, body: dict[str, Any] | str, attributes: dict[str, str] | None = None
    ) -> None:
        """Send a failure record to a destination (an SQS queue or an SNS topic)."""


class Source(Protocol):
    """Every event source kind has this shape (one module each under runtime/sources/)."""

    def start(self) -> None: ...

    def stop(self) -> None:
        """Take no more events; return at once (never wait for an invocation)."""

    def join(self, deadline: float) -> list[str]:
        """Wait for the source's threads until ``deadline`` (monotonic); the names still running."""
