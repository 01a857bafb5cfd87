"""Every private internal of the pulumi SDK that pulumi_wasp relies on, and nothing else.

The synthesis engine stands in for the Pulumi engine inside the program's own process, so it reaches
parts of the SDK that are not public API: how the language host runs a program, where the runtime keeps
its settings, and the in-process callback server through which transforms are sent. Each name here is
pinned by ``tests/unit/adapters/test_pulumi.py``: a pulumi upgrade that changes one fails there.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine, Mapping, Sequence
from types import ModuleType
from typing import Any, cast

from google.protobuf.message import Message
from pulumi._utils import _LazyModule
from pulumi.dynamic.dynamic import PROVIDER_KEY
from pulumi.runtime import config as _config
from pulumi.runtime import settings as _settings
from pulumi.runtime._callbacks import _CallbackServicer
from pulumi.runtime.mocks import MockMonitor
from pulumi.runtime.proto import callback_pb2
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _ensure_event_loop, _sync_await

__all__ = [
    "DYNAMIC_PROVIDER_KEY",
    "MockMonitor",
    "callback_name",
    "current_project",
    "current_stack",
    "dynamic_resource_type",
    "invoke_callback",
    "is_lazy_module",
    "load_lazy_module",
    "reset_root_resource",
    "run_program_in_stack",
    "set_all_config",
]


#: The input in which a dynamic resource carries its serialized provider (dill, base64): not a property of the
#: resource, so graph snapshots show a placeholder instead of the bytes (they change with dill's version).
DYNAMIC_PROVIDER_KEY: str = PROVIDER_KEY


def dynamic_resource_type(module: str, name: str) -> str:
    """The type token a ``pulumi.dynamic.Resource`` subclass declared with ``module=`` and ``name=`` registers."""
    return f"pulumi-python:dynamic/{module}:{name}"


def is_lazy_module(value: object) -> bool:
    """Whether ``value`` is one of the SDK's lazily loaded modules (pulumi_aws's service packages).

    ``type()`` on purpose: any attribute access, ``__class__`` included, loads a lazy module.
    """
    return type(value) is _LazyModule


def load_lazy_module(module: ModuleType) -> None:
    """Execute a lazy module now (its first attribute access does)."""
    getattr(module, "__all__", None)


def run_program_in_stack(program: Callable[[], None]) -> None:
    """Run ``program`` as the language host does: inside a fresh root stack, waiting for every RPC.

    A language host runs one program per process; here programs run one after another on the thread's
    event loop, so a failed program's unfinished work is discarded rather than left to fail the next:
    its pending outputs (the SDK keeps them across ``set_mocks``) and the tasks it left on the loop.
    """
    loop = _ensure_event_loop()
    before = asyncio.all_tasks(loop)
    _settings.SETTINGS.outputs.clear()
    try:
        _sync_await(run_in_stack(program))
    except BaseException as exc:
        leftovers = asyncio.all_tasks(loop) - before
        for task in leftovers:
            task.cancel()
        if leftovers and not loop.is_running():
            loop.run_until_complete(asyncio.gather(*leftovers, return_exceptions=True))
        _settings.SETTINGS.outputs.clear()
        _already_reported(loop, exc)
        raise


class _DropReported:
    """The loop's exception handler, less the failures already raised to the caller.

    The SDK also sets a failure on the futures of the failed resource's outputs, which nobody reads:
    asyncio would print every copy as "exception was never retrieved" when they are collected.
    """

    def __init__(self, previous: Callable[[asyncio.AbstractEventLoop, dict[str, Any]], object] | None) -> None:
        self.previous = previous
        self.reported: list[BaseException] = []

    def __call__(self, loop: asyncio.AbstractEventLoop, context: dict[str, Any]) -> None:
        if any(context.get("exception") is reported for reported in self.reported):
            return
        if self.previous is not None:
            self.previous(loop, context)
        else:
            loop.default_exception_handler(context)


def _already_reported(loop: asyncio.AbstractEventLoop, exc: BaseException) -> None:
    handler = loop.get_exception_handler()
    if not isinstance(handler, _DropReported):
        handler = _DropReported(handler)
        loop.set_exception_handler(handler)
    handler.reported.append(exc)


def reset_root_resource() -> None:
    """Forget the root stack: ``set_mocks`` installs a finished one; a program needs a live one to export."""
    _settings.ROOT.set(None)


def current_stack() -> str:
    return _settings.get_stack()


def current_project() -> str:
    return _settings.get_project()


def set_all_config(values: Mapping[str, str], secret_keys: Sequence[str]) -> None:
    """The whole configuration the program reads, as the language host passes it."""
    _config.set_all_config(dict(values), list(secret_keys))


def _servicer(callback: callback_pb2.Callback) -> _CallbackServicer:
    for servicer in _CallbackServicer._servicers:
        if servicer._target == callback.target:
            return servicer
    raise LookupError(f"no callback server at {callback.target!r}: the program that sent the callback has ended")


def _function(callback: callback_pb2.Callback) -> Callable[[bytes], Coroutine[Any, Any, Message]]:
    function = _servicer(callback)._callbacks.get(callback.token)
    if function is None:
        raise LookupError(f"callback {callback.token} is not registered at {callback.target}")
    # The SDK types them as returning an Awaitable; every one it registers is an `async def`.
    return cast(Callable[[bytes], Coroutine[Any, Any, Message]], function)


def callback_name(callback: callback_pb2.Callback) -> str:
    """The qualified name of the transform a callback stands for, for error messages."""
    for function, token in _servicer(callback)._transforms.items():
        if token == callback.token:
            return getattr(function, "__qualname__", repr(function))
    return f"callback {callback.token}"


def invoke_callback(callback: callback_pb2.Callback, request: bytes) -> bytes:
    """Call a callback as the engine's Callbacks client would, in-process: its request and response are
    the serialized messages of the Callbacks service. The exception a transform raises propagates as is.

    The callback is a coroutine of the program's event loop. The monitor is called from the SDK's
    executor threads while that loop waits on them, so the callback is scheduled onto it; called on the
    loop's own thread, the loop is pumped the way the SDK pumps it.
    """
    servicer = _servicer(callback)
    coroutine = _function(callback)(request)
    try:
        running = asyncio.get_running_loop()
    except RuntimeError:
        running = None
    if running is servicer._loop:
        response: Any = _sync_await(coroutine)
    else:
        response = asyncio.run_coroutine_threadsafe(coroutine, servicer._loop).result()
    return bytes(response.SerializeToString())
