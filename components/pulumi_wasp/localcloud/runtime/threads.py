"""Threads that can never hold the local cloud open: every thread of the runtime is a daemon,
and every wait for one ends at a deadline (stopping must be prompt whatever is in flight)."""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable

#: How long stopping waits for the runtime's threads once nothing can block them any more.
STOP_SECONDS = 5.0

logger = logging.getLogger("localcloud")


def join_until(threads: Iterable[threading.Thread], deadline: float) -> list[str]:
    """Join each thread until ``deadline`` (``time.monotonic()``); the names of those still running."""
    running = []
    for thread in threads:
        if thread.ident is None or thread is threading.current_thread():
            continue  # never started, or the caller itself
        thread.join(max(0.0, deadline - time.monotonic()))
        if thread.is_alive():
            running.append(thread.name)
    return running


def call_within(action: Callable[[], None], seconds: float, name: str) -> bool:
    """Run ``action`` (a shutdown that waits on someone else's thread) for at most ``seconds``;
    False when it had not returned by then (it carries on in a daemon thread)."""
    thread = threading.Thread(target=action, name=name, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        logger.warning("%s did not return within %.1f s", name, seconds)
        return False
    return True


class Workers:
    """A fixed pool of daemon threads running submitted callables in order.

    Unlike ``ThreadPoolExecutor``, whose threads the interpreter joins at exit (a stuck
    invocation would keep the process alive), work still running after :meth:`stop` cannot
    hold the process, and :meth:`join` waits for it only until a deadline. Work queued but not
    started when stopping is dropped."""

    def __init__(self, size: int, name: str) -> None:
        self._queue: queue.SimpleQueue[Callable[[], None] | None] = queue.SimpleQueue()
        self._lock = threading.Lock()
        self._stopped = False
        self._threads = [threading.Thread(target=self._run, name=f"{name}-{i}", daemon=True) for i in range(size)]
        for thread in self._threads:
            thread.start()

    def submit(self, action: Callable[[], None]) -> bool:
        """Queue ``action``; False (not queued) once stopped."""
        with self._lock:
            if self._stopped:
                return False
            self._queue.put(action)
            return True

    def stop(self) -> None:
        """Take no more work and drop what is queued; returns at once."""
        with self._lock:
            self._stopped = True
            for _ in self._threads:
                self._queue.put(None)

    def join(self, deadline: float) -> list[str]:
        return join_until(self._threads, deadline)

    def _run(self) -> None:
        while True:
            action = self._queue.get()
            if action is None or self._stopped:
                return
            try:
                action()
            except Exception:
                logger.exception("unexpected error in %s", threading.current_thread().name)
