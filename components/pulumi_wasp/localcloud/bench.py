"""Throughput of the local cloud end to end: ``run(orders)`` for ``bench/localcloud.py``, and
``python -m localcloud.bench --orders N`` printing the same result as JSON.

The reference system's dev stack is deployed once into a fresh emulator (not timed), a few warm-up
orders start the execution environments (not counted), then ``orders`` orders are POSTed to the
orders API, SigV4-signed, each with its own Idempotency-Key, by as many concurrent callers as the
API's function may run at once (so none is throttled), at most ``WINDOW`` orders in flight (posted,
not yet fully processed). Each order is followed to its end:

    api         POST /orders answered 201
    projection  the order is in the read model (orders table)
    saga        the read model says Confirmed (the saga reserved, charged, shipped and concluded)
    fanout      OrderPlaced reached both fan-out workers (inventory commitment, analytics count)

Every latency is measured from the moment the order's POST was sent; throughput is
``orders / seconds`` from the first POST to the last order fully processed.

Why a window (a closed loop) rather than all orders at once: offered a burst far above what it
can process, the local cloud does not just queue. Every call the handlers make waits on the one
saturated emulator process, the projector's batches of up to 100 stream records outlive its 10 s
timeout, and after its retries the records go to the on-failure queue: those orders never
conclude and the run ends at its deadline (on 2 cores at about 2 orders/s: 1 of 3 bursts of 200
orders and 1 of 2 runs with 100 in flight ended so, none of 4 with 20). The window keeps the run
measuring the sustained rate. It also bounds it, to ``window`` / the end-to-end latency: raise
``--window`` once the local cloud is fast enough to be held back by it.

Two choices keep the measurement from loading what it measures:

* The callers run in a child process (``--client``): the emulator, the pollers and the gateway
  share one interpreter, and a client inside it would take its CPU (SigV4, HTTP) from them.
* Progress is read from the emulator's tables in memory, not over its API: a BatchGetItem of 100
  keys costs moto about 70 ms of CPU, so polling hundreds of orders over HTTP would be the load.
  Reads are dictionary lookups of moto's DynamoDB backend, every ``POLL_SECONDS``, for the orders
  still pending (about 1 % of the process' CPU, reported); latencies are late by up to that interval.

Bounded: a deadline for the deploy, for the warm-up and for the measured orders; a failed saga
execution, a cancelled order or a refused POST end the run at once with the reason. Everything
(emulator, runtime, function processes, the client process) is stopped on every way out.
"""

from __future__ import annotations

import argparse
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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.cloud import LocalCloud

PROJECT = Path.cwd()
#: The directory pulumi_wasp is imported from (site-packages, or components/ in a checkout).
_PACKAGE_ROOT = Path(__file__).resolve().parents[2]
STAGES = ("api", "projection", "saga", "fanout")
#: Local time as `python -m localcloud run` keeps it: the fan-out queues' 5 s batching windows
#: close in 83 ms (at 1×, AWS's timing, every partial batch would wait the full window).
SPEED = 60.0
#: How often pending orders are looked up in the emulator's tables.
POLL_SECONDS = 0.05
#: How often the saga's executions are checked for a failure (over the API: a cheap list call).
SAGA_CHECK_SECONDS = 1.0
WARMUP_ORDERS = 5
#: Orders in flight at most (posted, not yet fully processed); None: all offered at once.
WINDOW: int | None = 20
DEPLOY_TIMEOUT_SECONDS = 180.0
WARMUP_TIMEOUT_SECONDS = 60.0
#: A customer no payment declines (not "declined-…") and a total far below the decline limit.
ITEMS = [{"sku": "SKU-1", "qty": 2, "unitPrice": "9.99"}, {"sku": "SKU-2", "qty": 1, "unitPrice": "5.00"}]


class BenchError(RuntimeError):
    """The run could not measure what it promises; the message says why."""


class SagaFailedError(BenchError):
    """A saga execution failed: no order of this run can end Confirmed."""


class DeadlineError(BenchError, TimeoutError):
    """A phase of the run outlived its deadline."""


def default_timeout(orders: int) -> float:
    """Seconds allowed for the measured orders: a minute, plus a second per order (measured: 1.5 to
    3 orders/s on 2 cores), so a busy machine still finishes; the bench's child has 600 s in all."""
    return 60.0 + orders


# -- the run ----------------------------------------------------------------------------------------------
@dataclass
class _Order:
    key: str
    customer: str
    sent: float | None = None
    order_id: str | None = None
    #: The OrderPlaced event's id (the analytics worker's processed marker is keyed by it).
    event_id: str | None = None
    #: Stage → time.monotonic() when it was first seen done; "inventory"/"analytics" before "fanout".
    reached: dict[str, float] = field(default_factory=dict)

    @property
    def done(self) -> bool:
        return all(stage in self.reached for stage in STAGES)

    @property
    def finished(self) -> float:
        return max(self.reached[stage] for stage in STAGES)


