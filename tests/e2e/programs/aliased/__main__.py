"""A queue processor whose function publishes versions behind a live alias, with provisioned concurrency under
Application Auto Scaling and a canary deployment through CodeDeploy: what the local cloud creates, what it lists
as not created (and why), and how a weighted alias routes invocations on every path: Invoke, the queue's, a
stream's and an event store's polled ones, an API route, a schedule (and, wired by the tests, SNS, S3, EventBridge
and Step Functions)."""

import pulumi

from pulumi_wasp.components import (
    AliasArgs,
    EventStore,
    EventStoreArgs,
    GradualDeploymentArgs,
    Projection,
    ProvisionedConcurrencyArgs,
    ProvisionedScalingArgs,
    QueueProcessor,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    ScheduledCapacity,
    ScheduledJob,
    ScheduledJobArgs,
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


def aliased_probe() -> ServerlessFunctionArgs:
    return ServerlessFunctionArgs(handler="probe.handler.handler", code=PROBE, alias=AliasArgs())


api = RestApi("probe-api", RestApiArgs(routes=[Route("POST", "/probe", worker.function, authorization="NONE")]))
pulumi.export("api_url", api.url)

tick = ScheduledJob("tick", ScheduledJobArgs(schedule="rate(1 day)", function=aliased_probe()))
assert tick.function is not None
pulumi.export("tick_function_name", tick.function.name)
pulumi.export("tick_alias_arn", tick.function.target.arn)

ledger = EventStore(
    "ledger", EventStoreArgs(projections=[Projection(name="probe", function=aliased_probe(), redrive=None)])
)
projection = ledger.projections["probe"].function
assert projection is not None
pulumi.export("ledger_table_name", ledger.name)
pulumi.export("projection_function_name", projection.name)
pulumi.export("projection_alias_arn", projection.target.arn)
