"""The delivery report: per queue, stream and other event source, what was delivered to its
function and what became of it — processed, retried, parked in a DLQ or on-failure destination,
still in flight. Generic: it is read from the runtime's ledger and the emulator's queues, never
from what a program's scenario knows.

For an SQS queue the report follows each message by id: a delivered message that was not
processed is *parked* when it is in the queue's DLQ, *in flight* when it is still in the queue
(waiting for its retry, or being processed), and *unaccounted* when it is in neither (it was
deleted by hand, or lost). For streams, asynchronous invocations and event-bus targets the
ledger's counts are the source: in flight is what was delivered and has no outcome yet.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pulumi_wasp.adapters.moto import queue_message_ids
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, DEAD_LETTERED, DROPPED, PROCESSED, RETRIED
from pulumi_wasp.localcloud.runtime.sources.sqs import SqsPoller

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.runtime.engine import Runtime


def report(runtime: Runtime) -> dict[str, Any]:
    """The report as JSON values: ``{"sources": [...], "faults": {...}}``, one entry per source
    that delivered anything, plus every polled source (a queue nobody sent to shows zeros)."""
    counts = runtime.ledger.counts()
    sources: list[dict[str, Any]] = []
    covered: set[str] = set()
    for poller in runtime.pollers:
        covered.add(poller.source)
        if isinstance(poller, SqsPoller):
            sources.append(_queue(runtime, poller, counts.get(poller.source, {})))
        else:
            name = poller.source.split(" ", 1)[1]
            sources.append(_counted("stream", name, counts.get(poller.source, {}), poller.mapping.on_failure_arn))
    for source, counted in counts.items():
        if source in covered:
            continue
        kind, name = source.split(" ", 1)
        destination = None
        if kind == "async" and name in runtime.functions:
            destination = runtime.functions[name].spec.async_config.on_failure_arn
        sources.append(_counted(kind, name, counted, destination))
    return {"sources": sources, "faults": runtime.faults.listing()}


def _queue(runtime: Runtime, poller: SqsPoller, counted: dict[str, int]) -> dict[str, Any]:
    arn = poller.mapping.source_arn
    queue = runtime.registry.queue_by_arn(arn)
    ledger = runtime.ledger
    delivered = ledger.message_ids(arn, ACCEPTED)
    unprocessed = delivered - ledger.message_ids(arn, PROCESSED)
    held = _held(runtime, arn)
    parked = unprocessed & _held(runtime, queue.dlq_arn) if queue.dlq_arn else set()
    in_flight = (unprocessed - parked) & held
    return {
        "kind": "queue",
        "name": queue.name,
        "delivered": len(delivered),
        "processed": len(delivered) - len(unprocessed),
        "retried": counted.get(RETRIED, 0),
        "parked": len(parked),
        "parked_in": _name(queue.dlq_arn),
        "dropped": 0,
        "in_flight": len(in_flight),
        "unaccounted": len(unprocessed - parked - in_flight),
        "waiting": len(held - delivered),
    }


def _held(runtime: Runtime, queue_arn: str) -> set[str]:
    emulator = runtime.emulator
    return queue_message_ids(emulator.account_id, emulator.region, queue_arn.rsplit(":", 1)[-1])


def _counted(kind: str, name: str, counted: dict[str, int], destination: str | None) -> dict[str, Any]:
    delivered, processed = counted.get(ACCEPTED, 0), counted.get(PROCESSED, 0)
    parked, dropped = counted.get(DEAD_LETTERED, 0), counted.get(DROPPED, 0)
    return {
        "kind": kind,
        "name": name,
        "delivered": delivered,
        "processed": processed,
        "retried": counted.get(RETRIED, 0),
        "parked": parked,
        "parked_in": _name(destination),
        "dropped": dropped,
        "in_flight": max(0, delivered - processed - parked - dropped),
        "unaccounted": 0,
        "waiting": 0,
    }


def _name(arn: str | None) -> str | None:
    """A destination's name: the last part of its ARN (a queue's or a topic's name)."""
    return arn.rsplit(":", 1)[-1] if arn else None
