from __future__ import annotations

import pytest
from lambda_testkit import item, load, metrics_emitted, order_placed, saga_state


@pytest.fixture
def pay(operations_table):
    return load("fulfilment.process_payment")


@pytest.fixture
def step(operations_table):
    return load("fulfilment.refund_payment")


def test_a_charged_payment_is_refunded(pay, step, operations_table, context):
    pay.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == {"orderId": "order-1", "status": "Refunded"}
    assert item(operations_table, pk="ORDER#order-1", sk="PAYMENT")["status"] == "Refunded"


def test_a_retried_refund_refunds_once(pay, step, context, capsys):
    pay.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == step.handler(saga_state(), context)
    assert metrics_emitted(capsys.readouterr().out)["PaymentsRefunded"] == 1


def test_a_declined_payment_needs_no_refund(pay, step, operations_table, context):
    state = saga_state(order_placed(customer_id="declined-bob"))
    with pytest.raises(pay.PaymentDeclined):
        pay.handler(state, context)
    assert step.handler(state, context) == {"orderId": "order-1", "status": "Declined"}
    assert item(operations_table, pk="ORDER#order-1", sk="PAYMENT")["status"] == "Declined"


def test_nothing_is_refunded_when_nothing_was_charged(step, context):
    assert step.handler(saga_state(), context) == {"orderId": "order-1", "status": "NothingCharged"}
