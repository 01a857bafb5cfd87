from __future__ import annotations

import pytest
from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig
from shared import idempotency
from shared.idempotency import idempotent_on_first_use


@pytest.fixture
def created(monkeypatch) -> list[str]:
    """Table names of the persistence layers built, in order."""
    built: list[str] = []
    real = idempotency.DynamoDBPersistenceLayer

    def layer(table_name, **kwargs):
        built.append(table_name)
        return real(table_name=table_name, **kwargs)

    monkeypatch.setattr(idempotency, "DynamoDBPersistenceLayer", layer)
    return built


def test_the_persistence_layer_is_built_on_the_first_call_not_at_decoration(idempotency_table, created):
    @idempotent_on_first_use(idempotency_table, IdempotencyConfig(event_key_jmespath="id"), "request")
    def handle(*, request):
        return {"handled": request["id"]}

    assert created == []
    handle(request={"id": "a"})
    handle(request={"id": "b"})
    assert created == [idempotency_table]


def test_a_repeated_request_gets_the_first_answer_without_running_again(idempotency_table, created):
    runs: list[str] = []

    @idempotent_on_first_use(idempotency_table, IdempotencyConfig(event_key_jmespath="id"), "request")
    def handle(*, request):
        runs.append(request["id"])
        return {"run": len(runs)}

    assert handle(request={"id": "a"}) == handle(request={"id": "a"}) == {"run": 1}
    assert runs == ["a"]
