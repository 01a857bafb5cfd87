"""The event store both the projector's and the sweeper's tests append to."""

from __future__ import annotations

import pytest
from shared.event_store import EventStore


@pytest.fixture
def store(event_store_table):
    return EventStore(event_store_table)
