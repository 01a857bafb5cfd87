"""Well-Architected serverless components for Pulumi (Python): one module per event-driven pattern.

Every component takes a typed args dataclass whose fields document their defaults (kept in
:mod:`components.defaults`), parents its children to itself and registers its outputs.
"""

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
from components.fanout import FanOut, FanOutArgs, Subscriber
from components.function import AsyncInvokeArgs, ServerlessFunction, ServerlessFunctionArgs
from components.queue import Queue, QueueArgs
from components.queue_processor import QueueProcessor, QueueProcessorArgs
from components.rest_api import RestApi, RestApiArgs, Route
from components.shared import iam
from components.shared.alarms import AlarmTopic
from components.shared.context import StackContext, current_stack_context, use_stack_context
from components.shared.queues import ServiceSender
from components.table import Table, TableArgs

__all__ = [
    "AlarmTopic",
    "AsyncInvokeArgs",
    "EventRouter",
    "EventRouterArgs",
    "EventRule",
    "EventSchema",
    "FanOut",
    "FanOutArgs",
    "LambdaTarget",
    "Queue",
    "QueueArgs",
    "QueueProcessor",
    "QueueProcessorArgs",
    "QueueTarget",
    "RestApi",
    "RestApiArgs",
    "Route",
    "ServerlessFunction",
    "ServerlessFunctionArgs",
    "ServiceSender",
    "StackContext",
    "StateMachineTarget",
    "Subscriber",
    "Table",
    "TableArgs",
    "TopicTarget",
    "current_stack_context",
    "iam",
    "use_stack_context",
]
