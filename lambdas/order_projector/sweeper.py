"""outbox sweeper (every minute): publishes what the projector did not, once it is older than the outbox bound.

An event the projector could not publish (its stream record failed until it was given up, or the projector's
environment crashed between the append and the publication) stays unpublished in the event store. Each run queries
the store's sparse ``unpublished`` index (``shared.outbox``, never a scan) for the events that occurred more than
OUTBOX_SWEEP_AFTER_SECONDS ago (default 300: the platform's promise that the read model and the bus never disagree
for longer), projects each one (a no-op when the projector already did), publishes it with its own event id and marks
it published. An aggregate whose projection has a gap (an earlier version not projected yet) waits for the next run
from that version on, so the read model still sees its events in order.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.utilities.typing import LambdaContext
from shared.config import integer, require
from shared.envelope import Event, utc_iso
from shared.observability import count, entrypoint, logger
from shared.outbox import mark_all_published, publish, unpublished_before

from order_projector.projection import ProjectionGapError, project

ORDERS_TABLE = require("ORDERS_TABLE")
EVENT_BUS_NAME = require("EVENT_BUS_NAME")
EVENT_STORE_TABLE = require("EVENT_STORE_TABLE")
SWEEP_AFTER_SECONDS = integer("OUTBOX_SWEEP_AFTER_SECONDS", 300)


def projected(events: list[Event]) -> tuple[list[Event], list[Event]]:
    """``events`` (in aggregate and version order) split into those now projected and those waiting for a gap."""
    ready: list[Event] = []
    waiting: list[Event] = []
    blocked: set[str] = set()
    for event in events:
        if event.aggregate_id not in blocked:
            try:
                project(ORDERS_TABLE, event)
            except ProjectionGapError as gap:
                logger.warning(
                    "An unpublished event waits for its predecessor", extra={"eventId": event.id, "gap": str(gap)}
                )
                blocked.add(event.aggregate_id)
            else:
                ready.append(event)
                continue
        waiting.append(event)
    return ready, waiting


def sweep(now: datetime) -> dict[str, Any]:
    """Publish and mark every unpublished event older than the bound; what was done, by event id."""
    overdue = unpublished_before(EVENT_STORE_TABLE, utc_iso(now - timedelta(seconds=SWEEP_AFTER_SECONDS)))
    ready, waiting = projected(overdue)
    rejected = publish(EVENT_BUS_NAME, [(event.id, event) for event in ready])
    published = [event for event in ready if event.id not in rejected]
    mark_all_published(EVENT_STORE_TABLE, published)
    return {
        "published": [event.id for event in published],
        "rejected": [f"{event_id}: {reason}" for event_id, reason in sorted(rejected.items())],
        "waiting": [event.id for event in waiting],
    }


@entrypoint(correlation_id_path=correlation_paths.EVENT_BRIDGE)
def handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    outcome = sweep(datetime.now(UTC))
    count("EventsSwept", len(outcome["published"]))
    if outcome["published"] or outcome["rejected"] or outcome["waiting"]:
        logger.warning("Outbox sweep published events the projector had not", extra=outcome)
    return outcome
