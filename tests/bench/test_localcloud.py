"""The local cloud section of make bench: each order count's cost next to its run's own baseline (no timing here:
the children's results are given)."""

from __future__ import annotations

from typing import Any

import pytest

from bench import localcloud


def child_result(orders: int, emulator: float, functions: float, round_trip: float) -> dict[str, Any]:
    return {
        "orders": orders,
        "seconds": orders / 3,
        "stages": {"api": [0.2] * orders, "saga": [4.0] * orders},
        "cpu_seconds_per_order": {"emulator": emulator, "functions": functions},
        "baseline": {"messages": 100, "cpu_seconds_per_message": round_trip},
        "iam": None,
    }


@pytest.fixture
def children(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """Stands in for the bench's children: 60 orders cost 0.2 CPU-s each, 600 orders 0.21; a round trip 0.005."""
    calls: list[list[str]] = []

    def child_json(args: list[str], **_: Any) -> dict[str, Any]:
        calls.append(args)
        orders = int(args[-1])
        return child_result(orders, 0.2 if orders == 60 else 0.21, 0.04, 0.005)

    monkeypatch.setattr(localcloud, "child_json", child_json)
    return calls


def test_the_smallest_order_count_runs_as_often_as_asked_and_the_largest_once(children: list[list[str]]) -> None:
    localcloud.run(2)
    assert [args[-1] for args in children] == ["60", "60", "600"]


def test_each_order_count_shows_its_cost_per_order_next_to_the_runs_baseline(children: list[list[str]]) -> None:
    section = localcloud.run(1)
    costs = section.tables[0]
    assert costs.columns[2:5] == ["emulator CPU-s/order", "functions CPU-s/order", "baseline: SQS round trip"]
    assert costs.rows[0] == ["60", "3.00/s", "0.200 CPU-s", "0.040 CPU-s", "0.005 CPU-s", "40"]
    assert costs.rows[1][:3] == ["600", "3.00/s", "0.210 CPU-s"] and costs.rows[1][5] == "42"


def test_the_growth_of_the_cost_per_order_is_the_large_runs_over_the_small_runs(children: list[list[str]]) -> None:
    section = localcloud.run(1)
    assert section.data["growth"] == pytest.approx(1.05)
    assert section.tables[1].rows == [["emulator CPU-s per order, 600 orders ÷ 60 orders", "×1.05"]]
    assert "0.200 CPU-s/order at 60 orders and 0.210 CPU-s at 600 (×1.05)" in section.summary[0]
