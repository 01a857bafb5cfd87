"""Local cloud cost and throughput: orders/s end to end, the emulator's and the functions' CPU-s per order at a
small and a large number of orders (is the cost flat as data grows?), p50/p99 per stage, each next to the run's own
baseline: the emulator's CPU for one SQS send + receive + delete, on the same emulator, from the same client process.

The hook: ``wasp local bench --orders N`` on the reference program (its load is the ``bench`` of
localcloud_scenario.py) prints ``{"orders", "seconds", "stages": {"<stage>": [<latency seconds>, ...]},
"cpu_seconds_per_order": {"emulator", "functions"}, "baseline": {"cpu_seconds_per_message"}, ...}``; this module
runs it in a child per run.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from bench.measure import PYTHON, Stats, child_json, python_env, ratio
from bench.report import Section, Table, cell, seconds, times

#: The command of this checkout's toolkit (as `wasp`, whatever the virtualenv's install points at).
WASP = [PYTHON, "-m", "pulumi_wasp"]
#: The order counts compared: the cost per order at the second should be within 10 % of the first.
ORDERS = (60, 600)
#: A child's time: deploy (up to 180 s), warm-up (up to 60 s), the orders (60 s + 1 s per order), the baseline.
CHILD_SECONDS_PER_ORDER, CHILD_SECONDS = 1.0, 400.0


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def cpu(value: float) -> str:
    return f"{value:.3f} CPU-s"


def per_second(value: float) -> str:
    return f"{value:.2f}/s"


def _figures(results: list[dict[str, Any]]) -> dict[str, Stats]:
    return {
        "orders/s": Stats.of([r["orders"] / r["seconds"] for r in results]),
        "emulator": Stats.of([r["cpu_seconds_per_order"]["emulator"] for r in results]),
        "functions": Stats.of([r["cpu_seconds_per_order"]["functions"] for r in results]),
        "baseline": Stats.of([r["baseline"]["cpu_seconds_per_message"] for r in results]),
        # Per run: the emulator's CPU per order in SQS round trips of that run (the load moves both alike).
        "in round trips": Stats.of(
            [r["cpu_seconds_per_order"]["emulator"] / r["baseline"]["cpu_seconds_per_message"] for r in results]
        ),
    }


def _runs(orders: int, runs: int) -> str:
    return f"{orders} orders ({runs} run{'' if runs == 1 else 's'})"


def run(runs: int, orders: Sequence[int] = ORDERS) -> Section:
    """``runs`` runs of the smallest order count, one of each larger one (the longest figure of ``make bench``)."""
    results: dict[int, list[dict[str, Any]]] = {}
    for count in orders:
        timeout = CHILD_SECONDS + CHILD_SECONDS_PER_ORDER * count
        results[count] = [
            child_json([*WASP, "local", "bench", "--orders", str(count)], env=python_env(), timeout=timeout)
            for _ in range(runs if count == min(orders) else 1)
        ]
    figures = {count: _figures(rs) for count, rs in results.items()}
    small, large = min(orders), max(orders)
    growth = ratio(figures[large]["emulator"].median, figures[small]["emulator"].median)
    stages: dict[str, list[float]] = {}
    for result in results[small]:
        for stage, latencies in result["stages"].items():
            stages.setdefault(stage, []).extend(latencies)
    return Section(
        key="localcloud",
        title="Local cloud",
        notes=[
            f"The reference system end to end: {', '.join(_runs(c, len(results[c])) for c in orders)}. "
            "CPU-s are those of the measured orders only (deploy and warm-up excluded): the emulator process (moto, the "
            "runtime's pollers and gateway, the bench's observer) and the function processes. Baseline: the emulator's "
            "CPU for one SQS send + receive + delete, made right after the orders by the same client process on the same "
            "emulator; 'in round trips' is the emulator's CPU per order divided by it, run by run."
        ],
        tables=[
            Table(
                [
                    "orders",
                    "orders/s",
                    "emulator CPU-s/order",
                    "functions CPU-s/order",
                    "baseline: SQS round trip",
                    "emulator per order, in round trips",
                ],
                [
                    [
                        str(count),
                        cell(f["orders/s"], per_second),
                        cell(f["emulator"], cpu),
                        cell(f["functions"], cpu),
                        cell(f["baseline"], cpu),
                        cell(f["in round trips"], lambda v: f"{v:.0f}"),
                    ]
                    for count, f in figures.items()
                ],
            ),
            Table(
                ["figure", "value"],
                [[f"emulator CPU-s per order, {large} orders ÷ {small} orders", times(growth)]],
            ),
            Table(
                ["stage", f"p50 ({small} orders)", "p99"],
                [[stage, seconds(percentile(v, 50)), seconds(percentile(v, 99))] for stage, v in stages.items()],
            ),
        ],
        data={
            "runs": {str(count): {name: stats.to_json() for name, stats in f.items()} for count, f in figures.items()},
            "growth": growth,
            "stages": {k: {"p50": percentile(v, 50), "p99": percentile(v, 99)} for k, v in stages.items()},
            "iam": {str(count): [r.get("iam") for r in rs] for count, rs in results.items()},
        },
        summary=[
            f"local cloud: {per_second(figures[small]['orders/s'].median)} orders, emulator "
            f"{cpu(figures[small]['emulator'].median)}/order at {small} orders and {cpu(figures[large]['emulator'].median)} "
            f"at {large} ({times(growth)}); one SQS round trip {cpu(figures[small]['baseline'].median)}"
        ],
    )
