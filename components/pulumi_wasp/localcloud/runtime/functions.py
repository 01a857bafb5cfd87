"""The Lambda service of the runtime: execution environments per function, reused while warm,
at most as many at once as the function's reserved concurrency, each invocation bounded by the
function's timeout, every failure answered in Lambda's error shape."""

from __future__ import annotations

import contextlib
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pulumi_wasp.localcloud.deploy.lambda_ import ROOT
from pulumi_wasp.localcloud.deploy.registry import LATEST, FunctionSpec
from pulumi_wasp.localcloud.runtime import protocol
from pulumi_wasp.localcloud.runtime.faults import NO_FAULT, Decision, FaultPlan
from pulumi_wasp.localcloud.runtime.worker import WorkerSpec
from pulumi_wasp.localcloud.runtime.zygote import MAX_MESSAGE

#: Lambda's error (type, message) when it cannot decrypt a function's environment variables, else None.
KeyCheck = Callable[[], "tuple[str, str] | None"]
#: Local cap for functions without reserved concurrency (the account's 1000 would swamp a laptop).
UNRESERVED_CONCURRENCY = 4
#: Lambda's INIT phase limit for on-demand functions.
INIT_TIMEOUT_SECONDS = 10.0
#: The directory pulumi_wasp is imported from (site-packages, or components/ in a checkout).
_PACKAGE_ROOT = Path(__file__).resolve().parents[3]


class Zygote:
    """The process every execution environment is forked from (see :mod:`localcloud.runtime.zygote`).

    Start it from the main thread: Linux sends the zygote its parent-death signal when the
    *thread* that started it ends.
    """

    def __init__(self, log_path: Path) -> None:
        self._log_path = log_path
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._control: socket.socket | None = None
        self.pids: set[int] = set()

    def start(self) -> None:
        control, child = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        with open(self._log_path, "ab") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own interpreter and module
                [sys.executable, "-m", "pulumi_wasp.localcloud.runtime.zygote", str(child.fileno())],
                pass_fds=[child.fileno()],
                cwd=_PACKAGE_ROOT,
                # Nothing of the user's environment (credentials, profiles) reaches a function.
                env={
                    "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
                    "PYTHONPATH": str(_PACKAGE_ROOT),
                    "LANG": "C.UTF-8",
                    "AWS_CONFIG_FILE": os.devnull,
                    "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
                },
                stdout=log,
                stderr=log,
                stdin=subprocess.DEVNULL,
                start_new_session=True,  # Ctrl-C in the terminal reaches the runtime, which stops these itself
            )
        child.close()
        self._control = control

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def spawn(self, spec: WorkerSpec) -> tuple[int, socket.socket]:
        assert self._control is not None, "start() the zygote first"
        with self._lock:
            self._control.send(json.dumps(spec.__dict__).encode())
            data, fds, _, _ = socket.recv_fds(self._control, MAX_MESSAGE, 1)
        if not data or not fds:
            raise RuntimeError("the zygote exited; see .localcloud/logs/runtime.log")
        pid = json.loads(data)["pid"]
        self.pids.add(pid)
        return pid, socket.socket(fileno=fds[0])

    def release(self, pid: int) -> None:
        """End an environment (it would exit on its own once its socket closes; this is certain)."""
        _kill(pid)
        self.pids.discard(pid)

    def forget(self, pid: int) -> None:
        """An environment that exited by itself: nothing to kill (its pid may be another's now)."""
        self.pids.discard(pid)

    def stop(self) -> None:
        if self._control is not None:
            self._control.close()
            self._control = None
        for pid in list(self.pids):
            self.release(pid)
        if self._process is not None:
            try:
                self._process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self._process.kill()
                self._process.wait()
            self._process = None


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGKILL)


