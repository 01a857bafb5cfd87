"""Fault injection: per function, a seeded schedule of errors, added latency, crashed execution
environments and throttles, so the retry, DLQ and on-failure wiring is exercised the way a
failing AWS deployment would exercise it.

What each fault looks like to a caller (as AWS answers it):

- **throttle**: the invocation is refused before it runs, exactly as a function at its
  concurrency limit is: 429 ``TooManyRequestsException`` to a synchronous caller; event sources
  retry it as they retry a throttle (SQS: the message returns after its visibility timeout and
  the receive counts; streams: retried until the record expires, not counted as a retry attempt;
  asynchronous invocations: backed off for up to the maximum event age).
- **latency**: the execution environment waits before the handler runs. It is real time, inside
  the invocation: it shows in the REPORT line's duration, in ``get_remaining_time_in_millis()``,
  and an invocation whose latency passes the function's timeout times out (``Sandbox.Timedout``).
- **crash**: after its latency, the execution environment's process exits (``os._exit``): the
  invocation fails with ``Runtime.ExitError`` and the environment is replaced by a cold start,
  through the runtime's own crash handling.
- **error**: after its latency, the invocation fails without running the handler (as AWS FIS's
  ``aws:lambda:invocation-error`` with ``preventExecution``), as an unhandled exception does:
  function error ``Unhandled`` and the payload ``{"errorType": "FaultInjected", "errorMessage":
  "...", "stackTrace": [], "requestId": ...}``.

Seeded: each function draws from its own generator, seeded from ``(seed, function name)``, four
numbers per invocation whatever the rates, so the n-th invocation of a function meets the same
fault on every run with the same seed and rates. Concurrency can reorder invocations *across*
functions (and concurrent invocations of one function may enter in another order), but each
function's sequence of decisions is fixed. Precedence: a throttled invocation does not run; of
the rest, a crash wins over an error; latency applies to every invocation that runs.

The runtime side (:class:`Faults`, :class:`FaultPlan`) decides in the runtime's process; the
worker side (:func:`inject`) carries a decision out inside the execution environment.
"""

from __future__ import annotations

import os
import random
import re
import sys
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any, Protocol

#: The seed of a function's schedule when none is given (``serve --fault-seed``): fixed, so the
#: same command repeats the same faults.
DEFAULT_SEED = 0
#: Lambda's longest function timeout: a latency beyond it could never be observed.
MAX_LATENCY_SECONDS = 900.0
#: The errorType of an injected error.
ERROR_TYPE = "FaultInjected"
#: The exit status of a crashed execution environment.
CRASH_EXIT_STATUS = 137
RATES = ("error-rate", "crash-rate", "throttle-rate")
KEYS = (*RATES, "latency", "seed")
_DURATION = re.compile(r"^(?P<number>\d+(?:\.\d+)?)(?P<unit>ms|s)?$")


class FaultSpecError(ValueError):
    """A fault specification that cannot be honoured (the message names the setting)."""


@dataclass(frozen=True)
class FaultSpec:
    """What to inject into one function. Rates are probabilities per invocation (0 to 1)."""

    error_rate: float = 0.0
    crash_rate: float = 0.0
    throttle_rate: float = 0.0
    #: Added latency in seconds: a fixed value (low == high) or a uniform range.
    latency: tuple[float, float] = (0.0, 0.0)
    #: None: the cloud's default seed (``serve --fault-seed``, else DEFAULT_SEED).
    seed: int | None = None

    def __post_init__(self) -> None:
        for key in RATES:
            value = getattr(self, key.replace("-", "_"))
            if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
                raise FaultSpecError(f"{key} must be a number from 0 to 1, got {value!r}")
        low, high = self.latency
        if not 0 <= low <= high <= MAX_LATENCY_SECONDS:
            raise FaultSpecError(
                f"latency must be from 0 to {MAX_LATENCY_SECONDS:g} s with its low end first, got {self.latency!r}"
            )
        if self.seed is not None and (isinstance(self.seed, bool) or not isinstance(self.seed, int)):
            raise FaultSpecError(f"seed must be an integer, got {self.seed!r}")

    @property
    def empty(self) -> bool:
        return not (self.error_rate or self.crash_rate or self.throttle_rate or self.latency[1])

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "latency": list(self.latency)}

    @classmethod
    def from_json(cls, data: Any) -> FaultSpec:
        """A spec as :meth:`to_json` writes it (the control endpoint's request body)."""
        if not isinstance(data, dict):
            raise FaultSpecError(f"a fault spec is a JSON object, got {data!r}")
        unknown = sorted(set(data) - {"error_rate", "crash_rate", "throttle_rate", "latency", "seed"})
        if unknown:
            raise FaultSpecError(f"unknown fault setting {', '.join(unknown)}")
        latency = data.get("latency", (0.0, 0.0))
        if not isinstance(latency, list | tuple) or len(latency) != 2:
            raise FaultSpecError(f"latency must be [low, high] in seconds, got {latency!r}")
        return cls(**{**data, "latency": (float(latency[0]), float(latency[1]))})

    def describe(self) -> str:
        """``error-rate 0.2, latency 200ms`` (the settings that are not zero)."""
        parts = [
            f"{key} {getattr(self, key.replace('-', '_')):g}" for key in RATES if getattr(self, key.replace("-", "_"))
        ]
        if self.latency[1]:
            low, high = (format_duration(s) for s in self.latency)
            parts.append(f"latency {low}" if low == high else f"latency {low}-{high}")
        return ", ".join(parts) or "no fault"


