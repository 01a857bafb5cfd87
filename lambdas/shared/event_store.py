"""The event store: one DynamoDB item per event, keyed by (aggregateId, version), append-only.

Each new event is stored unpublished (``shared.outbox``): the projector, or the outbox sweeper after it, marks it
once it is on the bus.

Optimistic concurrency: an append is a put conditioned on ``attribute_not_exists(version)``, so two writers that
decided on the same history cannot both succeed. ``decide_and_append`` retries the loser: it reloads the history,
asks the caller's ``decide`` again (the new history may change the answer) and re-appends, backing off
exponentially with full jitter so competing writers spread out.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, NamedTuple

from botocore.exceptions import ClientError

from shared.aws import client
from shared.dynamo import from_item, is_condition_failure, to_item
from shared.envelope import Event
from shared.outbox import stored_item


class ConcurrencyConflictError(RuntimeError):
    """Another writer appended the same version first."""


class Change(NamedTuple):
    """What ``decide`` wants appended next: an event type and its data."""

    type: str
    data: dict[str, Any]


Decide = Callable[[list[Event]], Change | None]


@dataclass(frozen=True)
class Backoff:
    attempts: int = 5
    base_seconds: float = 0.05
    cap_seconds: float = 1.0

    def delay(self, attempt: int) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**attempt)]."""
        return random.uniform(0, min(self.cap_seconds, self.base_seconds * 2**attempt))


class EventStore:
    def __init__(self, table_name: str, backoff: Backoff | None = None) -> None:
        self.table_name = table_name
        self.backoff = backoff or Backoff()

    def load(self, aggregate_id: str) -> list[Event]:
        """Every event of ``aggregate_id`` in version order (strongly consistent)."""
        paginator = client("dynamodb").get_paginator("query")
        pages = paginator.paginate(
            TableName=self.table_name,
            KeyConditionExpression="aggregateId = :id",
            ExpressionAttributeValues={":id": {"S": aggregate_id}},
            ConsistentRead=True,
        )
        return [Event.from_dict(from_item(item)) for page in pages for item in page["Items"]]

    def append(self, event: Event) -> None:
        """Store ``event``; ConcurrencyConflictError when its version is taken."""
        try:
            client("dynamodb").put_item(
                TableName=self.table_name,
                Item=to_item(stored_item(event)),
                ConditionExpression="attribute_not_exists(version)",
            )
        except ClientError as error:
            if is_condition_failure(error):
                raise ConcurrencyConflictError(
                    f"version {event.version} of aggregate {event.aggregate_id} was appended by another writer"
                ) from error
            raise

    def decide_and_append(self, aggregate_id: str, decide: Decide) -> Event | None:
        """Append what ``decide(history)`` returns, retrying on conflict; None when it decides nothing is due."""
        attempt = 0
        while True:
            history = self.load(aggregate_id)
            change = decide(history)
            if change is None:
                return None
            version = history[-1].version + 1 if history else 1
            event = Event.new(change.type, aggregate_id, version, change.data)
            try:
                self.append(event)
            except ConcurrencyConflictError:
                attempt += 1
                if attempt == self.backoff.attempts:
                    raise
                time.sleep(self.backoff.delay(attempt - 1))
            else:
                return event
