"""A queue processed by the probe function, and a resource the emulator refuses: enough for the
local cloud's serve, verb and process tests."""

import pulumi
import pulumi_aws as aws

from components import QueueProcessor, QueueProcessorArgs, ServerlessFunctionArgs

probe = QueueProcessor(
    "probe",
    QueueProcessorArgs(
        function=ServerlessFunctionArgs(
            handler="probe.handler.handler",
            code=["../../functions/probe"],
            environment={"GREETING": "hello"},
            reserved_concurrency=2,
        )
    ),
)
pulumi.export("queue_url", probe.queue.url)
pulumi.export("function_name", probe.function.name)

# The emulator refuses this one (no such function): the deploy must list it, not drop it.
aws.lambda_.Permission(
    "orphan-permission", function="no-such-function", action="lambda:InvokeFunction", principal="events.amazonaws.com"
)
