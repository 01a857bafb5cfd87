"""Well-Architected serverless components for Pulumi (Python): one module per event-driven pattern.

Every component takes a typed args dataclass whose fields document their defaults (kept in
:mod:`components.defaults`), parents its children to itself and registers its outputs.
"""

from components.bucket import SecureBucket, SecureBucketArgs
from components.bucket_processor import BucketProcessor, BucketProcessorArgs
from components.event_router import (
    EventRouter,
    EventRouterArgs,
    EventRule,
    EventSchema,
    LambdaTarget,
    QueueTarget,
    StateMachineTarget,
    TopicTarget,
)
from components.event_store import INSERTS_ONLY, EventStore, EventStoreArgs, Projection
from components.fanout import FanOut, FanOutArgs, Subscriber
from components.function import AsyncInvokeArgs, ServerlessFunction, ServerlessFunctionArgs
from components.observability import Dashboard, DashboardArgs
from components.queue import Queue, QueueArgs
from components.queue_processor import QueueProcessor, QueueProcessorArgs
from components.rest_api import RestApi, RestApiArgs, Route
from components.saga import Compensation, FinalTask, ParallelStep, Retry, Saga, SagaArgs, Step
from components.scheduled_job import ScheduledJob, ScheduledJobArgs
from components.shared import iam
from components.shared.alarms import AlarmTopic
from components.shared.context import StackContext, current_stack_context, use_stack_context
from components.shared.queues import ServiceSender
from components.stream_processor import StreamConsumer, StreamProcessor, StreamProcessorArgs
from components.table import Table, TableArgs
from components.webhook_receiver import WebhookReceiver, WebhookReceiverArgs

__all__ = [
    "INSERTS_ONLY",
    "AlarmTopic",
    "AsyncInvokeArgs",
    "BucketProcessor",
    "BucketProcessorArgs",
    "Compensation",
    "Dashboard",
    "DashboardArgs",
    "EventRouter",
    "EventRouterArgs",
    "EventRule",
    "EventSchema",
    "EventStore",
    "EventStoreArgs",
    "FanOut",
    "FanOutArgs",
    "FinalTask",
    "LambdaTarget",
    "ParallelStep",
    "Projection",
    "Queue",
    "QueueArgs",
    "QueueProcessor",
    "QueueProcessorArgs",
    "QueueTarget",
    "RestApi",
    "RestApiArgs",
    "Retry",
    "Route",
    "Saga",
    "SagaArgs",
    "ScheduledJob",
    "ScheduledJobArgs",
    "SecureBucket",
    "SecureBucketArgs",
    "ServerlessFunction",
    "ServerlessFunctionArgs",
    "ServiceSender",
    "StackContext",
    "StateMachineTarget",
    "Step",
    "StreamConsumer",
    "StreamProcessor",
    "StreamProcessorArgs",
    "Subscriber",
    "Table",
    "TableArgs",
    "TopicTarget",
    "WebhookReceiver",
    "WebhookReceiverArgs",
    "current_stack_context",
    "iam",
    "use_stack_context",
]
