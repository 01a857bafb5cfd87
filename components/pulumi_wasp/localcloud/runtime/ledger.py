"""What every event source accepted and what became of it: the numbers behind the report's
invariant "every accepted message was processed or is in a DLQ"."""

from __future__ import annotations

import threading
from collections import Counter, defaultdict

#: Outcomes a source reports per item.
ACCEPTED, PROCESSED, RETRIED, DEAD_LETTERED, DROPPED = "accepted", "processed", "retried", "dead-lettered", "dropped"


class Ledger:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[str, Counter[str]] = defaultdict(Counter)
        #: SQS message ids per queue ARN, by outcome: the report checks them against the DLQs.
        self._messages: dict[str, dict[str, set[str]]] = defaultdict(lambda: defaultdict(set))

    def note(self, source: str, outcome: str, count: int = 1) -> None:
        with self._lock:
            self._counts[source][outcome] += count

    def messages(self, queue_arn: str, outcome: str, ids: list[str]) -> None:
        """SQS messages are tracked by id: a message received three times is still one message."""
        with self._lock:
            self._messages[queue_arn][outcome].update(ids)

    def counts(self) -> dict[str, dict[str, int]]:
        with self._lock:
            return {source: dict(counter) for source, counter in sorted(self._counts.items())}

    def message_ids(self, queue_arn: str, outcome: str) -> set[str]:
        with self._lock:
            return set(self._messages[queue_arn][outcome])

    def queues(self) -> list[str]:
        with self._lock:
            return sorted(self._messages)