@dataclass
class Invocation:
    """The outcome of one invocation, as Lambda's Invoke API reports it."""

    request_id: str
    payload: str
    #: "Unhandled" when the function (or its runtime) failed, None on success.
    function_error: str | None = None
    status: int = 200
    duration_ms: float = 0.0
    #: INIT duration when this invocation started a new execution environment.
    init_ms: float | None = None
    #: Not run to its end because the function was closed (the local cloud is stopping): the
    #: caller drops the work instead of retrying it or recording a failure.
    aborted: bool = False
    #: The version that ran (Invoke's ExecutedVersion).
    executed_version: str = LATEST

    @property
    def failed(self) -> bool:
        return self.function_error is not None or self.status >= 400

    @property
    def error(self) -> dict[str, Any]:
        return json.loads(self.payload) if self.failed else {}

    @property
    def result(self) -> Any:
        return json.loads(self.payload)


@dataclass
class FunctionStats:
    invocations: int = 0
    errors: int = 0
    throttles: int = 0
    timeouts: int = 0
    cold_starts: int = 0
    init_ms: list[float] = field(default_factory=list)
    durations_ms: deque[float] = field(default_factory=lambda: deque(maxlen=1000))
    #: Execution environments alive now, and the most that ever ran at once.
    environments: int = 0
    peak_concurrency: int = 0
    #: Idle environments found dead before a hand-out and replaced by a cold start (unseen by the caller).
    replaced: int = 0
    #: Code changes that retired the function's environments (hot reload).
    reloads: int = 0


class _Environment:
    def __init__(self, zygote: Zygote, pid: int, channel: socket.socket, generation: int, version: str) -> None:
        self.zygote, self.pid, self.channel = zygote, pid, channel
        #: The function's code generation this environment imported (see :meth:`Function.reload`).
        self.generation = generation
        #: The version it runs: Lambda never hands an environment of one version an invocation of another.
        self.version = version
        self._lock = threading.Lock()
        self._released = False

    def alive(self) -> bool:
        """Whether an idle environment can take an invocation: its process exists and its end of
        the channel is open. An idle worker never writes unasked, so anything readable on the
        channel (end of file, a hang-up) means it has exited."""
        poller = select.poll()
        poller.register(self.channel, select.POLLIN | select.POLLHUP | select.POLLERR)
        if poller.poll(0):
            return False
        try:
            os.kill(self.pid, 0)
        except ProcessLookupError:
            return False
        return True

    def abort(self) -> None:
        """End the environment under an invocation in flight: the process is killed and the
        invoking thread's wait on the channel returns at once (it then calls :meth:`close`)."""
        with contextlib.suppress(OSError):
            self.channel.shutdown(socket.SHUT_RDWR)
        self._release()

    def close(self) -> None:
        self.channel.close()
        self._release()

    def discard(self) -> None:
        """Forget an environment found dead: its channel is closed, its pid is not signalled."""
        self.channel.close()
        self._release(exited=True)

    def _release(self, exited: bool = False) -> None:
        with self._lock:  # once: the pid may belong to another process after the first kill
            if self._released:
                return
            self._released = True
        if exited:
            self.zygote.forget(self.pid)
        else:
            self.zygote.release(self.pid)


def _runtime_error(request_id: str, error_type: str, message: str) -> str:
    return json.dumps({"errorType": error_type, "errorMessage": f"RequestId: {request_id} Error: {message}"})


def _throttled(request_id: str, reserved: bool) -> Invocation:
    """Lambda's 429 for an invocation beyond the concurrency: the reason names the limit reached
    (the function's reserved concurrency, or the account's, which the local cap stands for)."""
    reason = "ReservedFunctionConcurrentInvocationLimitExceeded" if reserved else "ConcurrentInvocationLimitExceeded"
    body = {"errorType": "TooManyRequestsException", "errorMessage": "Rate Exceeded.", "Reason": reason, "Type": "User"}
    return Invocation(request_id, json.dumps(body), status=429)


def _undecryptable(request_id: str, error_type: str, message: str) -> Invocation:
    """Lambda's 502 for an invocation whose environment variables it could not decrypt (KMSAccessDeniedException,
    KMSDisabledException...): the function never runs, and like a throttle it is an invocation error, counted in
    neither the function's invocations nor its errors (CloudWatch's Invocations metric leaves these out)."""
    return Invocation(request_id, json.dumps({"errorType": error_type, "errorMessage": message}), status=502)


