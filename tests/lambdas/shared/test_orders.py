from __future__ import annotations

import pytest
from shared.envelope import Event
from shared.event_store import EventStore
from shared.orders import (
    CANCELLED,
    CONFIRMED,
    PENDING,
    OrderAlreadyConcludedError,
    UnknownOrderError,
    conclude,
    order_placed_data,
    status_of,
)


@pytest.fixture
def store(event_store_table):
    return EventStore(event_store_table)


def placed(store, order_id="order-1"):
    store.append(
        Event.new("OrderPlaced", order_id, 1, order_placed_data("c-1", [{"sku": "A", "qty": 1, "unitPrice": 5}], "EUR"))
    )


def test_the_total_is_computed_in_decimal():
    items = [{"sku": "A", "qty": 3, "unitPrice": 0.1}, {"sku": "B", "qty": 1, "unitPrice": "0.2"}]
    data = order_placed_data("c-1", items, "EUR")
    assert data["total"] == 0.5  # 3 * 0.1 + 0.2 in binary floats is 0.5000000000000001
    assert data["items"] == [{"sku": "A", "qty": 3, "unitPrice": 0.1}, {"sku": "B", "qty": 1, "unitPrice": 0.2}]


def test_status_follows_the_lifecycle_events():
    events = [Event.new(t, "o", v, {}) for v, t in enumerate(["OrderPlaced", "PaymentConfirmed", "OrderConfirmed"], 1)]
    assert [status_of(events[:n]) for n in range(4)] == [None, PENDING, PENDING, CONFIRMED]


def test_a_pending_order_is_concluded(store):
    placed(store)
    event = conclude(store, "order-1", CANCELLED, {"reason": "PaymentDeclined"})
    assert (event.type, event.version, event.data) == ("OrderCancelled", 2, {"reason": "PaymentDeclined"})


def test_concluding_the_same_way_again_appends_nothing(store):
    placed(store)
    conclude(store, "order-1", CONFIRMED, {})
    assert conclude(store, "order-1", CONFIRMED, {}) is None
    assert len(store.load("order-1")) == 2


def test_an_order_concluded_the_other_way_cannot_be_concluded_again(store):
    placed(store)
    conclude(store, "order-1", CANCELLED, {})
    with pytest.raises(
        OrderAlreadyConcludedError, match="order order-1 is already Cancelled; it cannot become Confirmed"
    ):
        conclude(store, "order-1", CONFIRMED, {})


def test_an_unknown_order_cannot_be_concluded(store):
    with pytest.raises(UnknownOrderError, match="order nobody does not exist"):
        conclude(store, "nobody", CONFIRMED, {})