def run(
    orders: int,
    *,
    program: Path = PROJECT,
    stack: str = "dev",
    speed: float = SPEED,
    clients: int | None = None,
    window: int | None = WINDOW,
    warmup: int = WARMUP_ORDERS,
    timeout: float | None = None,
    progress: Callable[[str], None] | None = None,
) -> dict[str, Any]:
    """Push ``orders`` orders through the deployed stack; ``{"orders", "seconds", "stages", ...}``.

    ``clients``: concurrent callers (default: the orders API function's concurrency);
    ``window``: orders in flight at most (None: all at once); ``warmup``: orders before measuring;
    ``timeout``: seconds allowed for the measured orders (default :func:`default_timeout`).
    Call from the main thread (the runtime's processes are tied to the thread that starts them).
    """
    if orders < 1:
        raise ValueError("orders must be at least 1")
    say = progress or (lambda _: None)
    with tempfile.TemporaryDirectory(prefix="localcloud-bench-") as state, contextlib.ExitStack() as cleanup:
        cloud = _start(program, stack, speed, Path(state), say)
        cleanup.callback(cloud.stop)  # last out: after the client process is gone
        endpoints = cloud.endpoints()
        callers = clients or _api_concurrency(cloud)
        client = cleanup.enter_context(_Client(endpoints, callers))
        observer = _Observer(cloud, endpoints)
        if warmup:
            say(f"warm-up: {warmup} orders")
            _drive(client, observer, _orders("warmup", warmup), None, WARMUP_TIMEOUT_SECONDS, "warm-up", say)
        say(f"measuring: {orders} orders, {callers} callers, window {window}, local time at {speed:g}×")
        before = _cpu(cloud)
        measured = _orders("bench", orders)
        _drive(client, observer, measured, window, default_timeout(orders) if timeout is None else timeout, "run", say)
        after = _cpu(cloud)
        assert cloud.deployment is not None
        started = min(o.sent for o in measured if o.sent is not None)
        seconds = max(o.finished for o in measured) - started
        return {
            "orders": orders,
            "seconds": seconds,
            "stages": {stage: [o.reached[stage] - (o.sent or 0) for o in measured] for stage in STAGES},
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

    cloud = LocalCloud(program.resolve(), stack, speed, state=state)
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


def _api_concurrency(cloud: LocalCloud) -> int:
    """The concurrency of the function behind POST /orders: more callers would only be throttled."""
    assert cloud.runtime is not None
    for gateway in cloud.runtime.gateways:
        for route in gateway.routes:
            if route.template == "/orders" and route.method in ("POST", "ANY"):
                return max(1, cloud.runtime.function(route.function_arn).concurrency)
    raise BenchError("the deployed API has no POST /orders route")


def _orders(prefix: str, count: int) -> list[_Order]:
    run_id = uuid.uuid4().hex[:8]
    return [_Order(key=str(uuid.uuid4()), customer=f"{prefix}-{run_id}-{n}") for n in range(count)]


def _drive(
    client: _Client,
    observer: _Observer,
    orders: list[_Order],
    window: int | None,
    timeout: float,
    phase: str,
    say: Callable[[str], None],
) -> None:
    """POST the orders, at most ``window`` of them in flight (posted, not yet fully processed), and
    follow them until every one is done; raise on a failure or the deadline."""
    by_key = {o.key: o for o in orders}
    waiting, posted = list(orders), list[_Order]()
    deadline = time.monotonic() + timeout
    next_saga_check = next_report = time.monotonic()
    while True:
        room = (window or len(orders)) - sum(not o.done for o in posted)
        if waiting and room > 0:
            batch, waiting = waiting[:room], waiting[room:]
            client.post(batch)
            posted.extend(batch)
        client.collect(by_key)
        observer.observe(posted)
        if not waiting and all(o.done for o in orders):
            return
        now = time.monotonic()
        if now >= next_saga_check:
            observer.check_saga()
            next_saga_check = now + SAGA_CHECK_SECONDS
        if now >= next_report:
            say(f"{phase}: {_tally(orders)}")
            next_report = now + 5
        if now > deadline:
            stuck = next(o for o in orders if not o.done)
            raise DeadlineError(
                f"the {phase} did not finish within {timeout:.0f} s: {_tally(orders)}; e.g. order "
                f"{stuck.order_id or '(not created)'} of {stuck.customer} reached {sorted(stuck.reached) or 'nothing'}"
            )
        time.sleep(POLL_SECONDS)


def _tally(orders: list[_Order]) -> str:
    counts = {stage: sum(stage in o.reached for o in orders) for stage in STAGES}
    return f"of {len(orders)} orders " + ", ".join(f"{n} {stage}" for stage, n in counts.items())


def _cpu(cloud: LocalCloud) -> dict[str, float]:
    """CPU seconds so far of this process, of its main thread (call from there) and of the runtime's
    processes (the zygote and the execution environments alive now)."""
    assert cloud.zygote is not None
    pids = [p for p in (cloud.zygote.pid, *cloud.zygote.pids) if p is not None]
    return {
        "cloud_process": time.process_time(),
        # The main thread of this process only follows the orders: the measurement's own cost.
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


# -- following orders ---------------------------------------------------------------------------------------
class _Observer:
    """Reads each pending order's progress from the emulator's DynamoDB tables in memory (moto's
    backend: lookups by key, no request to the emulator) and checks the saga over the API."""

    def __init__(self, cloud: LocalCloud, endpoints: dict[str, Any]) -> None:
        from pulumi_wasp.adapters.moto import dynamodb_backends

        assert cloud.emulator is not None
        self._backend = dynamodb_backends[cloud.emulator.account_id][cloud.emulator.region]
        self._names = endpoints["tables"]
        self._sfn = cloud.emulator.client("stepfunctions")
        self._machine = endpoints["outputs"]["state_machine_arn"]

    def _table(self, logical_name: str) -> Any:
        """The table as the backend holds it now (a table deleted and created again is a new object)."""
        return self._backend.tables[self._names[logical_name]]

    def observe(self, orders: list[_Order]) -> None:
        read_models, events = self._table("orders-table"), self._table("event-store-table")
        operations, metrics = self._table("operations-table"), self._table("metrics-table")
        for order in orders:
            if order.order_id is None or order.done:
                continue
            seen = time.monotonic()
            if "saga" not in order.reached:
                read_model = _attrs(read_models, order.order_id)
                if read_model is not None:
                    order.reached.setdefault("projection", seen)
                    status = _value(read_model, "status")
                    if status == "Confirmed":
                        order.reached["saga"] = seen
                    elif status == "Cancelled":
                        reason = _value(read_model, "cancellationReason")
                        raise SagaFailedError(f"order {order.order_id} was cancelled ({reason}); expected Confirmed")
            if "inventory" not in order.reached and _attrs(operations, f"ORDER#{order.order_id}", "COMMITMENT"):
                order.reached["inventory"] = seen
            if order.event_id is None:
                order.event_id = _placed_event(events, order.order_id)
            if (
                "analytics" not in order.reached
                and order.event_id is not None
                and _attrs(metrics, f"PROCESSED#{order.event_id}", "PROCESSED")
            ):
                order.reached["analytics"] = seen
            if "inventory" in order.reached and "analytics" in order.reached:
                order.reached.setdefault("fanout", max(order.reached["inventory"], order.reached["analytics"]))

    def check_saga(self) -> None:
        """Any failed execution ends the run: its orders would wait for Confirmed forever."""
        for status in ("FAILED", "TIMED_OUT", "ABORTED"):
            found = self._sfn.list_executions(stateMachineArn=self._machine, statusFilter=status, maxResults=1)
            if found["executions"]:
                arn = found["executions"][0]["executionArn"]
                execution = self._sfn.describe_execution(executionArn=arn)
                raise SagaFailedError(
                    f"a saga execution ended {status} with {execution.get('error')}: "
                    f"{_short_cause(execution.get('cause', ''))}; no order can end Confirmed"
                )


def _placed_event(events: Any, order_id: str) -> str | None:
    """The id of the order's OrderPlaced event in the event store (moto's table), once appended."""
    from pulumi_wasp.adapters.moto import DynamoType

    versions = events.items.get(DynamoType({"S": order_id}))
    for item in list(versions.values()) if versions else []:  # list(): a C-level copy, safe while written
        if _value(item.attrs, "type") == "OrderPlaced":
            return _value(item.attrs, "id")
    return None


def _attrs(table: Any, pk: str, sk: str | None = None) -> dict[str, Any] | None:
    """An item's attributes (moto's DynamoType values) by its string key, or None."""
    from pulumi_wasp.adapters.moto import DynamoType

    entry = table.items.get(DynamoType({"S": pk}))  # .get: the backend's defaultdict must not grow
    if entry is not None and sk is not None:
        entry = entry.get(DynamoType({"S": sk}))
    return entry.attrs if entry is not None else None


def _value(attrs: dict[str, Any], name: str) -> Any:
    attribute = attrs.get(name)
    return attribute.value if attribute is not None else None


def _short_cause(cause: str) -> str:
    try:
        error = json.loads(cause)
        return f"{error['errorType']}: {error['errorMessage']}"
    except (ValueError, KeyError, TypeError):
        return cause[:300]


# -- the callers, in a child process -------------------------------------------------------------------------
class _Client:
    """``python -m localcloud.bench --client``: reads batches of orders on stdin, POSTs them with
    ``clients`` threads, writes one JSON line per answer. It exits when its stdin closes."""

    def __init__(self, endpoints: dict[str, Any], clients: int) -> None:
        self._endpoints, self._clients = endpoints, clients
        self._answers: queue.Queue[dict[str, Any]] = queue.Queue()
        self._process: subprocess.Popen[str] | None = None

    def __enter__(self) -> _Client:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "pulumi_wasp.localcloud.bench", "--client"],
            cwd=PROJECT,
            env={**os.environ, "PYTHONPATH": str(_PACKAGE_ROOT)},
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self._process.stdin is not None and self._process.stdout is not None
        self._send({"endpoints": self._endpoints, "clients": self._clients})
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
        self._process.kill()  # its remaining POSTs are of no use any more
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

    def post(self, orders: list[_Order]) -> None:
        self._send([[o.key, o.customer] for o in orders])

    def collect(self, by_key: dict[str, _Order]) -> None:
        """Apply the answers received so far; raise on a refused POST or a client that died."""
        while True:
            try:
                answer = self._answers.get_nowait()
            except queue.Empty:
                return
            if answer.get("exited"):
                raise BenchError("the client process exited")
            order = by_key.get(answer["key"])
            if order is None:
                continue  # an answer of an earlier phase
            order.sent = answer["sent"]
            if answer["status"] != 201:
                raise BenchError(f"POST /orders answered {answer['status']}: {answer.get('error', '')[:300]}")
            order.order_id = answer["order_id"]
            order.reached["api"] = answer["done"]


def _client_main() -> int:
    """The child's side of :class:`_Client`."""
    from concurrent.futures import ThreadPoolExecutor

    from pulumi_wasp.localcloud.scenario.client import Cloud

    setup = json.loads(sys.stdin.readline())
    cloud = Cloud(setup["endpoints"])
    lock = threading.Lock()

    def emit(message: dict[str, Any]) -> None:
        with lock:
            sys.stdout.write(json.dumps(message) + "\n")
            sys.stdout.flush()

    def post(key: str, customer: str) -> None:
        body = {"customerId": customer, "items": ITEMS, "currency": "EUR"}
        sent = time.monotonic()  # CLOCK_MONOTONIC: comparable with the parent's clock
        try:
            answer = cloud.api("POST", "/orders", body, {"Idempotency-Key": key})
        except Exception as exc:  # reported to the parent, which ends the run
            emit({"key": key, "sent": sent, "status": 0, "error": f"{type(exc).__name__}: {exc}"})
            return
        result: dict[str, Any] = {"key": key, "sent": sent, "done": time.monotonic(), "status": answer.status}
        if answer.status == 201:
            result["order_id"] = answer.json()["orderId"]
        else:
            result["error"] = answer.text
        emit(result)

    emit({"ready": True})
    with ThreadPoolExecutor(max_workers=setup["clients"], thread_name_prefix="caller") as pool:
        for line in sys.stdin:
            for key, customer in json.loads(line):
                pool.submit(post, key, customer)
    return 0


# -- command line --------------------------------------------------------------------------------------------
def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m localcloud.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--orders", type=int, default=200, help="orders to push through (default 200)")
    parser.add_argument(
        "--program", default=str(PROJECT), help="Pulumi program directory (default: the current directory)"
    )
    parser.add_argument("--stack", default="dev", help="stack to deploy (default: dev)")
    parser.add_argument("--speed", type=float, default=SPEED, help=f"local time speed-up (default {SPEED:g})")
    parser.add_argument("--clients", type=int, help="concurrent callers (default: the API function's concurrency)")
    parser.add_argument(
        "--window", type=int, default=WINDOW, help=f"orders in flight at most, 0: all at once (default {WINDOW})"
    )
    parser.add_argument("--warmup", type=int, default=WARMUP_ORDERS, help=f"warm-up orders (default {WARMUP_ORDERS})")
    parser.add_argument("--timeout", type=float, help="seconds for the measured orders (default 60 + orders)")
    parser.add_argument("--client", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.client:
        return _client_main()

    def terminate(signum: int, frame: Any) -> None:
        raise SystemExit(128 + signum)  # unwinds through run(): everything is stopped

    signal.signal(signal.SIGTERM, terminate)

    def say(line: str) -> None:
        print(f"bench: {line}", file=sys.stderr, flush=True)

    try:
        result = run(
            args.orders,
            program=Path(args.program),
            stack=args.stack,
            speed=args.speed,
            clients=args.clients,
            window=args.window or None,
            warmup=args.warmup,
            timeout=args.timeout,
            progress=say,
        )
    except BenchError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    say(f"{result['orders']} orders in {result['seconds']:.2f} s: {result['orders_per_second']:.1f} orders/s")
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
