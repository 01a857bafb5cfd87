"""BucketProcessor: a :class:`~components.bucket.SecureBucket` whose new objects are processed.

New objects (``s3:ObjectCreated:*``, filtered by prefix and suffix) go either straight to a
function (an async target: retries, max age and a DLQ) or to a queue (S3 is admitted only from
this bucket), optionally with a QueueProcessor consuming it. The bucket, the function and the queue
may each be an existing one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi_aws import s3

from pulumi_wasp.components.bucket import SecureBucket, SecureBucketArgs
from pulumi_wasp.components.function import (
    AsyncInvokeArgs,
    ExistingFunction,
    InvokeTarget,
    ServerlessFunction,
    ServerlessFunctionArgs,
    check_async_failures,
    grant_to_existing,
    invoke_permission,
)
from pulumi_wasp.components.queue import ExistingQueue, Queue, QueueArgs
from pulumi_wasp.components.queue_processor import QueueProcessor, QueueProcessorArgs
from pulumi_wasp.components.shared import children, iam
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import KeyPolicyGrant, delivery_key_policy
from pulumi_wasp.components.shared.queues import ServiceSender, queue_policy
from pulumi_wasp.components.shared.tokens import component_type

OBJECT_CREATED = "s3:ObjectCreated:*"


@dataclass(kw_only=True)
class BucketProcessorArgs:
    """Arguments of :class:`BucketProcessor`: exactly one of ``function``, ``existing_function``, ``processor`` or
    ``queue``; each principal child (bucket, function, queue) is an existing one xor the args to create it."""

    #: S3 invokes this function directly; it may read the objects under ``prefix``.
    function: ServerlessFunctionArgs | None = None
    #: S3 invokes this function the processor does not create (see :class:`ExistingFunction` for its role: the read
    #: grant goes to it in a policy of the processor's, or is listed in ``required_statements``). Its async invoke
    #: config (retries, where failed events go) is its own: a ServerlessFunction without ``async_invoke`` warns, a
    #: bare function is not checked.
    existing_function: ExistingFunction | None = None
    #: S3 sends to this QueueProcessor's queue (buffering, batching, redrive); its function may read. Its
    #: ``existing_queue`` (an ``aws.sqs.Queue`` or ARN and URL) gets the processor's queue policy admitting S3 from
    #: the bucket, which replaces any policy it had; its ``existing_function`` is granted the read like
    #: ``existing_function`` above.
    processor: QueueProcessorArgs | None = None
    #: S3 sends to a bare queue consumed elsewhere: one to create, or an existing one (an ``aws.sqs.Queue`` or its
    #: ARN and URL), whose queue policy the processor then sets (TLS only, S3 may send from the bucket), replacing
    #: any policy it had.
    queue: QueueArgs | ExistingQueue | None = None
    #: Only keys starting with this (e.g. "uploads/") are notified.
    prefix: str = ""
    #: Only keys ending with this (e.g. ".csv") are notified.
    suffix: str = ""
    #: The processing function may also write under ``prefix`` (e.g. a report next to each
    #: object). Off by default: least privilege. Written keys must not match ``suffix``, or
    #: every write would notify again.
    write_back: bool = False
    #: The bucket to create: encryption, versioning, lifecycle, force_destroy (its tags and context
    #: default to the processor's); ``SecureBucketArgs()`` when neither this nor ``existing_bucket`` is given.
    bucket: SecureBucketArgs | None = None
    #: A bucket the processor does not create: a SecureBucket, an ``aws.s3.Bucket``, or its name (its ARN is
    #: ``arn:aws:s3:::<name>``; nothing is looked up). The processor still adds the notification (a bucket has one
    #: notification configuration: this replaces any it had), the invoke permission or queue policy and the read
    #: grant; it checks nothing of the bucket (public access, encryption: the key of an ``aws.s3.Bucket`` or a
    #: bucket name encrypted with a customer-managed key must be granted through the function's ``permissions``,
    #: e.g. ``iam.kms_decrypt(key_arn, "s3")``; a SecureBucket's key is granted for you).
    existing_bucket: SecureBucket | s3.Bucket | str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        if self.bucket is not None and self.existing_bucket is not None:
            children.exactly_one(
                "BucketProcessorArgs",
                ("BucketProcessorArgs.existing_bucket", self.existing_bucket),
                ("BucketProcessorArgs.bucket", self.bucket),
            )
        targets = [t for t in (self.function, self.existing_function, self.processor, self.queue) if t is not None]
        if len(targets) != 1:
            raise ValueError(
                "BucketProcessorArgs: set exactly one of function=, existing_function=, processor= or queue="
            )
        if self.existing_function is not None:
            self.existing_function.validate("BucketProcessorArgs.existing_function")
        existing_queue, arg = self._existing_queue()
        if existing_queue is not None:
            existing_queue.validate(arg)
            if isinstance(existing_queue.queue, Queue):
                raise ValueError(
                    f"{arg} is a Queue component, which owns its queue policy (S3 must be admitted to it); give its "
                    "aws.sqs.Queue or ARN and URL, or let the processor create it (QueueArgs(...))"
                )
        if self.processor is None:
            queue = self.queue
        else:
            queue = self.processor.existing_queue or self.processor.queue or QueueArgs()
        fifo = queue.is_fifo if isinstance(queue, ExistingQueue) else queue is not None and queue.fifo
        if fifo:
            raise ValueError("BucketProcessorArgs: S3 event notifications cannot target a FIFO queue")
        if self.write_back and self.queue is not None:
            raise ValueError(
                "BucketProcessorArgs.write_back needs function= or processor= (a bare queue has no writer to grant)"
            )
        if self.write_back and not self.suffix:
            raise ValueError(
                "BucketProcessorArgs.write_back needs a suffix, so the objects it writes do not notify again"
            )
        if self.prefix.startswith("/"):
            raise ValueError(f"BucketProcessorArgs.prefix: S3 keys do not start with '/', got {self.prefix!r}")
        if self.bucket is not None:
            self.bucket.validate()

    def _existing_queue(self) -> tuple[ExistingQueue | None, str]:
        """The existing queue S3 sends to, and how errors name it."""
        if isinstance(self.queue, ExistingQueue):
            return self.queue, "BucketProcessorArgs.queue"
        if self.processor is not None and self.processor.existing_queue is not None:
            return self.processor.existing_queue, "BucketProcessorArgs.processor.existing_queue"
        return None, ""


class BucketProcessor(pulumi.ComponentResource):
    """A :class:`~components.bucket.SecureBucket` (a child of the same name) that notifies a
    function or a queue of new objects.

    Outputs: ``arn`` and ``name`` are the bucket's, the principal: what uploads go to (``bucket_name`` and
    ``bucket_arn`` until 0.2.0, component outputs only).

    Example::

        imports = BucketProcessor("bulk-import", BucketProcessorArgs(prefix="uploads/", suffix=".csv",
            function=ServerlessFunctionArgs(handler="bulk_import.importer.handler",
                                            code=["lambdas/bulk_import", "lambdas/shared"]),
            bucket=SecureBucketArgs(expiration_days=30)))

    With an existing bucket, function or queue the processor creates only what it owns (the notification, the
    invoke permission or queue policy, the bucket grant); see ``existing_bucket``, :class:`ExistingFunction` and
    :class:`ExistingQueue` for what it checks.
    """

    #: The bucket the processor created (None with ``existing_bucket``: see ``arn`` and ``name``).
    secure_bucket: SecureBucket | None
    #: The S3 bucket itself (``secure_bucket.bucket``; None with ``existing_bucket``).
    bucket: s3.Bucket | None
    #: The function the processor created (None with ``existing_function``, ``processor`` or ``queue``).
    function: ServerlessFunction | None
    processor: QueueProcessor | None
    #: The queue the processor created (None with an existing queue, or none at all).
    queue: Queue | None
    #: With a queue under a customer-managed key given by ARN: the statements its key policy needs so S3 may deliver
    #: from this bucket only (logged: the processor cannot edit a key it was given), else empty.
    required_key_policy: list[KeyPolicyGrant]
    #: Statements an existing function's role needs and the processor could not grant (given no role): the read
    #: (and write-back) grant, and a processor's consume grant.
    required_statements: list[iam.Statement]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: BucketProcessorArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("bucket", "BucketProcessor", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        child = pulumi.ResourceOptions(parent=self)
        self.secure_bucket, self.bucket = None, None
        existing = args.existing_bucket
        bucket_id: pulumi.Input[str]
        if existing is None:
            given = args.bucket or SecureBucketArgs()
            # Same name as the processor: the bucket's children keep their names (uploads-bucket, ...).
            bucket_args = replace(given, tags={**args.tags, **given.tags}, context=given.context or context)
            self.secure_bucket = SecureBucket(name, bucket_args, child)
            self.bucket, self.arn, self.name = (
                self.secure_bucket.bucket,
                self.secure_bucket.arn,
                self.secure_bucket.name,
            )
            bucket_id = self.bucket.id
        elif isinstance(existing, SecureBucket):
            self.arn, self.name, bucket_id = existing.arn, existing.name, existing.bucket.id
        elif isinstance(existing, s3.Bucket):
            self.arn, self.name, bucket_id = existing.arn, existing.bucket, existing.id
        else:
            self.name = pulumi.Output.from_input(existing)
            self.arn, bucket_id = pulumi.Output.concat("arn:aws:s3:::", existing), existing
            children.not_checked(
                f"BucketProcessor {name}", "the existing bucket's public access block, encryption and TLS-only policy"
            )
        key_arn = self.secure_bucket.kms_key_arn if self.secure_bucket is not None else None
        if isinstance(existing, SecureBucket):
            key_arn = existing.kms_key_arn
        read = [iam.s3_read(self.arn, args.prefix)]
        if key_arn is not None:
            read.append(iam.kms_decrypt(key_arn, "s3"))
        if args.write_back:
            read.append(iam.s3_write(self.arn, args.prefix))
            if key_arn is not None:
                read.append(iam.kms_encrypt(key_arn, "s3"))
        self.function, self.processor, self.queue = None, None, None
        self.required_key_policy, self.required_statements = [], []
        notified: dict[str, Any] = {"events": [OBJECT_CREATED], "filter_prefix": args.prefix or None}
        notified["filter_suffix"] = args.suffix or None
        functions, queues = None, None
        if args.function is not None or args.existing_function is not None:
            if args.function is not None:
                function_args = replace(
                    args.function,
                    permissions=[*args.function.permissions, *read],
                    async_invoke=args.function.async_invoke or AsyncInvokeArgs(),
                    tags={**args.tags, **args.function.tags},
                )
                self.function = ServerlessFunction(name, function_args, child)
                target = self.function.target
            else:
                existing_function = args.existing_function
                assert existing_function is not None
                self.required_statements = self._grant(name, existing_function, read, "existing_function")
                check_async_failures(
                    f"BucketProcessor {name}", "BucketProcessorArgs.existing_function", existing_function, "events"
                )
                target = InvokeTarget.of(existing_function.function or existing_function.function_arn)
            ready: pulumi.Resource = invoke_permission(
                f"{name}-permission",
                target,
                "s3.amazonaws.com",
                source_arn=self.arn,
                # Bucket ARNs carry no account: without it, a bucket of that name elsewhere could invoke.
                source_account=iam.account_of(target.arn),
                parent=self,
            )
            functions = [s3.BucketNotificationLambdaFunctionArgs(lambda_function_arn=target.arn, **notified)]
        else:
            from_bucket = ServiceSender("s3.amazonaws.com", self.arn)
            existing_queue, queue_arg = args._existing_queue()
            queue_arn: pulumi.Input[str]
            if args.processor is not None:
                processor = replace(
                    args.processor,
                    queue=None if existing_queue else self._admitting(args.processor.queue or QueueArgs(), from_bucket),
                    tags={**args.tags, **args.processor.tags},
                )
                consumer = args.processor.function
                if consumer is not None:
                    processor = replace(
                        processor, function=replace(consumer, permissions=[*consumer.permissions, *read])
                    )
                self.processor = QueueProcessor(name, processor, child)
                self.queue, queue_arn = self.processor.queue, self.processor.queue_arn
                if args.processor.existing_function is not None:
                    self.required_statements = [
                        *self.processor.required_statements,
                        *self._grant(name, args.processor.existing_function, read, "processor.existing_function"),
                    ]
            elif isinstance(args.queue, QueueArgs):
                queue_args = replace(self._admitting(args.queue, from_bucket), tags={**args.tags, **args.queue.tags})
                self.queue = Queue(name, queue_args, child)
                queue_arn = self.queue.arn
            if existing_queue is not None:
                existing_queue.check_standard(f"BucketProcessor {name}", queue_arg, "S3 event notification")
                queue_arn = existing_queue.queue_arn
                # S3 checks on creation that it may send: the queue's policy must exist first.
                ready = queue_policy(
                    f"{name}-queue", None, [from_bucket], parent=self, arn=queue_arn, url=existing_queue.queue_url
                )
                if existing_queue.key_arn is not None:
                    self.required_key_policy.append(
                        delivery_key_policy(
                            f"BucketProcessor {name}",
                            f"{queue_arg}.kms_key_arn",
                            existing_queue.key_arn,
                            [from_bucket],
                            iam.account_of(queue_arn),
                        )
                    )
            else:
                assert self.queue is not None  # created above
                # A queue under a key given by ARN lists what S3 needs of that key to deliver from this bucket.
                self.required_key_policy = list(self.queue.required_key_policy)
                ready = self.processor or self.queue
            queues = [s3.BucketNotificationQueueArgs(queue_arn=queue_arn, **notified)]
        s3.BucketNotification(
            f"{name}-notification",
            bucket=bucket_id,
            lambda_functions=functions,
            queues=queues,
            opts=pulumi.ResourceOptions(parent=self, depends_on=[ready]),
        )
        self.register_outputs({"arn": self.arn, "name": self.name})

    def _grant(
        self, name: str, existing: ExistingFunction, statements: list[iam.Statement], arg: str
    ) -> list[iam.Statement]:
        """The bucket grant on an existing function's role (a policy of the processor's), or the statements listed."""
        return grant_to_existing(f"{name}-bucket", existing, statements, parent=self, arg=f"BucketProcessorArgs.{arg}")

    @staticmethod
    def _admitting(queue: QueueArgs, sender: ServiceSender) -> QueueArgs:
        return replace(queue, senders=[*queue.senders, sender])
