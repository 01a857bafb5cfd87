"""Every private internal of pulumi_policy the project relies on, in one place (pulumi_policy is pinned;
tests/unit/adapters/test_pulumi_policy.py pins each behaviour, so an upgrade that moves them fails there).

- ``PolicyPack(...)`` builds the private ``policy._PolicyAnalyzerServicer`` and serves it over gRPC forever.
  :func:`capture_analyzer` runs the construction with the module's ``grpc`` and ``analyzer_pb2_grpc`` swapped,
  so that registering the servicer hands it back instead; :func:`new_analyzer` builds one directly.
- The servicer is driven in-process with the CLI's requests and no gRPC context (its methods ignore it).
  While it analyzes, pulumi_policy reconfigures Pulumi's runtime from ``PULUMI_PROJECT``, ``PULUMI_STACK`` and
  ``PULUMI_DRY_RUN`` when all are set, which would drop a synthesis's mocks: :func:`runtime_variables_hidden`.
- The rules see properties through the private unknown-checking proxies :data:`DictProxy` and
  :data:`ListProxy`, whose plain value is at ``proxy[TARGET]``; reading an unknown raises
  :class:`UnknownValueError`.
- A remediation sees the inputs through a second private proxy that unwraps secrets on reads
  (``secret._DictSecretsProxy``); :func:`replaced_inputs` builds the new inputs from its target, so the keys a
  fix leaves alone keep their :class:`~pulumi_policy.Secret` markers and a replaced secret stays a secret.
  The servicer takes a remediation's plain (not awaitable) result as the new inputs, though its type says
  awaitable: :data:`remediation` types one such function for it.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from types import SimpleNamespace
from typing import Any, Protocol

from pulumi_policy import EnforcementLevel, Policy, ResourceRemediation, ResourceValidationArgs, Secret
from pulumi_policy import policy as _policy
from pulumi_policy.proxy import UnknownValueError, _DictProxy, _ListProxy
from pulumi_policy.secret import _DictSecretsProxy

__all__ = [
    "TARGET",
    "AnalyzerServicer",
    "DictProxy",
    "ListProxy",
    "UnknownValueError",
    "capture_analyzer",
    "new_analyzer",
    "remediation",
    "replaced_inputs",
    "runtime_variables_hidden",
]

DictProxy = _DictProxy
ListProxy = _ListProxy
#: The key under which a proxy returns the plain value it wraps.
TARGET = "__target"
#: What pulumi_policy reconfigures Pulumi's runtime from when PROJECT, STACK and DRY_RUN are all set.
RUNTIME_VARIABLES = ("PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN", "PULUMI_CONFIG")


class AnalyzerServicer(Protocol):
    """The analyzer's gRPC methods, called in-process (``context`` is None)."""

    def GetAnalyzerInfo(self, request: Any, context: Any) -> Any: ...  # noqa: N802 - gRPC's names

    def Configure(self, request: Any, context: Any) -> Any: ...  # noqa: N802

    def ConfigureStack(self, request: Any, context: Any) -> Any: ...  # noqa: N802

    def Analyze(self, request: Any, context: Any) -> Any: ...  # noqa: N802

    def AnalyzeStack(self, request: Any, context: Any) -> Any: ...  # noqa: N802

    def Remediate(self, request: Any, context: Any) -> Any: ...  # noqa: N802


class _Registered(Exception):  # noqa: N818 - a control-flow signal, not an error
    def __init__(self, servicer: AnalyzerServicer) -> None:
        super().__init__()
        self.servicer = servicer


def _register(servicer: AnalyzerServicer, _server: Any) -> None:
    raise _Registered(servicer)


def capture_analyzer(build: Callable[[], object]) -> AnalyzerServicer | None:
    """Run ``build`` (which constructs a ``PolicyPack``, as a pack's ``__main__.py`` does) and return the
    servicer the pack would have served, or None when ``build`` returned without constructing one. No gRPC
    server is created; what ``build`` raises propagates."""
    saved = _policy.grpc, _policy.analyzer_pb2_grpc
    _policy.grpc = SimpleNamespace(server=lambda *args, **kwargs: None)  # type: ignore[assignment]
    _policy.analyzer_pb2_grpc = SimpleNamespace(add_AnalyzerServicer_to_server=_register)  # type: ignore[assignment]
    try:
        build()
    except _Registered as registered:
        return registered.servicer
    finally:
        _policy.grpc, _policy.analyzer_pb2_grpc = saved
    return None


def new_analyzer(name: str, version: str, policies: Sequence[Policy], level: EnforcementLevel) -> AnalyzerServicer:
    """The servicer a ``PolicyPack(name, policies, level)`` of ``version`` would serve, without serving it."""
    servicer: AnalyzerServicer = _policy._PolicyAnalyzerServicer(name, version, list(policies), level)
    return servicer


@contextlib.contextmanager
def runtime_variables_hidden() -> Iterator[None]:
    """Hide Pulumi's runtime variables from the analyzer while it runs; restored afterwards."""
    saved = {name: os.environ.pop(name) for name in RUNTIME_VARIABLES if name in os.environ}
    try:
        yield
    finally:
        os.environ.update(saved)


def replaced_inputs(props: Any, changes: Mapping[str, Any]) -> dict[str, Any]:
    """A remediation's result: the inputs ``props`` (as a remediation receives them) with ``changes`` applied."""
    target = props[TARGET] if type(props) is _DictProxy else props
    if type(target) is _DictSecretsProxy:
        target = target[TARGET]
    inputs = dict(target)
    for key, value in changes.items():
        inputs[key] = Secret(value) if isinstance(inputs.get(key), Secret) else value
    return inputs


def remediation(fix: Callable[[ResourceValidationArgs], Mapping[str, Any] | None]) -> ResourceRemediation:
    """``fix`` as ``ResourceValidationPolicy(remediate=...)`` takes it (a plain result is the new inputs)."""
    return fix  # type: ignore[return-value]
