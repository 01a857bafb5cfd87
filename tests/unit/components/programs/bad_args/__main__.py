"""Builds the one misconfigured component named by the config key ``case``."""

import pulumi

from pulumi_wasp.components import (
    AliasArgs,
    ProvisionedConcurrencyArgs,
    QueueProcessorArgs,
    RestApi,
    RestApiArgs,
    Route,
    SecureBucket,
    SecureBucketArgs,
    ServerlessFunction,
)
from pulumi_wasp.components.bucket_processor import BucketProcessor, BucketProcessorArgs
from pulumi_wasp.components.event_store import EventStore, EventStoreArgs, Projection
from pulumi_wasp.components.observability import Dashboard, DashboardArgs
from pulumi_wasp.components.saga import Saga, SagaArgs, Step
from pulumi_wasp.components.scheduled_job import ScheduledJob, ScheduledJobArgs
from pulumi_wasp.components.stream_processor import StreamMappingArgs, StreamProcessor, StreamProcessorArgs
from pulumi_wasp.components.webhook_receiver import WebhookReceiver, WebhookReceiverArgs
from tests.unit.components.synth_helpers import function_args

CASES = {
    "provisioned-over-reserved": lambda: ServerlessFunction(
        "fn",
        function_args(
            reserved_concurrency=50,
            alias=AliasArgs(provisioned_concurrency=ProvisionedConcurrencyArgs(executions=60)),
        ),
    ),
    "saga-without-compensation": lambda: Saga(
        "saga", SagaArgs(steps=[Step(name="Pay", function_arn="arn:aws:lambda:eu-west-1:123456789012:function:pay")])
    ),
    "stream-with-infinite-retries": lambda: StreamProcessor(
        "stream",
        StreamProcessorArgs(function=function_args(), mapping=StreamMappingArgs(max_retries=-1)),
    ),
    "event-store-duplicate-projections": lambda: EventStore(
        "store",
        EventStoreArgs(projections=[Projection(name="p", function=function_args())] * 2),
    ),
    "schedule-with-both-days": lambda: ScheduledJob(
        "job",
        ScheduledJobArgs(function=function_args(), schedule="cron(0 2 * * * *)"),
    ),
    "bucket-without-target": lambda: BucketProcessor("bucket", BucketProcessorArgs()),
    "bucket-with-customer-keys": lambda: SecureBucket("bucket", SecureBucketArgs(encryption="SSE-C")),
    "webhook-with-slow-verifier": lambda: WebhookReceiver(
        "hook",
        WebhookReceiverArgs(
            path="/hook",
            verifier=function_args(timeout_seconds=60),
            processor=QueueProcessorArgs(function=function_args()),
        ),
    ),
    "dashboard-without-components": lambda: Dashboard("ops", DashboardArgs(components=[])),
    "api-with-a-long-stage-name": lambda: RestApi(
        "api",
        RestApiArgs(
            routes=[Route("GET", "/", ServerlessFunction("fn", function_args(behind_api=True)))], stage_name="s" * 129
        ),
    ),
}

case = pulumi.Config().require("case")
if case != "none":
    CASES[case]()
