"""Throughput of a program on the local cloud end to end: ``wasp local bench`` and :func:`run`.

The program is deployed once into a fresh emulator (not timed), a few warm-up units of load start the
execution environments (not counted), then ``orders`` units are sent by as many concurrent callers as the
program's entry point may serve at once (so none is throttled), at most ``window`` in flight (sent, not yet
fully processed). Each unit is followed through its stages to its end. What a unit is, how one is sent,
its stages and how to see each one reached come from the program's ``localcloud_scenario.py``: its
``bench`` object (a :class:`Load`). The reference order platform's unit is an order: POST /orders, then
projected, confirmed by the saga and fanned out.

Every latency is measured from the moment the unit was sent; throughput is ``orders / seconds`` from the
first send to the last unit fully processed.

Why a window (a closed loop) rather than all at once: offered a burst far above what it can process, the
local cloud does not just queue. Every call the handlers make waits on the one saturated emulator process,
stream batches outlive their function's timeout, and after their retries the records go to the on-failure
destination: those units never conclude and the run ends at its deadline (the reference system on 2
cores at about 2 orders/s: 1 of 3 bursts of 200 orders and 1 of 2 runs with 100 in flight ended so, none
of 4 with 20). The window keeps the run measuring the sustained rate. It also bounds it, to ``window`` /
the end-to-end latency: raise ``--window`` once the local cloud is fast enough to be held back by it.

Two choices keep the measurement from loading what it measures:

* The callers run in a child process: the emulator, the pollers and the gateway share one interpreter,
  and a client inside it would take its CPU (SigV4, HTTP) from them.
* Progress is best read from the emulator's tables in memory, not over its API (a BatchGetItem of 100
  keys costs moto about 70 ms of CPU, so polling hundreds of units over HTTP would be the load):
  :class:`Tables` gives an observer lookups by key, every ``POLL_SECONDS``, for the units still pending
  (about 1 % of the process' CPU, reported); latencies are late by up to that interval.

Bounded: a deadline for the deploy, for the warm-up and for the measured units; a failure the observer
sees or a refused send ends the run at once with the reason. Everything (emulator, runtime, function
processes, the client process) is stopped on every way out.
"""

from __future__ import annotations

import contextlib
import json
import os
import queue
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.client import Cloud
    from pulumi_wasp.localcloud.cloud import LocalCloud

#: The directory pulumi_wasp is imported from (site-packages, or components/ in a checkout).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
#: Local time as ``wasp local run`` keeps it: batching windows of seconds close in tens of milliseconds
#: (at 1×, AWS's timing, every partial batch would wait its full window).
SPEED = 60.0
#: How often pending units are observed.
POLL_SECONDS = 0.05
#: How often :meth:`Observer.check` runs (it may call the emulator's API: kept rare).
CHECK_SECONDS = 1.0
WARMUP_UNITS = 5
#: Units in flight at most (sent, not yet fully processed); None: all offered at once.
WINDOW: int | None = 20
DEPLOY_TIMEOUT_SECONDS = 180.0
WARMUP_TIMEOUT_SECONDS = 60.0


class BenchError(RuntimeError):
    """The run could not measure what it promises; the message says why."""


class DeadlineError(BenchError, TimeoutError):
    """A phase of the run outlived its deadline."""


def default_timeout(orders: int) -> float:
    """Seconds allowed for the measured units: a minute, plus a second per unit (measured on the reference
    system: 1.5 to 3 orders/s on 2 cores), so a busy machine still finishes; make bench's child has 600 s."""
    return 60.0 + orders


