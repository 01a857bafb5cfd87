"""Queue: an encrypted SQS queue with its dead-letter queue, redrive policy and DLQ alarm."""

from __future__ import annotations

import contextvars
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import kms, sqs

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.alarms import metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import (
    KeyPolicyGrant,
    customer_key_arn,
    delivery_key_policy,
    service_key,
)
from pulumi_wasp.components.shared.queues import (
    ServiceSender,
    consumer_statements,
    dead_letter_queue,
    dlq_alarm_spec,
    queue_name_of,
    queue_policy,
    sender_statements,
)
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(kw_only=True)
class QueueArgs:
    """Arguments of :class:`Queue`; every default is Well-Architected and overridable."""

    #: FIFO queue (and FIFO DLQ) with content-based deduplication, per-message-group throughput.
    fifo: bool = False
    #: FIFO only: deduplicate on a hash of the body so producers need no dedup id.
    content_based_deduplication: bool = True
    #: Seconds a received message stays hidden. None: defaults.QUEUE_VISIBILITY_TIMEOUT_SECONDS (30),
    #: or 6 × function timeout + batching window when a QueueProcessor consumes the queue.
    visibility_timeout_seconds: pulumi.Input[int] | None = None
    #: defaults.QUEUE_RETENTION_SECONDS (4 days): a consumer outage loses nothing.
    retention_seconds: int = defaults.QUEUE_RETENTION_SECONDS
    #: defaults.QUEUE_RECEIVE_WAIT_SECONDS (20): long polling, fewer empty receives.
    receive_wait_seconds: int = defaults.QUEUE_RECEIVE_WAIT_SECONDS
    #: defaults.MAX_RECEIVE_COUNT (3): receives before a message moves to the DLQ.
    max_receive_count: int = defaults.MAX_RECEIVE_COUNT
    #: defaults.DLQ_RETENTION_SECONDS (14 days, the SQS maximum): must be ≥ ``retention_seconds``.
    dlq_retention_seconds: int = defaults.DLQ_RETENTION_SECONDS
    #: A customer-managed KMS key for SSE, by its ARN (or an AWS-managed ``alias/aws/sqs``); SQS-managed SSE when
    #: None (no key policy to manage, no KMS cost). The consumers and producers the components wire are granted it
    #: (:meth:`Queue.consumer_statements`, :meth:`Queue.sender_statements`); its key policy is yours: it must
    #: delegate to IAM and let each of ``senders``' services use it (kms:GenerateDataKey*, kms:Decrypt), or their
    #: deliveries fail: the queue logs so and lists those statements in ``Queue.required_key_policy``.
    #: ``customer_managed_key=True`` creates a key that does both.
    kms_master_key_id: pulumi.Input[str] | None = None
    #: Encrypt with a rotating customer-managed key of the queue's own (and its DLQ's), whose key policy lets the
    #: ``senders``' services use it (SNS, EventBridge, S3 cannot deliver to a queue under ``alias/aws/sqs``).
    #: Off by default: SQS-managed SSE costs nothing; a key costs $1 a month plus KMS requests.
    customer_managed_key: bool = False
    #: Services allowed to send, each only on behalf of its source ARN (e.g. an SNS topic).
    senders: Sequence[ServiceSender] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the queue's defaults (``tags`` merge, other keys
    #: replace). An unknown key is an error; dropping the redrive policy or the encryption warns naming the rule.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the dead-letter queue's defaults, the same way.
    dlq_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A dead-letter queue the queue does not create (e.g. a team's shared one): an ``aws.sqs.Queue``, or its ARN and
    #: URL (see :class:`ExistingQueue`; nothing is looked up). The queue still redrives to it and alarms on its
    #: depth; its policy, encryption and retention are its own. From a resource the queue checks, once known, that
    #: it is FIFO exactly when the queue is and keeps messages at least ``retention_seconds``; from a bare ARN only
    #: the FIFO-ness (its name), and it logs what it could not check. SQS requires it of the queue's type, account
    #: and region (https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-dead-letter-queues.html).
    existing_dlq: ExistingQueue | None = None

    def validate(self) -> None:
        if self.existing_dlq is not None:
            self._validate_existing_dlq(self.existing_dlq)
        if self.customer_managed_key and self.kms_master_key_id is not None:
            raise ValueError("QueueArgs: set kms_master_key_id (your key) or customer_managed_key=True, not both")
        if self.customer_managed_key and "kms_master_key_id" in self.overrides:
            # The override would encrypt the queue with another key, leaving the created one unused.
            raise ValueError(
                "QueueArgs: set overrides['kms_master_key_id'] (your key) or customer_managed_key=True, not both"
            )
        customer_key_arn(self.kms_master_key_id, "QueueArgs.kms_master_key_id")
        if not 60 <= self.retention_seconds <= 1_209_600:
            raise ValueError(f"QueueArgs.retention_seconds must be 60..1209600, got {self.retention_seconds}")
        if not self.retention_seconds <= self.dlq_retention_seconds <= 1_209_600:
            raise ValueError(
                f"QueueArgs.dlq_retention_seconds ({self.dlq_retention_seconds}) must be ≥ retention_seconds "
                f"({self.retention_seconds}) and ≤ 1209600: a DLQ must keep a message at least as long as its source"
            )
        if not 0 <= self.receive_wait_seconds <= 20:
            raise ValueError(f"QueueArgs.receive_wait_seconds must be 0..20, got {self.receive_wait_seconds}")
        if not 1 <= self.max_receive_count <= 10:
            raise ValueError(
                f"QueueArgs.max_receive_count must be 1..10 (policy sqs-redrive-policy), got {self.max_receive_count}"
            )
        visibility = self.visibility_timeout_seconds
        if isinstance(visibility, int) and not 0 <= visibility <= 43_200:
            raise ValueError(
                f"QueueArgs.visibility_timeout_seconds must be 0..43200, got {self.visibility_timeout_seconds}"
            )

    def _validate_existing_dlq(self, existing: ExistingQueue) -> None:
        existing.validate("QueueArgs.existing_dlq")
        if self.dlq_overrides or self.dlq_retention_seconds != defaults.DLQ_RETENTION_SECONDS:
            raise ValueError(
                "QueueArgs.dlq_overrides and dlq_retention_seconds apply to a DLQ the queue creates, not to existing_dlq"
            )
        if existing.dead_letter_queue or existing.dlq_overrides or existing.kms_key_arn is not None:
            raise ValueError(
                "QueueArgs.existing_dlq: dead_letter_queue, dlq_overrides and kms_key_arn apply to a queue a component "
                "consumes or sends to; SQS itself moves messages to a DLQ (nothing is granted its key)"
            )
        if existing.is_fifo != self.fifo:
            raise ValueError(
                f"QueueArgs.existing_dlq is {'FIFO' if existing.is_fifo else 'standard'} and the queue "
                f"{'FIFO' if self.fifo else 'standard'}: a queue's DLQ must be of its own type (SQS's rule)"
            )


def redrive_policy(dlq_arn: pulumi.Input[str], max_receive_count: int) -> pulumi.Output[str]:
    return pulumi.Output.from_input(dlq_arn).apply(
        lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": max_receive_count})
    )


@dataclass(frozen=True, kw_only=True)
class ExistingQueue:
    """A queue the component does not create: a :class:`Queue`, an ``aws.sqs.Queue``, or its ARN and URL.

    Nothing is looked up. From a :class:`Queue` or an ``aws.sqs.Queue`` the component checks the visibility
    timeout it was given (once known); from a bare ARN and URL it checks nothing (it says so in a log line):
    not the visibility timeout, not FIFO-ness (declare it with ``fifo``), not the encryption or redrive.
    """

    #: The queue as a resource; or leave None and give ``arn`` and ``url``.
    queue: Queue | sqs.Queue | None = None
    arn: pulumi.Input[str] | None = None
    url: pulumi.Input[str] | None = None
    #: For an ``aws.sqs.Queue`` or a bare ARN: the queue is FIFO (a Queue component says so itself).
    fifo: bool = False
    #: Give the queue a DLQ of the component's (with its alarm and an ``aws.sqs.RedrivePolicy`` on the queue).
    #: None: yes for an ``aws.sqs.Queue`` or a bare ARN, no for a :class:`Queue` (it has its own DLQ). Set False
    #: when the queue already redrives elsewhere: a queue has one redrive policy.
    dead_letter_queue: bool | None = None
    #: With the component's DLQ: receives before a message moves there (defaults.MAX_RECEIVE_COUNT, 3).
    max_receive_count: int = defaults.MAX_RECEIVE_COUNT
    #: With the component's DLQ: keyword arguments of ``aws.sqs.Queue`` merged over its defaults (``tags`` merge,
    #: other keys replace; dropping its encryption warns naming sqs-encryption).
    dlq_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: For an ``aws.sqs.Queue`` or a bare ARN: the ARN of the customer-managed key it is encrypted with, granted to
    #: the consumer and producers the component wires (a Queue component says so itself).
    kms_key_arn: pulumi.Input[str] | None = None

    def validate(self, arg: str) -> None:
        bare = self.arn is not None or self.url is not None
        if (self.queue is None) == (not bare):
            raise ValueError(f"{arg}: give queue= (a resource) or arn= and url=, not both and not neither")
        if self.queue is None and (self.arn is None or self.url is None):
            raise ValueError(f"{arg}: a bare queue needs both arn= and url= (no lookup at synthesis)")
        if isinstance(self.queue, Queue) and self.dead_letter_queue:
            raise ValueError(
                f"{arg}: a Queue component has its own DLQ and redrive policy; leave dead_letter_queue unset"
            )
        if not 1 <= self.max_receive_count <= 10:
            raise ValueError(
                f"{arg}.max_receive_count must be 1..10 (policy sqs-redrive-policy), got {self.max_receive_count}"
            )
        if self.dlq_overrides and not self.wants_dead_letter_queue:
            raise ValueError(f"{arg}.dlq_overrides apply to a DLQ the component creates; this queue gets none")
        if isinstance(self.queue, Queue) and self.kms_key_arn is not None:
            raise ValueError(f"{arg}: a Queue component knows its key; leave kms_key_arn unset")
        customer_key_arn(self.kms_key_arn, f"{arg}.kms_key_arn")

    def validate_failure_destination(self, arg: str, sender: str) -> None:
        """:meth:`validate`, for a queue ``sender`` parks failures in: a standard one (``sender`` sends to no FIFO
        queue), given no DLQ of the component's (those apply to a queue a component consumes)."""
        self.validate(arg)
        if self.dead_letter_queue or self.dlq_overrides:
            raise ValueError(
                f"{arg}: dead_letter_queue and dlq_overrides apply to a queue a component consumes, not to where "
                f"{sender} parks failures"
            )
        if self.is_fifo:
            raise ValueError(f"{arg} is a FIFO queue, and {sender} sends failures to standard queues only")

    @property
    def key_arn(self) -> pulumi.Input[str] | None:
        """The customer-managed key to grant (None: SQS-managed or AWS-managed encryption)."""
        if isinstance(self.queue, Queue):
            return self.queue.kms_key_arn
        return customer_key_arn(self.kms_key_arn, "ExistingQueue.kms_key_arn")

    @property
    def queue_arn(self) -> pulumi.Input[str]:
        return self.queue.arn if self.queue is not None else self.arn  # type: ignore[return-value]

    @property
    def queue_url(self) -> pulumi.Input[str]:
        return self.queue.url if self.queue is not None else self.url  # type: ignore[return-value]

    @property
    def is_fifo(self) -> bool:
        return self.queue.fifo if isinstance(self.queue, Queue) else self.fifo

    @property
    def wants_dead_letter_queue(self) -> bool:
        if self.dead_letter_queue is not None:
            return self.dead_letter_queue
        return not isinstance(self.queue, Queue)

    def check_standard(self, owner: str, arg: str, sender: str) -> None:
        """Fail, once known, when the queue is FIFO though declared standard: ``sender`` delivers to standard queues
        only. Its encryption and redrive stay unchecked from a bare ARN (logged)."""
        self.check_fifo(owner, arg, fifo=False, why=f"{sender} delivers to standard queues only")
        if self.queue is None:
            children.not_checked(owner, f"{arg}'s encryption (declare its key with kms_key_arn) and redrive")

    def check_fifo(self, owner: str, arg: str, *, fifo: bool, why: str) -> None:
        """Fail, once known, when the queue's FIFO-ness is not ``fifo`` (``why`` says why it must be): an
        ``aws.sqs.Queue`` says it in ``fifo_queue``, a bare ARN in its name (a FIFO queue's ends in ``.fifo``); a
        Queue component is checked at validation (it knows)."""
        if isinstance(self.queue, Queue):
            return
        known: pulumi.Output[bool]
        if isinstance(self.queue, sqs.Queue):
            known = self.queue.fifo_queue.apply(bool)
        else:
            known = pulumi.Output.from_input(self.arn).apply(lambda arn: str(arn).endswith(".fifo"))
        children.check_known(
            known,
            lambda value: (
                None if value == fifo else f"{owner}: {arg} is {'a FIFO' if value else 'a standard'} queue, and {why}"
            ),
        )

    def visibility_timeout(self) -> pulumi.Input[int] | pulumi.Output[int | None] | None:
        """The visibility timeout the queue resource was given (None for a bare ARN, or when unset)."""
        if isinstance(self.queue, Queue):
            return self.queue.visibility_timeout_seconds
        if isinstance(self.queue, sqs.Queue):
            return self.queue.visibility_timeout_seconds
        return None


@dataclass(frozen=True)
class AdoptedQueue:
    """An existing queue a component sends failures to: what it uses of it."""

    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    name: pulumi.Output[str]
    #: Its customer-managed key (``ExistingQueue.kms_key_arn``, or a Queue component's), else None.
    key_arn: pulumi.Input[str] | None


#: The existing queues a component set a queue policy on in this program, and who did (one per program run).
_POLICED: contextvars.ContextVar[dict[object, str] | None] = contextvars.ContextVar("policed_queues", default=None)


def _claim_queue_policy(existing: ExistingQueue, claimant: str) -> None:
    """Fail when another component already set a policy on this existing queue: SQS keeps one policy per queue, so
    the second would replace the first and the first's senders' deliveries would be denied (and dropped). A queue
    known only at deploy (an Output ARN) cannot be compared and is not checked."""
    queue = existing.queue
    key: object = id(queue) if queue is not None else existing.arn
    if not isinstance(key, (int, str)):
        return
    claimed = _POLICED.get()
    if claimed is None:
        claimed = {}
        _POLICED.set(claimed)
    if key in claimed:
        raise ValueError(
            f"{claimant}: this queue already has the queue policy {claimed[key]} set (SQS keeps one policy per "
            "queue: the second would replace the first, denying its senders); give each a queue of its own"
        )
    claimed[key] = claimant


def adopt_dead_letter_queue(
    name: str,
    existing: ExistingQueue,
    *,
    owner: str,
    arg: str,
    unchecked: str,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    senders: Sequence[ServiceSender] = (),
) -> AdoptedQueue:
    """An existing queue used as ``owner``'s DLQ ``<name>-dlq``: its depth alarmed on as a DLQ of the component's own,
    its policy set to admit ``senders`` (services that deliver as themselves; it replaces any policy the queue had),
    and, for a bare ARN, a log line saying ``unchecked`` (what of ``arg`` could not be checked)."""
    arn, url = pulumi.Output.from_input(existing.queue_arn), pulumi.Output.from_input(existing.queue_url)
    if senders:
        _claim_queue_policy(existing, f"{owner}: {arg}")
        queue_policy(f"{name}-dlq", None, senders, parent=parent, arn=arn, url=url)
    if existing.queue is None:
        children.not_checked(owner, f"{arg}'s {unchecked}")
    queue_name = queue_name_of(url)
    metric_alarm(f"{name}-dlq", dlq_alarm_spec(queue_name), context=context, parent=parent, tags=tags)
    return AdoptedQueue(arn, url, queue_name, existing.key_arn)


class Queue(pulumi.ComponentResource):
    """An SQS queue that never loses a message: encrypted, TLS-only, redriven to an alarmed DLQ.

    Outputs: ``arn``, ``url`` and ``name`` are the queue's; ``dlq_arn`` and ``dlq_url`` its DLQ's (created, or
    ``existing_dlq``).

    Encrypted with a customer-managed key (``kms_master_key_id`` or ``customer_managed_key``), the queue hands out
    what its producers and consumers need of the key with the queue actions: :meth:`sender_statements`,
    :meth:`consumer_statements` (``permissions=[*queue.sender_statements()]``).

    Example::

        tasks = Queue("invoice-tasks", QueueArgs(visibility_timeout_seconds=60))
    """

    queue: sqs.Queue
    #: The DLQ the queue created (None with ``existing_dlq``: see ``dlq_arn``, ``dlq_url`` and ``dlq_name``).
    dlq: sqs.Queue | None
    dlq_arn: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_name: pulumi.Output[str]
    arn: pulumi.Output[str]
    url: pulumi.Output[str]
    name: pulumi.Output[str]
    #: The key the queue created (``customer_managed_key``), else None.
    key: kms.Key | None
    #: The customer-managed key the queue is encrypted with (None: SQS-managed or AWS-managed encryption).
    kms_key_arn: pulumi.Input[str] | None
    #: With ``kms_master_key_id`` and ``senders``: the statements that key's policy needs so each sender's service
    #: may use it, for its source only (the queue cannot edit a key it was given), else empty.
    required_key_policy: list[KeyPolicyGrant]

    def __init__(self, name: str, args: QueueArgs | None = None, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("queue", "Queue", opts)
        super().__init__(token, name, None, opts)
        args = args or QueueArgs()
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        self.key, key_id = None, args.kms_master_key_id
        if args.customer_managed_key:
            self.key = service_key(name, args.senders, description=f"Encrypts the {name} queue", parent=self, tags=tags)
            key_id = self.key.arn
        self.dlq = None
        if args.existing_dlq is None:
            self.dlq = dead_letter_queue(
                name,
                context=context,
                parent=self,
                tags=tags,
                fifo=args.fifo,
                retention_seconds=args.dlq_retention_seconds,
                kms_master_key_id=key_id,
                overrides=args.dlq_overrides,
                overrides_arg="QueueArgs.dlq_overrides",
            ).queue
            self.dlq_arn, self.dlq_url, self.dlq_name = self.dlq.arn, self.dlq.url, self.dlq.name
        else:
            self._adopt_dlq(name, args, args.existing_dlq, context=context, tags=tags)
        queue_defaults = {
            "name": context.auto_name(f"{name}-queue", names.SQS_QUEUE, suffixed=args.fifo),
            "visibility_timeout_seconds": (
                args.visibility_timeout_seconds
                if args.visibility_timeout_seconds is not None
                else defaults.QUEUE_VISIBILITY_TIMEOUT_SECONDS
            ),
            "message_retention_seconds": args.retention_seconds,
            "receive_wait_time_seconds": args.receive_wait_seconds,
            "sqs_managed_sse_enabled": None if key_id else True,
            "kms_master_key_id": key_id,
            "redrive_policy": redrive_policy(self.dlq_arn, args.max_receive_count),
            "fifo_queue": args.fifo or None,
            "content_based_deduplication": args.content_based_deduplication if args.fifo else None,
            "deduplication_scope": "messageGroup" if args.fifo else None,
            "fifo_throughput_limit": "perMessageGroupId" if args.fifo else None,
            "tags": tags,
        }
        kwargs = children.resource_kwargs(
            sqs.Queue, queue_defaults, args.overrides, arg="QueueArgs.overrides", logical_name=f"{name}-queue"
        )
        self.queue = sqs.Queue(f"{name}-queue", **kwargs, opts=pulumi.ResourceOptions(parent=self))
        # An override may set the key: what the queue is encrypted with is what its producers and consumers need.
        self.kms_key_arn = customer_key_arn(kwargs.get("kms_master_key_id"), "QueueArgs.overrides['kms_master_key_id']")
        #: The visibility timeout the queue was given, when it is a plain value (an override may make it an Output).
        self.visibility_timeout_seconds: pulumi.Input[int] = kwargs["visibility_timeout_seconds"]
        self.fifo = args.fifo
        queue_policy(f"{name}-queue", self.queue, args.senders, parent=self)
        # Services deliver as themselves: a key of the queue's own names them; a key given by ARN is the caller's.
        self.required_key_policy = []
        # The key in effect (an override's too), unless the queue created it.
        given = self.kms_key_arn if self.key is None else None
        if given is not None and args.senders:
            key_arg = "QueueArgs.kms_master_key_id" if args.kms_master_key_id is not None else "QueueArgs.overrides"
            self.required_key_policy.append(
                delivery_key_policy(f"Queue {name}", key_arg, given, args.senders, iam.account_of(self.queue.arn))
            )
        self.arn, self.url, self.name = self.queue.arn, self.queue.url, self.queue.name
        outputs = {"arn": self.arn, "url": self.url, "name": self.name}
        self.register_outputs({**outputs, "dlq_arn": self.dlq_arn, "dlq_url": self.dlq_url})

    def _adopt_dlq(
        self, name: str, args: QueueArgs, existing: ExistingQueue, *, context: StackContext, tags: dict[str, str]
    ) -> None:
        """Redrive to an existing DLQ: check what is known of it, and alarm on its depth as on a DLQ of its own."""
        owner, arg = f"Queue {name}", "QueueArgs.existing_dlq"
        adopted = adopt_dead_letter_queue(
            name,
            existing,
            owner=owner,
            arg=arg,
            unchecked="retention (≥ retention_seconds) and encryption",
            context=context,
            parent=self,
            tags=tags,
        )
        self.dlq_arn, self.dlq_url, self.dlq_name = adopted.arn, adopted.url, adopted.name
        existing.check_fifo(owner, arg, fifo=args.fifo, why="a queue's DLQ must be of its type")
        if isinstance(existing.queue, sqs.Queue):
            children.check_known(
                existing.queue.message_retention_seconds,
                lambda seconds: (
                    None
                    if seconds >= args.retention_seconds
                    else f"{owner}: {arg} keeps messages {seconds} s, less than the queue's "
                    f"retention_seconds ({args.retention_seconds}): a message could expire in the DLQ before it would "
                    "have in the queue"
                ),
            )

    def sender_statements(self) -> list[iam.Statement]:
        """What a producer's role needs to send to the queue: SendMessage, and the queue's key through SQS."""
        return sender_statements(self.arn, self.kms_key_arn)

    def consumer_statements(self) -> list[iam.Statement]:
        """What a consumer's role (a Lambda mapping's function) needs: receive and delete, and Decrypt through SQS."""
        return consumer_statements(self.arn, self.kms_key_arn)