def _aborted(request_id: str) -> Invocation:
    """Lambda's answer for a failure of the service itself (500), here: the local cloud is stopping."""
    message = "The local cloud is stopping: the invocation was not run to its end."
    return Invocation(
        request_id, json.dumps({"errorType": "ServiceException", "errorMessage": message}), status=500, aborted=True
    )


class Function:
    """One deployed function's execution environments."""

    def __init__(
        self,
        spec: FunctionSpec,
        zygote: Zygote,
        state_dir: Path,
        base_environment: dict[str, str],
        key_check: KeyCheck | None = None,
    ) -> None:
        self.spec = spec
        #: Asked before each invocation of a function whose environment variables are under a customer-managed key:
        #: Lambda's error (type, message) when it cannot decrypt them (the emulator's IAM decides), else None.
        self._key_check = key_check
        self._zygote = zygote
        self.log_path = state_dir / "logs" / f"{spec.name}.log"
        self._task_root = _task_root(spec, state_dir / "functions" / spec.name)
        self._environment = _environment(spec, self._task_root, base_environment)
        self.concurrency = (
            spec.reserved_concurrency if spec.reserved_concurrency is not None else UNRESERVED_CONCURRENCY
        )
        #: Slots left of the concurrency; callers wait on ``_changed`` for one.
        self._free = self.concurrency
        self._idle: list[_Environment] = []
        #: Environments with an invocation (or INIT) in flight: :meth:`close` aborts them.
        self._in_use: set[_Environment] = set()
        self._busy = 0
        self._closed = False
        #: Bumped by :meth:`reload`: environments of an older generation are not kept once idle.
        self._generation = 0
        self._lock = threading.Lock()
        self._changed = threading.Condition(self._lock)
        self.stats = FunctionStats()
        #: Injected faults (runtime/faults.py), set by the runtime's Faults; None: none.
        self.faults: FaultPlan | None = None

    @property
    def closed(self) -> bool:
        return self._closed

    def invoke(
        self, event: Any, *, wait_for_slot: float = 0.0, version: str = LATEST, invoked_arn: str | None = None
    ) -> Invocation:
        """Run the handler once, as ``version`` (in an environment of that version), for a caller that invoked
        ``invoked_arn`` (the context's ``invoked_function_arn``; the unqualified ARN when None). Without a free
        slot (concurrency reached, shared by every version) the invocation is throttled at once, as Lambda
        answers a synchronous call; a poller may wait up to ``wait_for_slot`` seconds for one instead (Lambda's
        pollers back off and retry). Once the function is closed every invocation, waiting or running, ends at
        once (aborted). A function whose environment variables are under a customer-managed key first has them
        decrypted (``key_check``): when Lambda cannot, the invocation fails at once with its 502."""
        request_id = str(uuid.uuid4())
        refused = self._key_check() if self._key_check is not None and not self._closed else None
        if refused is not None:
            return _undecryptable(request_id, *refused)
        payload = event if isinstance(event, str) else json.dumps(event)
        fault = self.faults.decide() if self.faults else NO_FAULT  # fault injection: runtime/faults.py
        with self._lock:
            if self.concurrency and wait_for_slot > 0 and not fault.throttle:
                self._changed.wait_for(lambda: self._closed or self._free > 0, timeout=wait_for_slot)
            if self._closed:
                return _aborted(request_id)
            if self._free <= 0 or fault.throttle:
                self.stats.throttles += 1
                return _throttled(request_id, reserved=self.spec.reserved_concurrency is not None)
            self._free -= 1
            self._busy += 1
            self.stats.peak_concurrency = max(self.stats.peak_concurrency, self._busy)
        try:
            return self._run(request_id, payload, fault, version, invoked_arn)
        finally:
            with self._lock:
                self._busy -= 1
                self._free += 1
                self._changed.notify()

    def _run(self, request_id: str, payload: str, fault: Decision, version: str, invoked_arn: str | None) -> Invocation:
        invocation = self._run_version(request_id, payload, fault, version, invoked_arn)
        invocation.executed_version = version
        return invocation

    def _run_version(
        self, request_id: str, payload: str, fault: Decision, version: str, invoked_arn: str | None
    ) -> Invocation:
        init_ms = None
        environment = self._warm_environment(version)
        if environment is None:
            started = self._start_environment(request_id, version)
            if isinstance(started, Invocation):
                return started if started.aborted else self._count(started)
            environment, init_ms = started
        deadline = time.time() + self.spec.timeout_seconds
        request = {
            "request_id": request_id,
            "event": payload,
            "deadline_ms": int(deadline * 1000),
            "fault": fault.directive(),
            "invoked_arn": invoked_arn,
        }
        try:
            environment.channel.settimeout(self.spec.timeout_seconds)
            protocol.send(environment.channel, request)
            response = protocol.recv(environment.channel)
        except TimeoutError:
            if self._retire(environment):
                return _aborted(request_id)
            self._append_log(f"{_now()} {request_id} Task timed out after {self.spec.timeout_seconds:.2f} seconds")
            with self._lock:
                self.stats.timeouts += 1
            message = f"Task timed out after {self.spec.timeout_seconds:.2f} seconds"
            return self._count(
                Invocation(
                    request_id, _runtime_error(request_id, "Sandbox.Timedout", message), "Unhandled", init_ms=init_ms
                )
            )
        except (protocol.ChannelClosedError, OSError):
            if self._retire(environment):
                return _aborted(request_id)
            message = "Runtime exited without providing a reason"
            return self._count(
                Invocation(
                    request_id, _runtime_error(request_id, "Runtime.ExitError", message), "Unhandled", init_ms=init_ms
                )
            )
        with self._lock:
            self._in_use.discard(environment)
            # Closed, or its code changed while this invocation finished on the old: not kept.
            keep = not self._closed and environment.generation == self._generation
            if keep:
                self._idle.append(environment)
        if not keep:
            environment.close()
            self._gone()
        if "error" in response:
            return self._count(
                Invocation(
                    request_id,
                    json.dumps(response["error"]),
                    "Unhandled",
                    duration_ms=response["duration_ms"],
                    init_ms=init_ms,
                )
            )
        return self._count(
            Invocation(request_id, response["payload"], duration_ms=response["duration_ms"], init_ms=init_ms)
        )

    def _warm_environment(self, version: str) -> _Environment | None:
        """An idle environment of ``version`` to reuse (the most recently used), or None for a cold start. A
        dead one is never handed out (its process was killed, or crashed while idle): it is discarded and the
        next tried, as Lambda replaces a failed sandbox without the caller seeing it."""
        while True:
            with self._lock:
                index = next((i for i in range(len(self._idle) - 1, -1, -1) if self._idle[i].version == version), -1)
                if index < 0:
                    return None
                environment = self._idle.pop(index)
                self._in_use.add(environment)
            if environment.alive():
                return environment
            self._append_log(f"{_now()} environment {environment.pid} had exited while idle: replaced")
            environment.discard()
            self._gone()
            with self._lock:
                self._in_use.discard(environment)
                self.stats.replaced += 1

    def reload(self, reason: str) -> None:
        """The function's code changed on disk: every environment started from now on imports
        the new code, idle ones are ended (the next invocation starts cold on it) and busy ones
        finish their invocation on the old code, then end."""
        with self._lock:
            if self._closed:
                return
            self._generation += 1
            self.stats.reloads += 1
            idle, self._idle = self._idle, []
        for environment in idle:
            environment.close()
            self._gone()
        self._append_log(f"{_now()} RELOAD {reason}: new invocations start on the new code")

    def _retire(self, environment: _Environment) -> bool:
        """End an environment whose invocation failed; True when that was :meth:`close` aborting it."""
        environment.close()
        self._gone()
        with self._lock:
            self._in_use.discard(environment)
            return self._closed

    def _start_environment(self, request_id: str, version: str) -> tuple[_Environment, float] | Invocation:
        """A cold start: fork an environment of ``version`` and run the function's INIT phase."""
        spec = WorkerSpec(
            function_name=self.spec.name,
            function_arn=self.spec.arn,
            handler=self.spec.handler,
            task_root=str(self._task_root),
            environment={**self._environment, "AWS_LAMBDA_FUNCTION_VERSION": version},
            function_version=version,
            memory_mb=self.spec.memory_mb,
            timeout_seconds=self.spec.timeout_seconds,
            log_path=str(self.log_path),
            log_group=self.spec.log_group,
        )
        with self._lock:
            if self._closed:
                return _aborted(request_id)
            generation = self._generation  # before the fork: a change during INIT retires it afterwards
        pid, channel = self._zygote.spawn(spec)
        environment = _Environment(self._zygote, pid, channel, generation, version)
        with self._lock:
            closed = self._closed
            if not closed:
                self._in_use.add(environment)
        if closed:
            environment.close()
            return _aborted(request_id)
        try:
            channel.settimeout(INIT_TIMEOUT_SECONDS)
            ready = protocol.recv(channel)
        except (TimeoutError, protocol.ChannelClosedError, OSError):
            environment.close()
            with self._lock:
                self._in_use.discard(environment)
                if self._closed:
                    return _aborted(request_id)
            return Invocation(
                request_id, _runtime_error(request_id, "Runtime.ExitError", "INIT did not complete"), "Unhandled"
            )
        if "init_error" in ready:
            environment.close()
            with self._lock:
                self._in_use.discard(environment)
            return Invocation(request_id, json.dumps(ready["init_error"]), "Unhandled")
        init_ms = ready["ready"]["init_ms"]
        with self._lock:
            self.stats.cold_starts += 1
            self.stats.init_ms.append(init_ms)
            self.stats.environments += 1
        return environment, init_ms

    def _gone(self) -> None:
        with self._lock:
            self.stats.environments -= 1

    def _count(self, invocation: Invocation) -> Invocation:
        with self._lock:
            self.stats.invocations += 1
            self.stats.errors += invocation.failed
            self.stats.durations_ms.append(invocation.duration_ms)
        return invocation

    def _append_log(self, line: str) -> None:
        with open(self.log_path, "a") as log:
            log.write(line + "\n")

    def close(self) -> None:
        """End every execution environment, idle or busy: an invocation in flight returns at once
        (aborted), so does a caller waiting for a slot, and every later invocation is aborted."""
        with self._lock:
            self._closed = True
            idle, self._idle = self._idle, []
            busy = list(self._in_use)
            self._changed.notify_all()
        for environment in busy:
            environment.abort()  # its invoking thread closes it and counts it gone
        for environment in idle:
            environment.close()


