"""A queue processed by the probe function: enough for the local cloud's process tests."""

import pulumi

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
