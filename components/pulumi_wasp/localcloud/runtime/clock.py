"""Local time, one rule: every *wait* the local cloud imposes (batching windows, retry delays and
backoff, the visibility timeout a failed message waits out before its retry, schedules) runs
``speed`` times faster, so a demo need not wait minutes; no *limit on work in progress* is ever
scaled (function and task timeouts, the visibility timeout of a message being processed, a
stream's maximum record age, an event's maximum age): a handler that fits AWS's limits fits them
here at any speed. At speed 1 the timing is AWS's."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from pulumi_wasp.localcloud.runtime.threads import join_until, logger


class Clock:
    def __init__(self, speed: float = 1.0) -> None:
        if speed <= 0:
            raise ValueError(f"speed must be > 0, got {speed}")
        self.speed = speed
        self._wall, self._monotonic = time.time(), time.monotonic()

    def real(self, seconds: float) -> float:
        """How long a wait of ``seconds`` of local time takes."""
        return seconds / self.speed

    @staticmethod
    def age(since_monotonic: float) -> float:
        """How long work has been in progress since a ``time.monotonic()`` reading, to compare
        with a limit: wall seconds, whatever the speed."""
        return time.monotonic() - since_monotonic

    def elapsed(self, since_monotonic: float) -> float:
        """Local seconds since a ``time.monotonic()`` reading."""
        return (time.monotonic() - since_monotonic) * self.speed

    def now(self) -> datetime:
        """Local time (UTC): starts at the wall clock, then runs ``speed`` times faster."""
        return datetime.fromtimestamp(self._wall, UTC) + timedelta(seconds=self.elapsed(self._monotonic))


class Timers:
    """Callables run later, on one thread: retries and redeliveries without a thread each."""

    def __init__(self, name: str = "localcloud-timers") -> None:
        self._heap: list[tuple[float, int, Callable[[], None]]] = []
        self._order = itertools.count()
        self._condition = threading.Condition()
        self._stopped = False
        self._thread = threading.Thread(target=self._run, name=name, daemon=True)
        self._thread.start()

    def call_later(self, delay: float, action: Callable[[], None]) -> None:
        with self._condition:
            heapq.heappush(self._heap, (time.monotonic() + delay, next(self._order), action))
            self._condition.notify()

    def stop(self) -> None:
        """Run nothing more (what is pending is dropped); returns at once."""
        with self._condition:
            self._stopped = True
            self._heap.clear()
            self._condition.notify()

    def join(self, deadline: float) -> list[str]:
        return join_until([self._thread], deadline)

    def _run(self) -> None:
        while True:
            with self._condition:
                while not self._stopped and (not self._heap or self._heap[0][0] > time.monotonic()):
                    self._condition.wait(self._heap[0][0] - time.monotonic() if self._heap else None)
                if self._stopped:
                    return
                _, _, action = heapq.heappop(self._heap)
            try:
                action()
            except Exception:  # one failing action must not end every later one
                logger.exception("unexpected error in a timer of %s", self._thread.name)
