"""Logger, Tracer and Metrics for the function, configured by the POWERTOOLS_* environment variables.

``entrypoint`` stacks the three handler decorators every function needs in one place: a structured log context
with a correlation id, an X-Ray segment (POWERTOOLS_TRACE_DISABLED turns it off outside AWS), and one EMF blob of
metrics flushed per invocation (with the ColdStart metric).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

logger = Logger()
tracer = Tracer()
metrics = Metrics()

Handler = TypeVar("Handler", bound=Callable[..., Any])


def entrypoint(correlation_id_path: str | None = None) -> Callable[[Handler], Handler]:
    """Decorate a Lambda handler with logging context, tracing and metrics."""

    def decorate(handler: Handler) -> Handler:
        measured = metrics.log_metrics(handler, capture_cold_start_metric=True)
        traced = tracer.capture_lambda_handler(measured)
        return cast(
            Handler, logger.inject_lambda_context(traced, correlation_id_path=correlation_id_path, clear_state=True)
        )

    return decorate


def count(name: str, value: float = 1) -> None:
    """Add ``value`` to the metric ``name`` (unit Count) in this invocation's EMF blob."""
    metrics.add_metric(name=name, unit=MetricUnit.Count, value=value)
