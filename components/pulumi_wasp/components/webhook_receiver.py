"""WebhookReceiver: a signed-webhook endpoint that only verifies and enqueues.

``POST <path>`` → verifier function (HMAC signature and timestamp tolerance against a secret
in Secrets Manager, read through Powertools Parameters; 401 or 202 after SendMessage) → a
QueueProcessor whose worker does the actual processing. Nothing heavy runs in the request path,
so the sender gets its answer fast and processing retries without the sender retrying.

The secret rotates on request (a generated HMAC key, by the toolkit's rotation function), or carries the reason it
does not (``rotation_exemption``), which the policy pack's secret-rotation rule reports instead of a finding.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi
from pulumi_aws import lambda_, secretsmanager

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import (
    ExistingFunction,
    ServerlessFunction,
    ServerlessFunctionArgs,
    grant_to_existing,
)
from pulumi_wasp.components.queue_processor import QueueProcessor, QueueProcessorArgs
from pulumi_wasp.components.rest_api import Route
from pulumi_wasp.components.shared import children, iam
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.exemptions import exemption_problem, exemption_tag
from pulumi_wasp.components.shared.rotation import SecretRotationArgs, rotate
from pulumi_wasp.components.shared.tokens import component_type

#: The policy rule a secret that does not rotate is exempted from (``rotation_exemption``).
ROTATION_RULE = "secret-rotation"


@dataclass(kw_only=True)
class WebhookReceiverArgs:
    """Arguments of :class:`WebhookReceiver`."""

    #: The path of the POST route, e.g. "/webhooks/payments".
    path: str
    #: The queue and the worker that processes verified webhooks; an existing queue is
    #: ``QueueProcessorArgs.existing_queue``, an existing worker ``QueueProcessorArgs.existing_function``.
    processor: QueueProcessorArgs
    #: The verifier to create. It gets WEBHOOK_SECRET_NAME, WEBHOOK_QUEUE_URL and WEBHOOK_TOLERANCE_SECONDS,
    #: may read the secret and send to the queue, and sits behind the API (timeout ≤ 29 s). Or ``existing_verifier``.
    verifier: ServerlessFunctionArgs | None = None
    #: A verifier the component does not create (see :class:`ExistingFunction` for its role). The component
    #: cannot set its environment: it must carry the variables of :attr:`WebhookReceiver.verifier_environment`
    #: (checked for a ServerlessFunction, and for an ``aws.lambda_.Function`` once known; logged as unchecked for
    #: a bare ARN), and its timeout must be ≤ 29 s (see :class:`Route`).
    existing_verifier: ExistingFunction | None = None
    #: A JSON schema of the payload: API Gateway refuses one that does not conform (400) before the verifier runs,
    #: so malformed calls cost no invocation. None (the default): any body reaches the verifier, which the
    #: apigw-request-validation rule reports. Keep it no stricter than the verifier, or valid events are refused.
    payload_schema: Mapping[str, Any] | None = None
    #: defaults.WEBHOOK_TOLERANCE_SECONDS (300): older (or future) signed timestamps are replays.
    tolerance_seconds: int = defaults.WEBHOOK_TOLERANCE_SECONDS
    #: The signing secret's value, e.g. ``config.require_secret("paymentsWebhookSecret")``. When
    #: None (and not generated) it is managed outside Pulumi: ``aws secretsmanager put-secret-value``.
    secret_value: pulumi.Input[str] | None = None
    #: Generate a random secret once (kept on later deployments) to hand to the sender.
    generate_secret: bool = False
    #: KMS key of the secret; the AWS-managed aws/secretsmanager key when None. With ``existing_secret``: the key
    #: it is encrypted with, which the verifier is then granted to decrypt with.
    secret_kms_key_arn: pulumi.Input[str] | None = None
    #: A signing secret the component does not create: an ``aws.secretsmanager.Secret`` or its ARN. Its value is
    #: then not the component's (no ``secret_value``, no ``generate_secret``). From a resource the component
    #: checks, once known, that a KMS key of its own comes with ``secret_kms_key_arn``; from an ARN nothing
    #: (a log line says so).
    existing_secret: secretsmanager.Secret | pulumi.Input[str] | None = None
    #: Keyword arguments of ``aws.secretsmanager.Secret`` merged over the secret's defaults (``tags`` merge,
    #: other keys replace); an unknown key is an error.
    secret_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Rotate the secret: ``SecretRotationArgs()`` every defaults.SECRET_ROTATION_DAYS (30) days, the first time at
    #: deploy, by a rotation function the component deploys (a new random 32-byte key each time). The values are then
    #: the rotation's alone (not with ``secret_value`` or ``generate_secret``); the verifier should accept AWSPREVIOUS
    #: as well as AWSCURRENT, so the sender has until the next rotation to re-read the secret. None (the default):
    #: no rotation; give ``rotation_exemption`` to say why.
    rotation: SecretRotationArgs | None = None
    #: Why the secret does not rotate, e.g. "issued by the provider; rotated with them by hand" (10..256 characters
    #: of a tag value): tagged ``policy-exempt:secret-rotation``, so the pack reports the exemption and its reason.
    rotation_exemption: str | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None

    def validate(self) -> None:
        children.exactly_one(
            "WebhookReceiverArgs",
            ("WebhookReceiverArgs.existing_verifier", self.existing_verifier),
            ("WebhookReceiverArgs.verifier", self.verifier),
        )
        if self.existing_verifier is not None:
            self.existing_verifier.validate("WebhookReceiverArgs.existing_verifier")
        if isinstance(self.existing_verifier, ExistingFunction) and isinstance(
            self.existing_verifier.function, ServerlessFunction
        ):
            message = _environment_problem(self.existing_verifier.function.args.environment)
            if message:
                raise ValueError(message)
        if self.existing_secret is not None:
            owned = [
                arg
                for arg, given in (
                    ("secret_value", self.secret_value is not None),
                    ("generate_secret", self.generate_secret),
                    ("secret_overrides", bool(self.secret_overrides)),
                    ("rotation", self.rotation is not None),
                    ("rotation_exemption", self.rotation_exemption is not None),
                )
                if given
            ]
            if owned:
                raise ValueError(
                    f"WebhookReceiverArgs: {', '.join(owned)} apply to a secret the component creates, not to "
                    "existing_secret (its value is managed where the secret is)"
                )
            if isinstance(self.existing_secret, str) and not _SECRET_ARN.match(self.existing_secret):
                raise ValueError(
                    "WebhookReceiverArgs.existing_secret must be a Secrets Manager secret ARN "
                    f"(arn:aws:secretsmanager:<region>:<account>:secret:<name>-<suffix>), got {self.existing_secret!r}"
                )
        if not self.path.startswith("/") or self.path == "/":
            raise ValueError(
                f"WebhookReceiverArgs.path must be a path below '/', e.g. '/webhooks/payments', got {self.path!r}",
            )
        if not 1 <= self.tolerance_seconds <= 3600:
            raise ValueError(f"WebhookReceiverArgs.tolerance_seconds must be 1..3600, got {self.tolerance_seconds}")
        if self.secret_value is not None and self.generate_secret:
            raise ValueError("WebhookReceiverArgs: set secret_value or generate_secret, not both")
        if self.rotation is not None:
            if self.rotation_exemption is not None:
                raise ValueError("WebhookReceiverArgs: set rotation or rotation_exemption, not both")
            if self.secret_value is not None or self.generate_secret:
                raise ValueError(
                    "WebhookReceiverArgs.rotation generates the secret's values itself (the first at deploy): "
                    "leave secret_value unset and generate_secret False"
                )
            self.rotation.validate("WebhookReceiverArgs.rotation")
        if self.rotation_exemption is not None:
            problem = exemption_problem(self.rotation_exemption)
            if problem is not None:
                raise ValueError(f"WebhookReceiverArgs.rotation_exemption {problem}, got {self.rotation_exemption!r}")


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

    The verifier, the secret and the processor's queue and worker may each be existing ones
    (``existing_verifier``, ``existing_secret``, ``QueueProcessorArgs.existing_queue`` / ``existing_function``):
    the component still grants the verifier the secret and the queue, and builds the route.
    """

    #: The secret the component created (None with ``existing_secret``).
    secret: secretsmanager.Secret | None
    #: The function rotating the secret (``WebhookReceiverArgs.rotation``); None without rotation.
    rotation: ServerlessFunction | None = None
    #: The verifier the component created (None with ``existing_verifier``).
    verifier: ServerlessFunction | None
    processor: QueueProcessor
    route: Route
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    secret_arn: pulumi.Output[str]
    #: The variables the verifier reads: set for a verifier the component creates, to set on an existing one.
    verifier_environment: dict[str, pulumi.Input[str]]
    #: Statements an existing verifier's role needs and the component could not grant (given no role).
    required_statements: list[iam.Statement]

    def __init__(self, name: str, args: WebhookReceiverArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("webhook", "WebhookReceiver", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.secret = None
        secret_name: pulumi.Input[str]
        if args.existing_secret is None:
            self.secret = self._create_secret(name, args, tags)
            self.secret_arn, secret_name = self.secret.arn, self.secret.name
        elif isinstance(args.existing_secret, secretsmanager.Secret):
            existing = args.existing_secret
            self.secret_arn, secret_name = existing.arn, existing.name
            if args.secret_kms_key_arn is None:
                children.check_known(existing.kms_key_id, lambda key: _kms_problem(name, key))
        else:
            # Secrets Manager takes the ARN wherever it takes the name (GetSecretValue's SecretId).
            self.secret_arn = pulumi.Output.from_input(args.existing_secret)
            secret_name = args.existing_secret
            children.not_checked(
                f"WebhookReceiver {name}",
                "the existing secret's KMS key (give secret_kms_key_arn when it has one of its own) and its value",
            )
        processor = replace(args.processor, tags={**args.tags, **args.processor.tags})
        self.processor = QueueProcessor(name, processor, child)
        queue_url = self.processor.queue_url
        grants = [iam.secret_read(self.secret_arn), *self.processor.sender_statements()]
        if args.secret_kms_key_arn is not None:
            grants.append(iam.kms_decrypt(args.secret_kms_key_arn))
        self.verifier_environment = {
            "WEBHOOK_SECRET_NAME": secret_name,
            "WEBHOOK_QUEUE_URL": queue_url,
            "WEBHOOK_TOLERANCE_SECONDS": str(args.tolerance_seconds),
        }
        self.verifier, self.required_statements = None, []
        endpoint: ServerlessFunction | ExistingFunction
        if args.verifier is not None:
            verifier = replace(
                args.verifier,
                environment={**args.verifier.environment, **self.verifier_environment},
                permissions=[*args.verifier.permissions, *grants],
                behind_api=True,
                tags={**args.tags, **args.verifier.tags},
            )
            self.verifier = endpoint = ServerlessFunction(f"{name}-verifier", verifier, child)
            self.arn, self.name = self.verifier.arn, self.verifier.name
        else:
            assert args.existing_verifier is not None  # validated
            endpoint = args.existing_verifier
            self._adopt_verifier(name, endpoint)
            self.required_statements = grant_to_existing(
                f"{name}-verifier", endpoint, grants, parent=self, arg="WebhookReceiverArgs.existing_verifier"
            )
            self.arn = pulumi.Output.from_input(endpoint.function_arn)
            # A function's name is the last part of its ARN (arn:aws:lambda:<region>:<account>:function:<name>).
            self.name = endpoint.function.name if endpoint.function is not None else self.arn.apply(_function_name)
        # Providers cannot sign with SigV4: the verifier authenticates each call by its HMAC signature.
        self.route = Route("POST", args.path, endpoint, authorization="NONE", request_schema=args.payload_schema)
        self.route.validate()
        outputs = {"arn": self.arn, "name": self.name}
        self.register_outputs({**outputs, "secret_arn": self.secret_arn, "queue_url": queue_url})

    def _create_secret(self, name: str, args: WebhookReceiverArgs, tags: dict[str, str]) -> secretsmanager.Secret:
        child = pulumi.ResourceOptions(parent=self)
        secret_tags = tags
        if args.rotation_exemption is not None:
            secret_tags = {**tags, **exemption_tag(ROTATION_RULE, args.rotation_exemption)}
        secret_defaults = {
            "description": f"Signing secret of the {name} webhook (HMAC-SHA256 over timestamp.body)",
            "kms_key_id": args.secret_kms_key_arn,
            "tags": secret_tags,
        }
        secret = children.create(
            secretsmanager.Secret,
            f"{name}-secret",
            secret_defaults,
            args.secret_overrides,
            arg="WebhookReceiverArgs.secret_overrides",
            opts=child,
        )
        if args.rotation is not None:
            self.rotation = rotate(
                name, secret, args.rotation, kms_key_arn=args.secret_kms_key_arn, tags=tags, parent=self
            )
        if args.secret_value is not None:
            secretsmanager.SecretVersion(
                f"{name}-secret-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(args.secret_value),
                opts=child,
            )
        elif args.generate_secret:
            secretsmanager.SecretVersion(
                f"{name}-secret-value",
                secret_id=secret.id,
                secret_string=pulumi.Output.secret(secrets.token_urlsafe(32)),
                # Generated on the first deployment only: later runs must not rotate it under the sender.
                opts=pulumi.ResourceOptions(parent=self, ignore_changes=["secretString"]),
            )
        return secret

    def _adopt_verifier(self, name: str, existing: ExistingFunction) -> None:
        """Check what the existing verifier reads where its environment is known; say so where it is not."""
        if isinstance(existing.function, lambda_.Function):
            children.check_known(
                existing.function.environment,
                lambda environment: _environment_problem(_variables(environment), f"WebhookReceiver {name}: "),
            )
        elif existing.function is None:
            children.not_checked(
                f"WebhookReceiver {name}",
                f"the existing verifier's environment (it must carry {', '.join(VERIFIER_VARIABLES)}: see "
                "verifier_environment)",
            )


#: What the verifier reads (lambdas/payment_webhooks/verifier.py is the reference one).
VERIFIER_VARIABLES = ("WEBHOOK_SECRET_NAME", "WEBHOOK_QUEUE_URL", "WEBHOOK_TOLERANCE_SECONDS")
_SECRET_ARN = re.compile(r"^arn:[\w-]+:secretsmanager:[\w-]+:\d{12}:secret:.+$")


def _variables(environment: Any) -> dict[str, Any]:
    if environment is None:
        return {}
    variables = environment.get("variables") if isinstance(environment, Mapping) else environment.variables
    return dict(variables or {})


def _environment_problem(variables: Mapping[str, Any], where: str = "") -> str | None:
    missing = [key for key in VERIFIER_VARIABLES if key not in variables]
    if not missing:
        return None
    return (
        f"{where}WebhookReceiverArgs.existing_verifier lacks the environment variables {', '.join(missing)} "
        "(their values are the component's verifier_environment)"
    )


def _kms_problem(name: str, key: str | None) -> str | None:
    if not key:
        return None
    return (
        f"WebhookReceiver {name}: WebhookReceiverArgs.existing_secret is encrypted with the KMS key {key!r}: give its "
        "ARN as secret_kms_key_arn, or the verifier cannot decrypt the secret"
    )


def _function_name(arn: str) -> str:
    return arn.split(":")[6] if arn.count(":") >= 6 else arn
