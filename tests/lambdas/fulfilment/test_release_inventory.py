from __future__ import annotations

import pytest
from lambda_testkit import item, load, metrics_emitted, saga_state


@pytest.fixture
def reserve(operations_table):
    return load("fulfilment.reserve_inventory")


@pytest.fixture
def step(operations_table):
    return load("fulfilment.release_inventory")


def test_a_reservation_is_released(reserve, step, operations_table, context):
    reserve.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == {"orderId": "order-1", "status": "Released"}
    assert item(operations_table, pk="ORDER#order-1", sk="RESERVATION")["status"] == "Released"


def test_a_retried_release_releases_once(reserve, step, context, capsys):
    reserve.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == step.handler(saga_state(), context)
    assert metrics_emitted(capsys.readouterr().out)["InventoryReleased"] == 1


def test_nothing_is_released_when_nothing_was_reserved(step, operations_table, context):
    assert step.handler(saga_state(), context) == {"orderId": "order-1", "status": "NothingReserved"}
    assert item(operations_table, pk="ORDER#order-1", sk="RESERVATION") is None