# -- what a program supplies --------------------------------------------------------------------------------
@dataclass
class Unit:
    """One unit of load (an order of the reference system) as the run follows it."""

    #: Unique per unit (e.g. an Idempotency-Key).
    key: str
    #: Unique per unit and run, readable (``<phase>-<run id>-<n>``; e.g. the order's customer).
    label: str
    stages: tuple[str, ...]
    #: When the send started (time.monotonic(), comparable across the processes).
    sent: float | None = None
    #: What :meth:`Load.send` returned (e.g. the order id).
    id: str | None = None
    #: The observer's own notes (e.g. an event id found once, read again at every observation).
    data: dict[str, Any] = field(default_factory=dict)
    #: Stage → time.monotonic() when first seen done (the observer may note intermediate steps too).
    reached: dict[str, float] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(stage in self.reached for stage in self.stages)

    @property
    def finished(self) -> float:
        return max(self.reached[stage] for stage in self.stages)


class Observer(Protocol):
    """Follows the units in the benchmark's process (the cloud's), every ``POLL_SECONDS``."""

    def observe(self, units: Sequence[Unit]) -> None:
        """Set ``unit.reached[stage] = time.monotonic()`` for each stage newly reached by a unit sent and not
        done (``unit.id`` set); raise :class:`BenchError` when a unit can never be done (e.g. cancelled)."""

    def check(self) -> None:
        """Every ``CHECK_SECONDS``: raise :class:`BenchError` on a failure no unit would show (e.g. a failed
        execution)."""


class Load(Protocol):
    """``bench`` in a program's ``localcloud_scenario.py``: what ``wasp local bench`` sends and waits for."""

    #: The stages of a unit in order (each becomes a list of latencies in the result). The first is
    #: reached when :meth:`send` returned.
    stages: Sequence[str]

    def callers(self, cloud: LocalCloud) -> int:
        """Concurrent callers when ``--clients`` is not given (e.g. the entry function's concurrency)."""

    def send(self, client: Cloud, unit: Unit) -> str:
        """Send one unit (in the callers' process, from one of its threads) and return its id; raise
        (:class:`BenchError` with the answer) when it was refused."""

    def observer(self, cloud: LocalCloud, tables: Tables) -> Observer:
        """The observer of this run, made once the cloud runs."""


def load_of(program: Path) -> Load:
    """The ``bench`` of the program's ``localcloud_scenario.py``; :class:`ScenarioError` when there is none."""
    from pulumi_wasp.localcloud.scenario.hook import ScenarioError, load, path_of

    module = load(program)
    if module is None:
        raise ScenarioError(f"{path_of(program)} does not exist: the bench drives the load it defines as `bench`")
    found = getattr(module, "bench", None)
    missing = [name for name in ("stages", "callers", "send", "observer") if not hasattr(found, name)]
    if found is None or missing:
        what = "no `bench`" if found is None else f"a `bench` without {', '.join(missing)}"
        raise ScenarioError(f"{path_of(program)}: defines {what} (a Load: stages, callers(), send(), observer())")
    if not found.stages:
        raise ScenarioError(f"{path_of(program)}: `bench.stages` is empty")
    return found


class Tables:
    """The emulator's DynamoDB tables read in memory (moto's backend: lookups by key, no request to the
    emulator, plain Python values), by logical name as in the endpoints."""

    def __init__(self, cloud: LocalCloud, names: dict[str, str]) -> None:
        from pulumi_wasp.adapters.moto import dynamodb_backends

        assert cloud.emulator is not None
        self._backend = dynamodb_backends[cloud.emulator.account_id][cloud.emulator.region]
        self._names = names

    def _table(self, logical_name: str) -> Any:
        """The table as the backend holds it now (a table deleted and created again is a new object)."""
        if logical_name not in self._names:
            raise BenchError(f"the stack has no table {logical_name!r} (has {sorted(self._names)})")
        return self._backend.tables[self._names[logical_name]]

    def item(self, table: str, pk: str, sk: str | None = None) -> dict[str, Any] | None:
        """The item with string key ``pk`` (and sort key ``sk``), or None."""
        from pulumi_wasp.adapters.moto import DynamoType

        entry = self._table(table).items.get(DynamoType({"S": pk}))  # .get: the defaultdict must not grow
        if entry is not None and sk is not None:
            entry = entry.get(DynamoType({"S": sk}))
        return _plain(entry.attrs) if entry is not None else None

    def items(self, table: str, pk: str) -> list[dict[str, Any]]:
        """Every item under the string partition key ``pk`` of a table with a sort key."""
        from pulumi_wasp.adapters.moto import DynamoType

        versions = self._table(table).items.get(DynamoType({"S": pk}))
        return [_plain(i.attrs) for i in list(versions.values())] if versions else []  # list(): safe while written


