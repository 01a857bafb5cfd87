from __future__ import annotations

import pytest
from lambda_testkit import item, load, metrics_emitted, order_placed, saga_state


@pytest.fixture
def step(operations_table):
    return load("fulfilment.arrange_shipping")


def test_a_shipment_is_booked_for_the_order(step, operations_table, context):
    result = step.handler(saga_state(order_placed(qty=3)), context)
    assert result == {"shipmentId": "SHIPMENT#order-1", "status": "Booked", "parcels": 3}
    assert item(operations_table, pk="ORDER#order-1", sk="SHIPMENT")["status"] == "Booked"


def test_a_retried_task_books_once(step, context, capsys):
    first = step.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == first
    assert metrics_emitted(capsys.readouterr().out)["ShipmentsArranged"] == 1
