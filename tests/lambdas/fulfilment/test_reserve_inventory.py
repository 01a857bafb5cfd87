from __future__ import annotations

import pytest
from lambda_testkit import item, load, metrics_emitted, saga_state
from shared.envelope import InvalidEventError


@pytest.fixture
def step(operations_table):
    return load("fulfilment.reserve_inventory")


def test_the_order_items_are_reserved(step, operations_table, context):
    result = step.handler(saga_state(), context)
    assert result == {"reservationId": "RESERVATION#order-1", "status": "Reserved", "lines": 1}
    reservation = item(operations_table, pk="ORDER#order-1", sk="RESERVATION")
    assert (reservation["status"], reservation["items"]) == ("Reserved", [{"sku": "SKU-1", "qty": 2}])


def test_a_retried_task_reserves_once_and_returns_the_same_result(step, context, capsys):
    first = step.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == first
    assert metrics_emitted(capsys.readouterr().out)["InventoryReserved"] == 1


def test_a_state_without_an_order_is_rejected_with_the_reason(step, context):
    with pytest.raises(InvalidEventError, match="'detail' field is missing"):
        step.handler({"results": {}}, context)


def test_a_state_started_by_another_event_type_is_rejected(step, context):
    state = saga_state()
    state["detail"]["type"] = state["detail-type"] = "OrderConfirmed"
    with pytest.raises(InvalidEventError, match="the saga starts from an OrderPlaced event, got OrderConfirmed"):
        step.handler(state, context)


def test_order_data_with_a_missing_field_is_rejected_naming_it(step, context):
    state = saga_state()
    del state["detail"]["data"]["items"]
    with pytest.raises(InvalidEventError, match="'items' is missing"):
        step.handler(state, context)
