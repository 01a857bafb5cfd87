"""Resource: inputs and outputs in the wire format a policy receives, read as plain values by path."""

from __future__ import annotations

import pytest

from pulumi_wasp.testing import NotFoundError, is_secret
from tests.unit.testing.conftest import FUNCTION, QUEUE


@pytest.fixture(scope="module")
def function(shop):
    return shop.one(FUNCTION)


def test_inputs_are_camel_case_as_the_cli_hands_them_to_a_policy(function):
    assert function.inputs["tracingConfig"] == {"mode": "Active"}
    assert "reservedConcurrentExecutions" in function.inputs


def test_inputs_keep_secrets_wrapped(function):
    assert is_secret(function.inputs["environment"]["variables"]["API_TOKEN"])


def test_input_reads_a_plain_value_by_path(function):
    assert function.input("environment", "variables", "API_TOKEN") == "offline-placeholder-secret"
    assert function.input("layers", 0).startswith("arn:aws:lambda:eu-west-1:017000801446:layer:AWSLambdaPowertools")


def test_a_missing_key_names_where_it_was_looked_for_and_the_closest_keys(function):
    with pytest.raises(NotFoundError) as raised:
        function.input("environment", "variabels")
    assert str(raised.value) == (
        "no key 'variabels' in the input environment of aws:lambda/function:Function 'worker-function'; "
        "closest of 1: 'variables'"
    )


def test_a_missing_top_level_key_lists_the_closest_inputs(function):
    with pytest.raises(NotFoundError, match=r"no key 'memory' in the inputs of .*closest of \d+: 'memorySize'"):
        function.input("memory")


def test_an_index_out_of_range_says_how_long_the_list_is(function):
    with pytest.raises(IndexError, match=r"input layers\[5\]: index out of range \(the list has 1 items\)"):
        function.input("layers", 5)


def test_a_step_into_a_scalar_is_refused(function):
    with pytest.raises(TypeError, match=r"input memorySize.x: cannot step into int with 'x'"):
        function.input("memorySize", "x")


def test_a_path_is_required(function):
    with pytest.raises(TypeError, match=r"input\(\) needs a path"):
        function.input()


def test_input_json_parses_a_json_string(shop):
    policy = shop.named("worker-policy").input_json("policy")
    assert policy["Version"] == "2012-10-17"


def test_input_json_refuses_what_is_not_a_string(function):
    with pytest.raises(TypeError, match=r"input memorySize is int, not a JSON string"):
        function.input_json("memorySize")


def test_output_reads_the_computed_values(shop):
    queue = shop.named("worker-queue")
    assert queue.output("url") == f"https://sqs.eu-west-1.amazonaws.com/123456789012/{queue.output('name')}"


def test_the_record_fields_are_exposed(shop):
    queue = shop.named("worker-queue")
    assert (queue.type, queue.custom, queue.id) == (QUEUE, True, queue.output("url"))
    assert queue.parent_urn == shop.named("worker", type=shop.parent(queue).type).urn
    assert str(queue) == "aws:sqs/queue:Queue 'worker-queue'"
    assert repr(queue) == "<Resource aws:sqs/queue:Queue 'worker-queue'>"


def test_resources_are_equal_by_urn(shop):
    assert shop.named("worker-queue") == shop.by_urn(shop.named("worker-queue").urn)
    assert len({*shop, *shop}) == len(shop)
