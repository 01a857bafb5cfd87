"""WebhookReceiver: payments (defaults), partners (overrides, generated secret), crm (secret from config)."""

import pulumi

from pulumi_wasp.components import QueueProcessorArgs, RestApi, RestApiArgs, StackContext, use_stack_context
from pulumi_wasp.components.webhook_receiver import WebhookReceiver, WebhookReceiverArgs
from tests.unit.components.synth_helpers import function_args

use_stack_context(StackContext(alarm_topic_arn="arn:aws:sns:eu-west-1:123456789012:alarms"))


def receiver(name: str, **overrides) -> WebhookReceiver:
    args = WebhookReceiverArgs(
        **{
            "path": f"/webhooks/{name}",
            "verifier": function_args(),
            "processor": QueueProcessorArgs(function=function_args()),
            **overrides,
        }
    )
    return WebhookReceiver(name, args)


payments = receiver("payments")
partners = receiver(
    "partners",
    verifier=function_args(environment={"SIGNATURE_HEADER": "X-Partner-Signature"}, memory_mb=128),
    tolerance_seconds=60,
    generate_secret=True,
    secret_kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/webhooks",
    tags={"team": "partners"},
)
crm = receiver("crm", secret_value=pulumi.Config().require_secret("crmWebhookSecret"))

RestApi("hooks", RestApiArgs(routes=[payments.route, partners.route, crm.route]))
