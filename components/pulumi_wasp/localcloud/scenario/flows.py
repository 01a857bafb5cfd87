"""Named flows run concurrently with a per-flow report line and timing: the generic part of a scenario.

A scenario (``localcloud_scenario.py``) lists its flows and hands them to :func:`run_flows`::

    FLOWS = [Flow("greeting", greeting, needs=("api_url",)), Flow("queue drains", queue_drains)]

    def scenario(cloud: Cloud) -> None:
        run_flows(cloud, FLOWS)   # raises FlowFailedError when a flow failed

``wasp local run --flow TEXT`` (repeatable) selects the flows whose name contains one of the values,
case-insensitively; a value that selects no flow is an error (:class:`FlowSelectionError`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass

from pulumi_wasp.localcloud.client import Cloud, FlowFailedError
from pulumi_wasp.localcloud.scenario.hook import ScenarioError

_MARKS = {"ok": "✓", "failed": "✗", "skipped": "–"}


class FlowSelectionError(ScenarioError):
    """``--flow`` named no flow of the scenario (the message lists the flows there are)."""


@dataclass(frozen=True)
class Flow:
    """One independent path through the system: ``run(cloud)`` drives it and returns a one-line detail, or
    raises (:class:`FlowFailedError` for an expectation that did not hold)."""

    name: str
    run: Callable[[Cloud], str]
    #: Stack outputs or endpoints the flow needs (keys of ``cloud.outputs`` or ``cloud.endpoints`` with a
    #: value); a program without one of them skips the flow, saying which.
    needs: tuple[str, ...] = ()


@dataclass
class FlowResult:
    """How a flow ended: ``status`` is "ok", "failed" or "skipped"; ``detail`` the flow's line or its failure."""

    name: str
    status: str
    seconds: float
    detail: str

    def line(self) -> str:
        return f"  {_MARKS[self.status]} {self.name:<36} {self.seconds:6.2f} s  {self.detail}"


def select(flows: Sequence[Flow], patterns: Sequence[str]) -> list[Flow]:
    """The flows ``--flow`` selects: every flow when no pattern is given."""
    if not patterns:
        return list(flows)
    unmatched = [p for p in patterns if not any(p.lower() in f.name.lower() for f in flows)]
    if unmatched:
        names = ", ".join(repr(f.name) for f in flows)
        raise FlowSelectionError(f"--flow {', '.join(map(repr, unmatched))} matches no flow; flows: {names}")
    return [f for f in flows if any(p.lower() in f.name.lower() for p in patterns)]


def run_flow(cloud: Cloud, flow: Flow) -> FlowResult:
    """Run one flow; its failure is reported in the result, never raised."""
    missing = [name for name in flow.needs if not (cloud.outputs.get(name) or cloud.endpoints.get(name))]
    if missing:
        return FlowResult(flow.name, "skipped", 0.0, f"the program exports no {', '.join(missing)}")
    started = time.perf_counter()
    try:
        detail = flow.run(cloud)
    except Exception as exc:  # a flow's failure is reported, never the end of the run
        message = str(exc) if isinstance(exc, FlowFailedError) else f"{type(exc).__name__}: {exc}"
        return FlowResult(flow.name, "failed", time.perf_counter() - started, message)
    return FlowResult(flow.name, "ok", time.perf_counter() - started, detail)


def run_flows(cloud: Cloud, flows: Sequence[Flow], *, check: bool = True) -> list[FlowResult]:
    """Run the flows ``--flow`` selects concurrently (each must be independent: its own keys, messages and
    records), report each as it ends, and return the results in the flows' order.

    ``check`` (default True): raise :class:`FlowFailedError` once all have ended when one failed; False
    leaves the verdict to the caller (e.g. to check an invariant first)."""
    selected = select(flows, cloud.flow_patterns)
    results: list[FlowResult] = []
    if selected:
        with ThreadPoolExecutor(max_workers=len(selected), thread_name_prefix="flow") as pool:
            for future in as_completed([pool.submit(run_flow, cloud, flow) for flow in selected]):
                results.append(future.result())
                cloud.report(results[-1].line())
    order = [flow.name for flow in selected]
    results.sort(key=lambda r: order.index(r.name))
    cloud.flow_results.extend(results)
    failed = [r.name for r in results if r.status == "failed"]
    if check and failed:
        raise FlowFailedError(f"{len(failed)} of {len(results)} flows failed: {', '.join(failed)}")
    return results