def format_duration(seconds: float) -> str:
    return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"


def parse_rate(key: str, text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise FaultSpecError(f"{key} must be a number from 0 to 1, got {text!r}") from None
    if not 0 <= value <= 1:
        raise FaultSpecError(f"{key} must be a number from 0 to 1, got {text!r}")
    return value


def parse_latency(text: str) -> tuple[float, float]:
    """``200ms``, ``1.5s``, or a range ``100ms-2s`` (``100-300ms``: the unit of the high end)."""
    bounds = text.strip().split("-")
    matches = [_DURATION.match(bound.strip()) for bound in bounds]
    if len(bounds) > 2 or not all(matches):
        raise FaultSpecError(f"latency must be a duration such as 200ms, 1.5s or 100ms-300ms, got {text!r}")
    found = [m for m in matches if m is not None]
    if found[-1]["unit"] is None:
        raise FaultSpecError(f"latency needs a unit (ms or s), got {text!r}")
    unit = found[-1]["unit"]
    seconds = [float(m["number"]) / (1000 if (m["unit"] or unit) == "ms" else 1) for m in found]
    low, high = seconds[0], seconds[-1]
    if low > high:
        raise FaultSpecError(f"latency range must have its low end first, got {text!r}")
    if high > MAX_LATENCY_SECONDS:
        raise FaultSpecError(
            f"latency must be at most {MAX_LATENCY_SECONDS:g}s (Lambda's longest timeout), got {text!r}"
        )
    return low, high


def parse_seed(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise FaultSpecError(f"seed must be an integer, got {text!r}") from None


def parse_option(text: str) -> tuple[str, FaultSpec]:
    """``FUNCTION:error-rate=0.2,latency=200ms,crash-rate=0.05,throttle-rate=0.1,seed=7`` (the
    ``--fault`` option of serve and run): the function as given, and its spec."""
    function, separator, settings = text.partition(":")
    if not separator or not function.strip() or not settings.strip():
        raise FaultSpecError(f"--fault takes FUNCTION:SETTING=VALUE,... (settings: {', '.join(KEYS)}), got {text!r}")
    values: dict[str, Any] = {}
    for item in settings.split(","):
        key, equals, value = (part.strip() for part in item.partition("="))
        if key not in KEYS:
            raise FaultSpecError(f"--fault {text!r}: unknown setting {key!r} (known: {', '.join(KEYS)})")
        if not equals or not value:
            raise FaultSpecError(f"--fault {text!r}: {key} needs a value ({key}=...)")
        if key in values:
            raise FaultSpecError(f"--fault {text!r}: {key} is given twice")
        values[key] = value
    try:
        spec = FaultSpec(
            error_rate=parse_rate("error-rate", values.get("error-rate", "0")),
            crash_rate=parse_rate("crash-rate", values.get("crash-rate", "0")),
            throttle_rate=parse_rate("throttle-rate", values.get("throttle-rate", "0")),
            latency=parse_latency(values["latency"]) if "latency" in values else (0.0, 0.0),
            seed=parse_seed(values["seed"]) if "seed" in values else None,
        )
    except FaultSpecError as exc:
        raise FaultSpecError(f"--fault {text!r}: {exc}") from None
    if spec.empty:
        raise FaultSpecError(f"--fault {text!r} injects nothing: give a rate above 0 or a latency")
    return function.strip(), spec


# -- the runtime side ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Decision:
    """What one invocation meets. ``number`` counts the plan's invocations from 1."""

    throttle: bool = False
    crash: bool = False
    error: bool = False
    latency_seconds: float = 0.0
    number: int = 0
    #: For the log and the error message: which spec and seed decided this.
    reason: str = ""

    def directive(self) -> dict[str, Any] | None:
        """What the execution environment must do before the handler (None: nothing)."""
        if not (self.crash or self.error or self.latency_seconds):
            return None
        return {
            "latency_seconds": self.latency_seconds,
            "crash": self.crash,
            "error": self.error,
            "reason": self.reason,
        }


NO_FAULT = Decision()


class FaultPlan:
    """One function's schedule: the same seed, function name and rates give the same decisions."""

    def __init__(self, function_name: str, spec: FaultSpec, seed: int) -> None:
        self.function_name, self.spec, self.seed = function_name, spec, seed
        # A string seed is hashed with SHA-512 (random's version 2): stable across processes and
        # Python versions, unlike hash().
        self._random = random.Random(f"{seed}/{function_name}")  # noqa: S311 - a test schedule, not a secret
        self._lock = threading.Lock()
        self.invocations = 0
        self.injected: Counter[str] = Counter()

    def decide(self) -> Decision:
        with self._lock:
            # Always four draws, in this order: a rate of one fault never shifts another's schedule.
            throttle, crash, error, latency = (self._random.random() for _ in range(4))
            self.invocations += 1
            spec, number = self.spec, self.invocations
            decision = Decision(
                throttle=throttle < spec.throttle_rate,
                crash=crash < spec.crash_rate,
                error=error < spec.error_rate,
                latency_seconds=spec.latency[0] + (spec.latency[1] - spec.latency[0]) * latency,
                number=number,
                reason=f"{spec.describe()}; seed {self.seed}, invocation {number} of {self.function_name}",
            )
            if decision.throttle:
                decision = Decision(throttle=True, number=number, reason=decision.reason)
            elif decision.crash:
                decision = Decision(
                    crash=True, latency_seconds=decision.latency_seconds, number=number, reason=decision.reason
                )
            for kind in ("throttle", "crash", "error"):
                self.injected[kind] += getattr(decision, kind)
            self.injected["latency"] += decision.latency_seconds > 0
            return decision

    def describe(self) -> dict[str, Any]:
        with self._lock:
            return {
                **self.spec.to_json(),
                "seed": self.seed,
                "summary": self.spec.describe(),
                "invocations": self.invocations,
                "injected": {
                    "throttles": self.injected["throttle"],
                    "crashes": self.injected["crash"],
                    "errors": self.injected["error"],
                    "delayed": self.injected["latency"],
                },
            }


class Injectable(Protocol):
    """A function the runtime can inject faults into (:class:`~.functions.Function`)."""

    faults: FaultPlan | None


class Faults:
    """The faults of a runtime's functions, by function name (set, cleared and listed through
    the control endpoint, or by ``serve --fault``)."""

    def __init__(self, functions: Mapping[str, Injectable], default_seed: int = DEFAULT_SEED) -> None:
        self._functions = functions
        self.default_seed = default_seed
        self._lock = threading.Lock()

    def _function(self, name: str) -> Injectable:
        try:
            return self._functions[name]
        except KeyError:
            raise KeyError(f"no function {name!r}; known: {', '.join(sorted(self._functions))}") from None

    def set(self, name: str, spec: FaultSpec) -> dict[str, Any]:
        """Start a new schedule for ``name`` (its decisions count from the first again)."""
        function = self._function(name)
        if spec.empty:
            raise FaultSpecError(f"the fault for {name} injects nothing: give a rate above 0 or a latency")
        plan = FaultPlan(name, spec, self.default_seed if spec.seed is None else spec.seed)
        with self._lock:
            function.faults = plan
        return plan.describe()

    def clear(self, name: str | None = None) -> list[str]:
        """Clear one function's faults, or every function's; the names cleared."""
        names = [name] if name is not None else sorted(self._functions)
        cleared = []
        with self._lock:
            for each in names:
                function = self._function(each)
                if function.faults is not None:
                    function.faults = None
                    cleared.append(each)
        return cleared

    def listing(self) -> dict[str, Any]:
        with self._lock:
            plans = {name: f.faults for name, f in self._functions.items() if f.faults is not None}
        return {"default_seed": self.default_seed, "functions": {n: p.describe() for n, p in sorted(plans.items())}}


# -- the execution environment's side -------------------------------------------------------------
class FaultInjectedError(Exception):
    """An injected error, answered in Lambda's error shape with errorType ``FaultInjected``."""

    def shape(self, request_id: str) -> dict[str, Any]:
        return {"errorMessage": str(self), "errorType": ERROR_TYPE, "stackTrace": [], "requestId": request_id}


def inject(directive: dict[str, Any] | None) -> None:
    """Before the handler, in the execution environment: wait the latency, then crash (the
    process exits: the runtime sees the environment die) or raise :class:`FaultInjectedError`."""
    if directive is None:
        return
    if directive["latency_seconds"]:
        time.sleep(directive["latency_seconds"])
    if directive["crash"]:
        print(f"[FAULT] crash injected ({directive['reason']}): environment {os.getpid()} exits", flush=True)
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(CRASH_EXIT_STATUS)
    if directive["error"]:
        raise FaultInjectedError(f"Fault injected by the local cloud: error ({directive['reason']})")
