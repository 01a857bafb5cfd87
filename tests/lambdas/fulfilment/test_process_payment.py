from __future__ import annotations

import pytest
from lambda_testkit import item, load, metrics_emitted, order_placed, saga_state


@pytest.fixture
def step(operations_table):
    return load("fulfilment.process_payment")


def test_an_ordinary_order_is_charged(step, operations_table, context):
    assert step.handler(saga_state(), context) == {"paymentId": "PAYMENT#order-1", "status": "Charged", "amount": 19.98}
    assert item(operations_table, pk="ORDER#order-1", sk="PAYMENT")["status"] == "Charged"


def test_a_retried_task_charges_once(step, context, capsys):
    first = step.handler(saga_state(), context)
    assert step.handler(saga_state(), context) == first
    assert metrics_emitted(capsys.readouterr().out)["PaymentsCharged"] == 1


def test_a_total_of_exactly_ten_thousand_is_charged(step, context):
    assert step.handler(saga_state(order_placed(unit_price=5000, qty=2)), context)["status"] == "Charged"


def test_a_total_above_ten_thousand_is_declined(step, operations_table, context):
    with pytest.raises(step.PaymentDeclined, match="total 10000.02 EUR exceeds the limit of 10000"):
        step.handler(saga_state(order_placed(unit_price=5000.01, qty=2)), context)
    assert item(operations_table, pk="ORDER#order-1", sk="PAYMENT")["status"] == "Declined"


def test_a_declined_customer_is_declined(step, context):
    with pytest.raises(step.PaymentDeclined, match="customer declined-bob is not allowed to pay"):
        step.handler(saga_state(order_placed(customer_id="declined-bob")), context)


def test_the_error_step_functions_sees_is_named_payment_declined(step):
    assert step.PaymentDeclined.__name__ == "PaymentDeclined"


def test_a_retried_declined_task_is_declined_again_and_counted_once(step, context, capsys):
    state = saga_state(order_placed(customer_id="declined-bob"))
    for _ in range(2):
        with pytest.raises(step.PaymentDeclined):
            step.handler(state, context)
    assert metrics_emitted(capsys.readouterr().out)["PaymentsDeclined"] == 1
