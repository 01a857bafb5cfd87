"""Fault injection and the delivery report against a running local cloud, through its control
endpoint: what the ``fault`` and ``report`` verbs do, and what an MCP server calls.

    from pulumi_wasp.localcloud.faults import FaultSpec, set_fault, clear_faults, list_faults, delivery_report

    set_fault(cloud, "probe-function", FaultSpec(error_rate=0.2, latency=(0.2, 0.2), seed=7))
    delivery_report(cloud)["sources"]   # per queue and stream: delivered, processed, retried, parked, in flight
    clear_faults(cloud)                 # every function's

``cloud`` is a :class:`~pulumi_wasp.localcloud.client.Cloud` (built from endpoints.json).
Functions may be named as in endpoints.json (logical names), by their deployed name, or by any
unique part of either. Every failure is a :class:`~pulumi_wasp.localcloud.verbs.VerbError` whose
message names the problem (an unknown function lists the known ones). The semantics of each
fault and of the seed are in :mod:`pulumi_wasp.localcloud.runtime.faults`.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud.runtime.faults import (
    DEFAULT_SEED,
    FaultSpec,
    FaultSpecError,
    parse_latency,
    parse_option,
    parse_rate,
    parse_seed,
)
from pulumi_wasp.localcloud.verbs import VerbError, resolve

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.client import Cloud
    from pulumi_wasp.localcloud.runtime.engine import Runtime

__all__ = [
    "FaultSpec",
    "FaultSpecError",
    "add_fault_options",
    "clear_faults",
    "delivery_report",
    "format_report",
    "install",
    "list_faults",
    "report_lines",
    "set_fault",
]


def _control(cloud: Cloud, method: str, path: str, body: Any = None) -> Any:
    from pulumi_wasp.localcloud.client import http  # boto3: only once a verb runs (the CLI's help needs none)

    data = json.dumps(body).encode() if body is not None else None
    answer = http(method, cloud.endpoints["control_url"] + path, data, {"Content-Type": "application/json"})
    if answer.status >= 400:
        message = answer.json().get("message", answer.text) if answer.text.startswith("{") else answer.text
        raise VerbError(message)
    return answer.json()


def _function(cloud: Cloud, name: str) -> str:
    return resolve("function", cloud.endpoints["functions"], name)


def set_fault(cloud: Cloud, function: str, spec: FaultSpec) -> dict[str, Any]:
    """Inject ``spec`` into ``function`` from its next invocation on (a new schedule: the seed's
    decisions count from the first again). Returns the plan as :func:`list_faults` shows it."""
    name = _function(cloud, function)
    return {"function": name, **_control(cloud, "PUT", f"/faults/{name}", spec.to_json())}


def clear_faults(cloud: Cloud, function: str | None = None) -> list[str]:
    """Stop injecting into ``function`` (None: into every function); the names cleared."""
    path = "/faults" if function is None else f"/faults/{_function(cloud, function)}"
    return list(_control(cloud, "DELETE", path)["cleared"])


def list_faults(cloud: Cloud) -> dict[str, Any]:
    """``{"default_seed": N, "functions": {name: {rates, latency, seed, summary, invocations,
    injected: {errors, crashes, throttles, delayed}}}}``."""
    return dict(_control(cloud, "GET", "/faults"))


def delivery_report(cloud: Cloud) -> dict[str, Any]:
    """The delivery report (:mod:`pulumi_wasp.localcloud.delivery`): ``{"sources": [{kind, name,
    delivered, processed, retried, parked, parked_in, dropped, in_flight, unaccounted, waiting}],
    "faults": list_faults()}``."""
    return dict(_control(cloud, "GET", "/report"))


def report_lines(cloud: Cloud) -> list[str]:
    return format_report(delivery_report(cloud))


#: What a source of each kind delivers, singular and plural.
ITEMS = {"queue": ("message", "messages"), "stream": ("record", "records"), "async": ("event", "events")}
ITEMS["events"] = ITEMS["async"]


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """``1 message``, ``2 messages``, ``1 retry``, ``3 retries``."""
    if count == 1:
        return f"{count} {singular}"
    return f"{count} {plural_form or (singular[:-1] + 'ies' if singular.endswith('y') else singular + 's')}"


def format_report(data: dict[str, Any]) -> list[str]:
    """The report as a person reads it, one line per source, faults first."""
    out = []
    faults = data["faults"]["functions"]
    if faults:
        out.append(f"Faults injected ({plural(len(faults), 'function')}):")
        for name, plan in faults.items():
            injected = plan["injected"]
            out.append(
                f"  {name}: {plan['summary']}, seed {plan['seed']} · {plural(plan['invocations'], 'invocation')}: "
                f"{plural(injected['errors'], 'error')}, {plural(injected['crashes'], 'crash', 'crashes')}, "
                f"{plural(injected['throttles'], 'throttle')}, {injected['delayed']} delayed"
            )
    out.append("Deliveries (per queue, stream and event source):")
    if not data["sources"]:
        out.append("  none: the program has no event sources")
    for entry in data["sources"]:
        singular, many = ITEMS.get(entry["kind"], ("item", "items"))
        parts = [f"{entry['processed']} processed"]
        where = f" in {entry['parked_in']}" if entry["parked_in"] else " in a DLQ or on-failure destination"
        parts.append(f"{entry['parked']} parked{where}")
        if entry["dropped"]:
            parts.append(f"{entry['dropped']} dropped (no failure destination)")
        parts.append(f"{entry['in_flight']} in flight")
        if entry["unaccounted"]:
            parts.append(f"{entry['unaccounted']} unaccounted for (neither in the queue nor in its DLQ)")
        line = (
            f"  {entry['kind']} {entry['name']}: {plural(entry['delivered'], singular, many)} delivered; "
            f"{', '.join(parts)}; {plural(entry['retried'], 'retry', 'retries')}"
        )
        if entry["waiting"]:
            line += f"; {plural(entry['waiting'], singular, many)} waiting in the queue"
        out.append(line)
    return out


# -- serve and run: --fault, --fault-seed -----------------------------------------------------------
def _argument(parse: Any) -> Any:
    """An argparse type: a FaultSpecError becomes argparse's own error (exit 2, naming the option)."""

    def convert(text: str) -> Any:
        try:
            return parse(text)
        except FaultSpecError as exc:
            raise argparse.ArgumentTypeError(str(exc)) from None

    return convert


