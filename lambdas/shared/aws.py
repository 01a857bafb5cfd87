"""boto3 clients, one per service and execution environment, created on first use (never a network call at import)."""

from __future__ import annotations

from functools import cache
from typing import Any

import boto3


@cache
def client(service_name: str) -> Any:
    """The execution environment's client for ``service_name`` (reused across warm invocations)."""
    return boto3.client(service_name)
