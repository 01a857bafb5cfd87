"""One Lambda execution environment: a process running one function's handler, invocation after
invocation, the way the Python runtime interface client does.

The process is forked from the zygote (:mod:`localcloud.runtime.zygote`), so it starts with the
runtime's libraries imported but none of the function's code: two functions that both ship a
``shared`` package never see each other's modules. Its stdout and stderr are the function's
log file; requests and responses travel over the socket it was handed.
"""

from __future__ import annotations

import decimal
import importlib
import json
import os
import resource
import socket
import sys
import time
import traceback
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from pulumi_wasp.localcloud.runtime import faults, protocol


@dataclass(frozen=True)
class WorkerSpec:
    """What an execution environment of one function needs to start."""

    function_name: str
    function_arn: str
    handler: str
    task_root: str
    environment: dict[str, str]
    memory_mb: int
    timeout_seconds: int
    log_path: str
    log_group: str
    #: The version this environment runs (an environment serves one version, as on Lambda).
    function_version: str = "$LATEST"


class LambdaContext:
    """The context object Lambda passes to a Python handler."""

    def __init__(
        self, spec: WorkerSpec, request_id: str, deadline_ms: int, log_stream: str, invoked_arn: str | None = None
    ) -> None:
        self.function_name = spec.function_name
        self.function_version = spec.function_version
        #: The ARN the caller invoked: unqualified, or with the version or alias it named.
        self.invoked_function_arn = invoked_arn or spec.function_arn
        self.memory_limit_in_mb = spec.memory_mb
        self.aws_request_id = request_id
        self.log_group_name = spec.log_group
        self.log_stream_name = log_stream
        self.identity = None
        self.client_context = None
        self._deadline_ms = deadline_ms

    def get_remaining_time_in_millis(self) -> int:
        return max(0, self._deadline_ms - int(time.time() * 1000))


def error_shape(exc: BaseException, request_id: str | None = None) -> dict[str, Any]:
    """Lambda's error payload for an exception raised by the function."""
    shape: dict[str, Any] = {
        "errorMessage": str(exc),
        "errorType": type(exc).__name__,
        # The function's frames only: the runtime's own frame above them is not the user's code.
        "stackTrace": traceback.format_list(
            [f for f in traceback.extract_tb(exc.__traceback__) if f.filename != __file__]
        ),
    }
    if request_id:
        shape["requestId"] = request_id
    return shape


def _log_error(shape: dict[str, Any]) -> None:
    print(f"[ERROR] {shape['errorType']}: {shape['errorMessage']}", file=sys.stderr)
    print("Traceback (most recent call last):\n" + "".join(shape["stackTrace"]), file=sys.stderr, flush=True)