def add_fault_options(parser: argparse.ArgumentParser) -> None:
    """``--fault FUNCTION:SETTING=VALUE,...`` (repeatable) and ``--fault-seed N`` on serve and run."""
    parser.add_argument(
        "--fault",
        action="append",
        default=[],
        type=_argument(parse_option),
        metavar="FUNCTION:SETTING=VALUE,...",
        help="inject faults into a function from the start (repeatable); settings: error-rate, crash-rate, "
        "throttle-rate (0 to 1), latency (200ms, 1.5s, 100ms-2s), seed; e.g. probe:error-rate=0.2,latency=200ms",
    )
    parser.add_argument(
        "--fault-seed",
        type=_argument(parse_seed),
        default=DEFAULT_SEED,
        help=f"seed of every fault that names none (default {DEFAULT_SEED}: the same run repeats the same faults)",
    )


def install(runtime: Runtime, faults: Sequence[tuple[str, FaultSpec]], seed: int) -> None:
    """Apply serve's or run's ``--fault`` options to a started runtime (functions resolved as the
    verbs resolve them); an unknown function is a :class:`FaultSpecError` naming it."""
    runtime.faults.default_seed = seed
    known = {function.spec.logical_name: name for name, function in runtime.functions.items()}
    for wanted, spec in faults:
        try:
            name = resolve("function", known, wanted)
        except VerbError as exc:
            raise FaultSpecError(f"--fault {wanted}: {exc}") from None
        runtime.faults.set(name, spec)


# -- the verbs -------------------------------------------------------------------------------------
def add_verb_options(parser: argparse.ArgumentParser) -> None:
    """The ``fault`` verb's arguments (rates and latency validated before anything is sent)."""
    parser.add_argument("function", nargs="?", help="the function (logical name, deployed name or a unique part)")
    for key in ("error-rate", "crash-rate", "throttle-rate"):
        parser.add_argument(
            f"--{key}",
            type=_argument(lambda text, key=key: parse_rate(key, text)),
            default=0.0,
            metavar="RATE",
            help="probability per invocation, 0 to 1 (default 0)",
        )
    parser.add_argument(
        "--latency", type=_argument(parse_latency), metavar="DURATION", help="added latency: 200ms, 1.5s or 100ms-2s"
    )
    parser.add_argument(
        "--seed", type=_argument(parse_seed), help="the schedule's seed (default: serve's --fault-seed)"
    )
    parser.add_argument("--clear", action="store_true", help="stop injecting into the function (every one without)")
    parser.add_argument("--list", action="store_true", help="show the faults in effect and what they injected")


def fault_verb(cloud: Cloud, args: argparse.Namespace) -> None:
    settings = (args.error_rate, args.crash_rate, args.throttle_rate, args.latency is not None, args.seed is not None)
    if args.list or args.clear:
        if any(settings):
            raise VerbError(f"--{'list' if args.list else 'clear'} takes no fault settings")
        if args.list and args.clear:
            raise VerbError("--list and --clear are exclusive")
    if args.list:
        listing = list_faults(cloud)
        if not listing["functions"]:
            print(f"no faults injected (default seed {listing['default_seed']})")
        for name, plan in listing["functions"].items():
            print(f"{name}: {plan['summary']}; seed {plan['seed']}; {json.dumps(plan['injected'])}")
        return
    if args.clear:
        cleared = clear_faults(cloud, args.function)
        print(f"cleared: {', '.join(cleared)}" if cleared else "no faults were injected")
        return
    if args.function is None:
        raise VerbError("name the function to inject faults into (or use --list / --clear)")
    try:
        spec = FaultSpec(
            error_rate=args.error_rate,
            crash_rate=args.crash_rate,
            throttle_rate=args.throttle_rate,
            latency=args.latency or (0.0, 0.0),
            seed=args.seed,
        )
    except FaultSpecError as exc:
        raise VerbError(str(exc)) from None
    if spec.empty:
        raise VerbError(
            "no fault given: --error-rate, --crash-rate, --throttle-rate above 0 or a --latency (or --clear)"
        )
    plan = set_fault(cloud, args.function, spec)
    print(f"{plan['function']}: {plan['summary']}; seed {plan['seed']} (from its next invocation)")


def report_verb(cloud: Cloud, args: argparse.Namespace) -> None:
    data = delivery_report(cloud)
    if args.json:
        print(json.dumps(data, indent=2))
    else:
        print("\n".join(format_report(data)))