def _now() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime()) + "Z"


def _task_root(spec: FunctionSpec, directory: Path) -> Path:
    """The function's code as its archive lays it out: each packaged folder under its archive name."""
    if ROOT in spec.code:
        return spec.code[ROOT]
    shutil.rmtree(directory, ignore_errors=True)
    directory.mkdir(parents=True)
    for name, path in spec.code.items():
        (directory / name).symlink_to(path, target_is_directory=path.is_dir())
    return directory


def _environment(spec: FunctionSpec, task_root: Path, base: dict[str, str]) -> dict[str, str]:
    """The function's variables, then what Lambda reserves (a function cannot override those; the version,
    ``AWS_LAMBDA_FUNCTION_VERSION``, is each environment's own)."""
    return {
        **spec.environment,
        **base,
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "LANG": "en_US.UTF-8",
        "TZ": "UTC",
        "LAMBDA_TASK_ROOT": str(task_root),
        "_HANDLER": spec.handler,
        "AWS_EXECUTION_ENV": "AWS_Lambda_python3.12",
        "AWS_LAMBDA_FUNCTION_NAME": spec.name,
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(spec.memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": spec.log_group,
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand",
        # No X-Ray daemon locally: Powertools' Tracer becomes a no-op.
        "POWERTOOLS_TRACE_DISABLED": "true",
    }
