"""A queue processor whose function publishes versions behind a live alias, with provisioned concurrency under
Application Auto Scaling and a canary deployment through CodeDeploy: what the local cloud creates, what it lists
as not created (and why), and how a weighted alias routes invocations, the queue's and a stream's polled ones
too."""

import pulumi

from pulumi_wasp.components import (
    AliasArgs,
    GradualDeploymentArgs,
    ProvisionedConcurrencyArgs,
    ProvisionedScalingArgs,
    QueueProcessor,
    QueueProcessorArgs,
    ScheduledCapacity,
    ServerlessFunctionArgs,
    StreamMappingArgs,
    StreamProcessor,
    StreamProcessorArgs,
)

PROBE = ["../../functions/probe"]

worker = QueueProcessor(
    "worker",
    QueueProcessorArgs(
        function=ServerlessFunctionArgs(
            handler="probe.handler.handler",
            code=PROBE,
            reserved_concurrency=4,
            alias=AliasArgs(
                provisioned_concurrency=ProvisionedConcurrencyArgs(
                    executions=1,
                    auto_scaling=ProvisionedScalingArgs(
                        min_capacity=1,
                        max_capacity=3,
                        scheduled=[
                            ScheduledCapacity(
                                name="mornings", schedule="cron(0 8 ? * MON-FRI *)", min_capacity=2, max_capacity=3
                            )
                        ],
                    ),
                ),
                deployment=GradualDeploymentArgs(),
            ),
        )
    ),
)

assert worker.function is not None
pulumi.export("function_name", worker.function.name)
pulumi.export("alias_arn", worker.function.target.arn)
pulumi.export("queue_url", worker.url)

clicks = StreamProcessor(
    "clicks",
    StreamProcessorArgs(
        function=ServerlessFunctionArgs(handler="probe.handler.handler", code=PROBE, alias=AliasArgs()),
        mapping=StreamMappingArgs(starting_position="TRIM_HORIZON", batching_window_seconds=0),
        redrive=None,
    ),
)
assert clicks.function is not None
pulumi.export("stream_function_name", clicks.function.name)
pulumi.export("stream_alias_arn", clicks.function.target.arn)
pulumi.export("stream_name", clicks.name)
