"""Powertools idempotency with its persistence layer created on first use, not at import.

``DynamoDBPersistenceLayer`` creates a boto3 DynamoDB client when constructed, and botocore loads the service model
then (about 60 ms, a quarter to two fifths of these handlers' cold import over their libraries). Built on the first
call, that cost moves to the first invocation that needs it, as every other client of ``shared.aws`` does: a cold
start that serves a GET, or a batch of ignored webhooks, never pays it.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from aws_lambda_powertools.utilities.idempotency import (
    DynamoDBPersistenceLayer,
    IdempotencyConfig,
    idempotent_function,
)

from shared.aws import client

Function = TypeVar("Function", bound=Callable[..., Any])


def idempotent_on_first_use(
    table_name: str, config: IdempotencyConfig, data_keyword_argument: str
) -> Callable[[Function], Function]:
    """``idempotent_function(data_keyword_argument=..., config=config)`` over ``table_name``, whose persistence layer
    is built on the decorated function's first call."""

    def decorate(function: Function) -> Function:
        @functools.cache
        def idempotent() -> Callable[..., Any]:
            persistence = DynamoDBPersistenceLayer(table_name=table_name, boto3_client=client("dynamodb"))
            return idempotent_function(
                data_keyword_argument=data_keyword_argument, persistence_store=persistence, config=config
            )(function)

        @functools.wraps(function)
        def call(*args: Any, **kwargs: Any) -> Any:
            return idempotent()(*args, **kwargs)

        return cast(Function, call)

    return decorate