def _json_default(value: Any) -> Any:
    # What the runtime's serializer accepts beyond plain JSON: Decimals (DynamoDB numbers).
    if isinstance(value, decimal.Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")


def _enter_environment(spec: WorkerSpec) -> None:
    """Become the function's execution environment: its log, variables, code and working directory."""
    log = os.open(spec.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o644)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(log)
    sys.stdout = open(1, "w", buffering=1, closefd=False)  # noqa: SIM115 - the process's stdout for its lifetime
    sys.stderr = open(2, "w", buffering=1, closefd=False)  # noqa: SIM115
    sys.dont_write_bytecode = True  # the function's folders are the user's source tree
    os.environ.clear()
    os.environ.update(spec.environment)
    time.tzset()
    # The task root first, then the runtime's libraries; never the project the runtime runs in.
    project = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    sys.path[:] = [spec.task_root] + [p for p in sys.path if p and os.path.abspath(p) != project]
    os.chdir(spec.task_root)


def _load_handler(handler: str) -> Any:
    module_name, _, attribute = handler.rpartition(".")
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise RuntimeImportModuleError(f"Unable to import module '{module_name}': {exc}") from exc
    except SyntaxError as exc:  # the Python runtime's shape: the file, line and text at fault
        raise RuntimeUserCodeSyntaxError(f"Syntax error in module '{module_name}': {exc}") from exc
    try:
        return getattr(module, attribute)
    except AttributeError:
        raise RuntimeHandlerNotFoundError(f"Handler '{attribute}' missing on module '{module_name}'") from None


class RuntimeImportModuleError(Exception):
    """Reported as ``Runtime.ImportModuleError``, as the Python runtime does."""


class RuntimeHandlerNotFoundError(Exception):
    """Reported as ``Runtime.HandlerNotFound``."""


class RuntimeUserCodeSyntaxError(Exception):
    """Reported as ``Runtime.UserCodeSyntaxError``."""


_RUNTIME_ERRORS = {
    RuntimeImportModuleError: "Runtime.ImportModuleError",
    RuntimeHandlerNotFoundError: "Runtime.HandlerNotFound",
    RuntimeUserCodeSyntaxError: "Runtime.UserCodeSyntaxError",
}


def serve(sock: socket.socket, spec: WorkerSpec) -> None:
    """INIT (import the handler), then answer invocations until the runtime closes the socket."""
    _enter_environment(spec)
    log_stream = f"{datetime.now(UTC):%Y/%m/%d}/[{spec.function_version}]{uuid.uuid4().hex}"
    started = time.perf_counter()
    try:
        handler = _load_handler(spec.handler)
    except Exception as exc:
        shape = error_shape(exc)
        shape["errorType"] = _RUNTIME_ERRORS.get(type(exc), shape["errorType"])
        if isinstance(exc.__cause__, SyntaxError):
            cause = exc.__cause__
            shape["stackTrace"] = [f'  File "{cause.filename}" Line {cause.lineno}\n    {(cause.text or "").strip()}']
        _log_error(shape)
        protocol.send(sock, {"init_error": shape})
        return
    init_ms = (time.perf_counter() - started) * 1000
    protocol.send(sock, {"ready": {"init_ms": init_ms, "log_stream": log_stream}})
    first = True
    while True:
        try:
            request = protocol.recv(sock)
        except protocol.ChannelClosedError:
            return
        protocol.send(sock, _invoke(handler, spec, request, log_stream, init_ms if first else None))
        first = False


def _invoke(
    handler: Any, spec: WorkerSpec, request: dict[str, Any], log_stream: str, init_ms: float | None
) -> dict[str, Any]:
    request_id = request["request_id"]
    print(f"START RequestId: {request_id} Version: {spec.function_version}", flush=True)
    context = LambdaContext(spec, request_id, request["deadline_ms"], log_stream, request.get("invoked_arn"))
    os.environ["_X_AMZN_TRACE_ID"] = request.get("trace_id", "")
    started = time.perf_counter()
    try:
        faults.inject(request.get("fault"))  # fault injection: latency, then a crash (exits) or an error
        result = handler(json.loads(request["event"]), context)
        response: dict[str, Any] = {"payload": json.dumps(result, default=_json_default)}
    except faults.FaultInjectedError as exc:
        print(f"[ERROR] {faults.ERROR_TYPE}: {exc}", file=sys.stderr, flush=True)
        response = {"error": exc.shape(request_id)}
    except Exception as exc:
        shape = error_shape(exc, request_id)
        _log_error(shape)
        response = {"error": shape}
    duration = (time.perf_counter() - started) * 1000
    sys.stdout.flush()
    sys.stderr.flush()
    memory = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
    report = (
        f"REPORT RequestId: {request_id}\tDuration: {duration:.2f} ms\tBilled Duration: {max(1, round(duration))} ms\t"
        f"Memory Size: {spec.memory_mb} MB\tMax Memory Used: {memory} MB"
    )
    if init_ms is not None:
        report += f"\tInit Duration: {init_ms:.2f} ms"
    print(f"END RequestId: {request_id}\n{report}", flush=True)
    return {**response, "duration_ms": duration}