def _plain(attrs: dict[str, Any]) -> dict[str, Any]:
    return {name: attribute.value for name, attribute in attrs.items()}


# -- the run ----------------------------------------------------------------------------------------------
def run(
    orders: int,
    *,
    program: Path,
    stack: str = "dev",
    speed: float = SPEED,
    clients: int | None = None,
    window: int | None = WINDOW,
    warmup: int = WARMUP_UNITS,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Push ``orders`` units of the program's load through its deployed stack; ``{"orders", "seconds",
    "orders_per_second", "stages", "cpu_seconds", "warmup_orders", "invocations", ...}``.

    ``clients``: concurrent callers (default: the load's ``callers``); ``window``: units in flight at most
    (None: all at once); ``warmup``: units before measuring; ``timeout``: seconds allowed for the measured
    units (default :func:`default_timeout`). Call from the main thread (the runtime's processes are tied to
    the thread that starts them).
    """
    if orders < 1:
        raise BenchError("--orders must be at least 1")
    program = program.resolve()
    load = load_of(program)
    stages = tuple(load.stages)
    say = progress or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="localcloud-bench-") as state, contextlib.ExitStack() as cleanup:
        cloud = _start(program, stack, speed, Path(state), say)
        cleanup.callback(cloud.stop)  # last out: after the client process is gone
        endpoints = cloud.endpoints()
        callers = clients or max(1, load.callers(cloud))
        client = cleanup.enter_context(_Client(program, endpoints, callers))
        observer = load.observer(cloud, Tables(cloud, endpoints["tables"]))
        if warmup:
            say(f"warm-up: {warmup} units")
            _drive(client, observer, _units("warmup", warmup, stages), None, WARMUP_TIMEOUT_SECONDS, "warm-up", say)
        say(f"measuring: {orders} units, {callers} callers, window {window}, local time at {speed:g}×")
        before = _cpu(cloud)
        measured = _units("bench", orders, stages)
        _drive(client, observer, measured, window, default_timeout(orders) if timeout is None else timeout, "run", say)
        after = _cpu(cloud)
        assert cloud.deployment is not None
        started = min(u.sent for u in measured if u.sent is not None)
        seconds = max(u.finished for u in measured) - started
        return {
            "orders": orders,
            "seconds": seconds,
            "stages": {stage: [u.reached[stage] - (u.sent or 0) for u in measured] for stage in stages},
            "orders_per_second": orders / seconds,
            "speed": speed,
            "clients": callers,
            "window": window,
            "warmup_orders": warmup,
            "deploy_seconds": cloud.deployment.seconds,
            # Where the CPU went while measuring: this process (emulator, runtime threads, the
            # observer) and the function processes; of wall time × cores available.
            "cpu_seconds": {name: round(after[name] - before[name], 2) for name in before},
            "cores": os.cpu_count(),
            "invocations": _invocations(cloud),
        }


def _start(program: Path, stack: str, speed: float, state: Path, say: Callable[[str], None]) -> LocalCloud:
    from pulumi_wasp.localcloud.cloud import LocalCloud

    cloud = LocalCloud(program, stack, speed, state=state)
    say(f"deploying the {stack} stack of {program} ...")
    began = time.monotonic()
    with _alarm(DEPLOY_TIMEOUT_SECONDS, f"the deploy did not finish within {DEPLOY_TIMEOUT_SECONDS:.0f} s"):
        cloud.start()  # stops what it started when it fails (also on the alarm)
    assert cloud.deployment is not None
    say(f"deployed in {time.monotonic() - began:.1f} s ({cloud.deployment.seconds:.1f} s of it the program)")
    return cloud


@contextlib.contextmanager
def _alarm(seconds: float, message: str) -> Iterator[None]:
    """Raise DeadlineError in the main thread after ``seconds``; no alarm elsewhere, nor when the
    caller already has one pending (a test's time limit: it bounds the deploy already)."""
    if threading.current_thread() is not threading.main_thread() or signal.getitimer(signal.ITIMER_REAL)[0]:
        yield
        return

    def expire(signum: int, frame: Any) -> None:
        raise DeadlineError(message)

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _units(prefix: str, count: int, stages: tuple[str, ...]) -> list[Unit]:
    run_id = uuid.uuid4().hex[:8]
    return [Unit(key=str(uuid.uuid4()), label=f"{prefix}-{run_id}-{n}", stages=stages) for n in range(count)]


def _drive(
    client: _Client,
    observer: Observer,
    units: list[Unit],
    window: int | None,
    timeout: float,
    phase: str,
    say: Callable[[str], None],
) -> None:
    """Send the units, at most ``window`` of them in flight (sent, not yet fully processed), and follow
    them until every one is done; raise on a failure or the deadline."""
    by_key = {u.key: u for u in units}
    waiting, sent = list(units), list[Unit]()
    deadline = time.monotonic() + timeout
    next_check = next_report = time.monotonic()
    while True:
        room = (window or len(units)) - sum(not u.done for u in sent)
        if waiting and room > 0:
            batch, waiting = waiting[:room], waiting[room:]
            client.send(batch)
            sent.extend(batch)
        client.collect(by_key)
        observer.observe([u for u in sent if u.id is not None and not u.done])
        if not waiting and all(u.done for u in units):
            return
        now = time.monotonic()
        if now >= next_check:
            observer.check()
            next_check = now + CHECK_SECONDS
        if now >= next_report:
            say(f"{phase}: {_tally(units)}")
            next_report = now + 5
        if now > deadline:
            stuck = next(u for u in units if not u.done)
            raise DeadlineError(
                f"the {phase} did not finish within {timeout:.0f} s: {_tally(units)}; e.g. unit "
                f"{stuck.id or '(not created)'} ({stuck.label}) reached {sorted(stuck.reached) or 'nothing'}"
            )
        time.sleep(POLL_SECONDS)


def _tally(units: list[Unit]) -> str:
    counts = {stage: sum(stage in u.reached for u in units) for stage in units[0].stages}
    return f"of {len(units)} units " + ", ".join(f"{n} {stage}" for stage, n in counts.items())


def _cpu(cloud: LocalCloud) -> dict[str, float]:
    """CPU seconds so far of this process, of its main thread (call from there) and of the runtime's
    processes (the zygote and the execution environments alive now)."""
    assert cloud.zygote is not None
    pids = [p for p in (cloud.zygote.pid, *cloud.zygote.pids) if p is not None]
    return {
        "cloud_process": time.process_time(),
        # The main thread of this process only follows the units: the measurement's own cost.
        "of_which_observer": time.thread_time(),
        "function_processes": sum(_process_cpu(p) for p in pids),
    }


def _process_cpu(pid: int) -> float:
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime


def _invocations(cloud: LocalCloud) -> dict[str, dict[str, float]]:
    """Per function (that ran): invocations, cold starts, handler time in all and its median."""
    assert cloud.runtime is not None
    found = {}
    for function in cloud.runtime.functions.values():
        stats = function.stats
        if stats.invocations:
            durations = sorted(stats.durations_ms)
            found[function.spec.logical_name.removesuffix("-function")] = {
                "invocations": stats.invocations,
                "errors": stats.errors,
                "throttles": stats.throttles,
                "cold_starts": stats.cold_starts,
                "median_ms": round(durations[len(durations) // 2], 2),
                "total_ms_last_1000": round(sum(durations), 1),
            }
    return found


# -- the callers, in a child process -------------------------------------------------------------------------
class _Client:
    """``python -m pulumi_wasp.localcloud.bench``: reads batches of units on stdin, sends them with the
    program's ``bench.send`` from ``clients`` threads, writes one JSON line per answer. It exits when its
    stdin closes."""

    def __init__(self, program: Path, endpoints: dict[str, Any], clients: int) -> None:
        self._program, self._endpoints, self._clients = program, endpoints, clients
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> _Client:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_wasp.localcloud.bench"],
            cwd=self._program,
            # This very package, whatever the caller's path (an installed one or a checkout's components/).
            env={
                **os.environ,
                "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_ROOT), os.environ.get("PYTHONPATH")])),
            },
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._send({"program": str(self._program), "endpoints": self._endpoints, "clients": self._clients})
        threading.Thread(target=self._read, args=(self._process.stdout,), name="bench-client", daemon=True).start()
        try:
            ready = self._answers.get(timeout=30)
        except queue.Empty:
            ready = {}
        if not ready.get("ready"):
            self.__exit__()
            raise BenchError(f"the client process did not start: {ready}")
        return self

    def __exit__(self, *exc: object) -> None:
        if self._process is None:
            return
        with contextlib.suppress(OSError):
            assert self._process.stdin is not None
            self._process.stdin.close()
        self._process.kill()  # its remaining sends are of no use any more
        self._process.wait()
        self._process = None

    def _send(self, message: Any) -> None:
        assert self._process is not None and self._process.stdin is not None
        self._process.stdin.write(json.dumps(message) + "\n")
        self._process.stdin.flush()

    def _read(self, stream: IO[str]) -> None:
        for line in stream:
            with contextlib.suppress(ValueError):
                self._answers.put(json.loads(line))
        self._answers.put({"exited": True})

    def send(self, units: list[Unit]) -> None:
        self._send([[u.key, u.label] for u in units])

    def collect(self, by_key: dict[str, Unit]) -> None:
        """Apply the answers received so far; raise on a refused send or a client that died."""
        while True:
            try:
                answer = self._answers.get_nowait()
            except queue.Empty:
                return
            if answer.get("exited"):
                raise BenchError("the client process exited")
            unit = by_key.get(answer["key"])
            if unit is None:
                continue  # an answer of an earlier phase
            unit.sent = answer["sent"]
            if "error" in answer:
                raise BenchError(f"sending {unit.label} failed: {answer['error'][:300]}")
            unit.id = answer["id"]
            unit.reached[unit.stages[0]] = answer["done"]


def _client_main() -> int:
    """The child's side of :class:`_Client`."""
    from concurrent.futures import ThreadPoolExecutor

    from pulumi_wasp.localcloud.client import Cloud

    setup = json.loads(sys.stdin.readline())
    load = load_of(Path(setup["program"]))
    cloud = Cloud(setup["endpoints"])
    lock = threading.Lock()

    def emit(message: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    def send(key: str, label: str) -> None:
        unit = Unit(key=key, label=label, stages=tuple(load.stages))
        sent = time.monotonic()  # CLOCK_MONOTONIC: comparable with the parent's clock
        try:
            unit_id = load.send(cloud, unit)
        except Exception as exc:  # reported to the parent, which ends the run
            emit({"key": key, "sent": sent, "error": f"{type(exc).__name__}: {exc}"})
            return
        emit({"key": key, "sent": sent, "done": time.monotonic(), "id": str(unit_id)})

    emit({"ready": True})
    with ThreadPoolExecutor(max_workers=setup["clients"], thread_name_prefix="caller") as pool:
        for line in sys.stdin:
            for key, label in json.loads(line):
                pool.submit(send, key, label)
    return 0


if __name__ == "__main__":
    sys.exit(_client_main())
