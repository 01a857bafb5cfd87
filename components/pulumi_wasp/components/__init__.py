"""The components: one module per event-driven pattern, re-exported by :mod:`pulumi_wasp`.

Every component takes a typed args dataclass whose fields document their defaults (kept in
:mod:`pulumi_wasp.components.defaults`), parents its children to itself and registers its outputs.
"""

from pulumi_wasp.components import defaults
from pulumi_wasp.components.bucket import AccessLogArgs, SecureBucket, SecureBucketArgs
from pulumi_wasp.components.bucket_processor import BucketProcessor, BucketProcessorArgs
from pulumi_wasp.components.event_router import (
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventSchema,
    LambdaTarget,
    QueueTarget,
    StateMachineTarget,
    TopicTarget,
)
from pulumi_wasp.components.event_store import INSERTS_ONLY, EventStore, EventStoreArgs, Projection
from pulumi_wasp.components.fanout import FanOut, FanOutArgs, Subscriber
from pulumi_wasp.components.function import (
    AsyncInvokeArgs,
    ExistingFunction,
    InvokeTarget,
    ServerlessFunction,
    ServerlessFunctionArgs,
    VpcArgs,
)
from pulumi_wasp.components.live_alias import (
    AliasArgs,
    GradualDeploymentArgs,
    ProvisionedConcurrencyArgs,
    ProvisionedScalingArgs,
    ScheduledCapacity,
    TrafficShift,
)
from pulumi_wasp.components.observability import Dashboard, DashboardArgs
from pulumi_wasp.components.queue import ExistingQueue, Queue, QueueArgs
from pulumi_wasp.components.queue_processor import QueueProcessor, QueueProcessorArgs
from pulumi_wasp.components.rest_api import ExistingRestApi, RestApi, RestApiArgs, Route
from pulumi_wasp.components.saga import Compensation, FinalTask, ParallelStep, Retry, Saga, SagaArgs, Step
from pulumi_wasp.components.scheduled_job import ScheduledJob, ScheduledJobArgs
from pulumi_wasp.components.shared import iam
from pulumi_wasp.components.shared.alarms import AlarmTopic, AlarmTopicArgs
from pulumi_wasp.components.shared.capacity import CapacityScaling, ProvisionedCapacity
from pulumi_wasp.components.shared.context import StackContext, current_stack_context, use_stack_context
from pulumi_wasp.components.shared.queues import ServiceSender
from pulumi_wasp.components.shared.rotation import SecretRotationArgs
from pulumi_wasp.components.shared.waf import WafArgs
from pulumi_wasp.components.stream_processor import (
    StreamConsumer,
    StreamMappingArgs,
    StreamProcessor,
    StreamProcessorArgs,
)
from pulumi_wasp.components.stream_redrive import RedriveArgs
from pulumi_wasp.components.table import (
    ExistingTable,
    GlobalSecondaryIndex,
    LocalSecondaryIndex,
    Table,
    TableArgs,
)
from pulumi_wasp.components.webhook_receiver import WebhookReceiver, WebhookReceiverArgs

__all__ = [
    "INSERTS_ONLY",
    "AccessLogArgs",
    "AlarmTopic",
    "AlarmTopicArgs",
    "AliasArgs",
    "AsyncInvokeArgs",
    "BucketProcessor",
    "BucketProcessorArgs",
    "CapacityScaling",
    "Compensation",
    "Dashboard",
    "DashboardArgs",
    "EventRouter",
    "EventRouterArgs",
    "EventRule",
    "EventSchema",
    "EventStore",
    "EventStoreArgs",
    "ExistingFunction",
    "ExistingQueue",
    "ExistingRestApi",
    "ExistingTable",
    "FanOut",
    "FanOutArgs",
    "FinalTask",
    "GlobalSecondaryIndex",
    "GradualDeploymentArgs",
    "InvokeTarget",
    "LambdaTarget",
    "LocalSecondaryIndex",
    "ParallelStep",
    "Projection",
    "ProvisionedCapacity",
    "ProvisionedConcurrencyArgs",
    "ProvisionedScalingArgs",
    "Queue",
    "QueueArgs",
    "QueueProcessor",
    "QueueProcessorArgs",
    "QueueTarget",
    "RedriveArgs",
    "RestApi",
    "RestApiArgs",
    "Retry",
    "Route",
    "Saga",
    "SagaArgs",
    "ScheduledCapacity",
    "ScheduledJob",
    "ScheduledJobArgs",
    "SecretRotationArgs",
    "SecureBucket",
    "SecureBucketArgs",
    "ServerlessFunction",
    "ServerlessFunctionArgs",
    "ServiceSender",
    "StackContext",
    "StateMachineTarget",
    "Step",
    "StreamConsumer",
    "StreamMappingArgs",
    "StreamProcessor",
    "StreamProcessorArgs",
    "Subscriber",
    "Table",
    "TableArgs",
    "TopicTarget",
    "TrafficShift",
    "VpcArgs",
    "WafArgs",
    "WebhookReceiver",
    "WebhookReceiverArgs",
    "current_stack_context",
    "defaults",
    "iam",
    "use_stack_context",
]
