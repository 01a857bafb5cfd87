"""WebhookReceiver: a signed-webhook endpoint that only verifies and enqueues.

``POST <path>`` → verifier function (HMAC signature and timestamp tolerance against a secret
in Secrets Manager, read through Powertools Parameters; 401 or 202 after SendMessage) → a
QueueProcessor whose worker does the actual processing. Nothing heavy runs in the request path,
so the sender gets its answer fast and processing retries without the sender retrying.
"""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace

import pulumi
from pulumi_aws import secretsmanager

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.queue_processor import QueueProcessor, QueueProcessorArgs
from pulumi_wasp.components.rest_api import Route
from pulumi_wasp.components.shared import iam
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.tokens import component_type


@dataclass(kw_only=True)
class WebhookReceiverArgs:
    """Arguments of :class:`WebhookReceiver`."""

    #: The path of the POST route, e.g. "/webhooks/payments".
    path: str
    #: The verifier. It gets WEBHOOK_SECRET_NAME, WEBHOOK_QUEUE_URL and WEBHOOK_TOLERANCE_SECONDS,
    #: may read the secret and send to the queue, and sits behind the API (timeout ≤ 29 s).
    verifier: ServerlessFunctionArgs
    #: The queue and the worker that processes verified webhooks.
    processor: QueueProcessorArgs
    #: defaults.WEBHOOK_TOLERANCE_SECONDS (300): older (or future) signed timestamps are replays.
    tolerance_seconds: int = defaults.WEBHOOK_TOLERANCE_SECONDS
    #: The signing secret's value, e.g. ``config.require_secret("paymentsWebhookSecret")``. When
    #: None (and not generated) it is managed outside Pulumi: ``aws secretsmanager put-secret-value``.
    secret_value: pulumi.Input[str] | None = None
    #: Generate a random secret once (kept on later deployments) to hand to the sender.
    generate_secret: bool = False
    #: KMS key of the secret; the AWS-managed aws/secretsmanager key when None.
    secret_kms_key_arn: pulumi.Input[str] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        if not self.path.startswith("/") or self.path == "/":
            raise ValueError(
                f"WebhookReceiverArgs.path must be a path below '/', e.g. '/webhooks/payments', got {self.path!r}",
            )
        if not 1 <= self.tolerance_seconds <= 3600:
            raise ValueError(f"WebhookReceiverArgs.tolerance_seconds must be 1..3600, got {self.tolerance_seconds}")
        if self.secret_value is not None and self.generate_secret:
            raise ValueError("WebhookReceiverArgs: set secret_value or generate_secret, not both")


class WebhookReceiver(pulumi.ComponentResource):
    """Verifier function, signing secret and queue processor of a webhook; put :attr:`route` on a RestApi.

    Outputs: ``arn`` and ``name`` are the verifier function's, the principal: the endpoint the route
    invokes. There is no ``url``: the route is served by the RestApi it is put on (its ``url`` plus ``path``).
    ``secret_arn`` and ``queue_url`` (the processor's queue) besides; ``verifier_name``, the 0.1.0 output key,
    was a component output only.

    Example::

        payments = WebhookReceiver("payment-webhooks", WebhookReceiverArgs(path="/webhooks/payments",
            verifier=function("payment_webhooks.verifier.handler"),
            processor=QueueProcessorArgs(function=function("payment_webhooks.worker.handler"))))
        api = RestApi("orders", RestApiArgs(routes=[..., payments.route]))
    """

    secret: secretsmanager.Secret
    verifier: ServerlessFunction
    processor: QueueProcessor
    route: Route
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: WebhookReceiverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("webhook", "WebhookReceiver", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.secret = secretsmanager.Secret(
            f"{name}-secret",
            description=f"Signing secret of the {name} webhook (HMAC-SHA256 over timestamp.body)",
            kms_key_id=args.secret_kms_key_arn,
            tags=tags,
            opts=child,
        )
        if args.secret_value is not None:
            secretsmanager.SecretVersion(
                f"{name}-secret-value",
                secret_id=self.secret.id,
                secret_string=pulumi.Output.secret(args.secret_value),
                opts=child,
            )
        elif args.generate_secret:
            secretsmanager.SecretVersion(
                f"{name}-secret-value",
                secret_id=self.secret.id,
                secret_string=pulumi.Output.secret(secrets.token_urlsafe(32)),
                # Generated on the first deployment only: later runs must not rotate it under the sender.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secretString"]),
            )
        processor = replace(args.processor, tags={**args.tags, **args.processor.tags})
        self.processor = QueueProcessor(name, processor, child)
        queue_url = self.processor.queue_url
        permissions = [
            *args.verifier.permissions,
            iam.secret_read(self.secret.arn),
            iam.sqs_send(self.processor.queue_arn),
        ]
        if args.secret_kms_key_arn is not None:
            permissions.append(iam.kms_decrypt(args.secret_kms_key_arn))
        environment = {
            **args.verifier.environment,
            "WEBHOOK_SECRET_NAME": self.secret.name,
            "WEBHOOK_QUEUE_URL": queue_url,
            "WEBHOOK_TOLERANCE_SECONDS": str(args.tolerance_seconds),
        }
        verifier = replace(
            args.verifier,
            environment=environment,
            permissions=permissions,
            behind_api=True,
            tags={**args.tags, **args.verifier.tags},
        )
        self.verifier = ServerlessFunction(f"{name}-verifier", verifier, child)
        # Providers cannot sign with SigV4: the verifier authenticates each call by its HMAC signature.
        self.route = Route("POST", args.path, self.verifier, authorization="NONE")
        self.route.validate()
        self.arn, self.name = self.verifier.arn, self.verifier.name
        outputs = {"arn": self.arn, "name": self.name}
        self.register_outputs({**outputs, "secret_arn": self.secret.arn, "queue_url": queue_url})
