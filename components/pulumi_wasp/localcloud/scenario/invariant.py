"""The invariant of an event-driven system, checked generically over any stack once it settles: every
accepted message was processed or is in a DLQ (every record, event and asynchronous invocation was
processed or went to its failure destination). A scenario calls :func:`check_invariant` after its flows."""

from __future__ import annotations

import json
import time
from dataclasses import dataclass, field

from pulumi_wasp.localcloud.client import Cloud, FlowFailedError, wait_for
from pulumi_wasp.localcloud.runtime.ledger import ACCEPTED, DEAD_LETTERED, DROPPED, PROCESSED

TITLE = "every accepted message was processed or is in a DLQ"


@dataclass
class Invariant:
    """Whether the invariant holds, its tally and, when not, what breaks it."""

    holds: bool
    summary: str
    problems: list[str] = field(default_factory=list)

    def report(self, cloud: Cloud) -> None:
        """The invariant's lines in the run's report."""
        cloud.report("")
        cloud.report(f"Invariant: {TITLE}")
        cloud.report(f"  {'✓' if self.holds else '✗'} {self.summary}")
        for problem in self.problems:
            cloud.report(f"      {problem}")


def _settled(cloud: Cloud) -> list[str]:
    """What is still moving: messages waiting in source queues, deliveries not yet concluded."""
    pending = []
    sqs = cloud.client("sqs")
    for name, url in cloud.endpoints["queues"].items():
        attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
        waiting = sum(
            int(attributes.get(a, 0)) for a in ("ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible")
        )
        if waiting:
            pending.append(f"{name}: {waiting} message(s) not yet processed")
    for source, counts in cloud.status()["sources"].items():
        concluded = counts.get(PROCESSED, 0) + counts.get(DEAD_LETTERED, 0) + counts.get(DROPPED, 0)
        if counts.get(ACCEPTED, 0) > concluded:
            pending.append(f"{source}: {counts[ACCEPTED] - concluded} in flight")
    return pending


def check_invariant(cloud: Cloud, timeout: float = 20.0) -> Invariant:
    """Once nothing moves: every message a poller received was processed or sits in its queue's
    DLQ; every record, event and asynchronous invocation was processed or went to its failure
    destination (a source without one would have dropped it: that breaks the invariant too)."""
    deadline = time.monotonic() + timeout
    try:
        wait_for("the cloud to settle", lambda: not _settled(cloud), timeout=timeout, interval=0.25)
    except FlowFailedError:
        return Invariant(False, "the cloud did not settle", _settled(cloud))
    # Schedules keep ticking: a snapshot can catch one delivery in flight, so look again.
    while not (invariant := _account(cloud)).holds and time.monotonic() < deadline:
        time.sleep(0.25)
    return invariant


def _account(cloud: Cloud) -> Invariant:
    """The invariant over one status snapshot."""
    status = cloud.status()
    problems: list[str] = []
    sqs = cloud.client("sqs")
    urls = {url.rsplit("/", 1)[-1]: url for url in cloud.endpoints["queues"].values()}
    accepted = processed = dead = 0
    for arn, queue in status["queues"].items():
        accepted, processed = accepted + queue["received"], processed + queue["processed"]
        if not queue["unprocessed"]:
            continue
        url = urls[arn.rsplit(":", 1)[-1]]
        redrive = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["RedrivePolicy"])["Attributes"].get(
            "RedrivePolicy"
        )
        in_dlq: set[str] = set()
        if redrive:
            dlq_name = json.loads(redrive)["deadLetterTargetArn"].rsplit(":", 1)[-1]
            in_dlq = {m["MessageId"] for m in cloud.peek(sqs.get_queue_url(QueueName=dlq_name)["QueueUrl"])}
        missing = set(queue["unprocessed"]) - in_dlq
        dead += len(queue["unprocessed"]) - len(missing)
        if missing:
            problems.append(
                f"{arn.rsplit(':', 1)[-1]}: {len(missing)} received message(s) neither processed nor in the DLQ"
            )
    for source, counts in status["sources"].items():
        accepted += counts.get(ACCEPTED, 0)
        processed += counts.get(PROCESSED, 0)
        dead += counts.get(DEAD_LETTERED, 0)
        if counts.get(DROPPED):
            problems.append(f"{source}: {counts[DROPPED]} dropped (no failure destination)")
    summary = f"{accepted} accepted = {processed} processed + {dead} in a DLQ or failure destination"
    return Invariant(not problems and accepted == processed + dead, summary, problems)
