"""SynthesizedStack: lookups by type, name, parent and component; errors that say what exists."""

from __future__ import annotations

import pulumi
import pytest

from pulumi_wasp.components import Queue, QueueProcessor, QueueProcessorArgs, ServerlessFunctionArgs
from pulumi_wasp.testing import AmbiguousError, NotFoundError, synthesize
from tests.unit.testing.conftest import FUNCTION, QUEUE, TABLE

ALARM = "aws:cloudwatch/metricAlarm:MetricAlarm"
CODE = pulumi.AssetArchive({"app.py": pulumi.StringAsset("def handler(event, context):\n    return None\n")})


class Pair(pulumi.ComponentResource):
    """A user's own component holding two queues, one named like the component itself."""

    def __init__(self, name: str) -> None:
        super().__init__("shop:index:Pair", name)
        Queue(name, opts=pulumi.ResourceOptions(parent=self))
        Queue(f"{name}-spare", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


@pytest.fixture(scope="module")
def pairs():
    def program() -> None:
        Pair("left")
        Pair("right")
        QueueProcessor("left-worker", QueueProcessorArgs(function=ServerlessFunctionArgs(handler="a.h", code=CODE)))

    return synthesize(program)


def test_of_type_lists_every_resource_of_the_type(shop):
    assert sorted(q.name for q in shop.of_type(QUEUE)) == ["worker-dlq", "worker-queue"]
    assert shop.of_type("aws:kinesis/stream:Stream") == []


def test_of_type_refuses_what_is_not_a_type_token(shop):
    with pytest.raises(ValueError, match=r"'Queue' is not a type token"):
        shop.of_type("Queue")


def test_named_finds_the_one_resource_of_that_name(shop):
    assert shop.named("worker-queue").type == QUEUE


def test_named_lists_the_closest_names_when_there_is_none(shop):
    with pytest.raises(NotFoundError, match=r"no resource named 'worker-queeu'; closest of \d+: 'worker-queue'"):
        shop.named("worker-queeu")


def test_named_lists_the_types_when_several_share_the_name(shop):
    with pytest.raises(AmbiguousError, match=r"resources named 'worker' \(.*\): pass type="):
        shop.named("worker")


def test_named_with_a_type_chooses_among_them(shop):
    assert shop.named("orders-table", type=TABLE).name == "orders-table"
    with pytest.raises(
        NotFoundError, match=rf"no resource named 'orders' of type {TABLE}; closest of 1: 'orders-table'"
    ):
        shop.named("orders", type=TABLE)


def test_one_is_the_single_resource_of_a_type(shop):
    assert shop.one(TABLE).name == "orders-table"


def test_one_names_the_candidates_when_several_match(shop):
    with pytest.raises(AmbiguousError, match=r"2 resources of aws:sqs/queue:Queue \('worker-dlq', 'worker-queue'\)"):
        shop.one(QUEUE)


def test_one_lists_the_names_of_its_type_when_the_name_matches_none(shop):
    with pytest.raises(NotFoundError, match=r"no aws:sqs/queue:Queue named 'jobs'; closest of 2: "):
        shop.one(QUEUE, name="jobs")


def test_one_lists_the_types_there_when_none_is_of_its_type(shop):
    with pytest.raises(
        NotFoundError, match=r"no aws:kinesis/stream:Stream under .*'orders'; types there: aws:dynamodb"
    ):
        shop.one("aws:kinesis/stream:Stream", within="orders")


def test_one_within_a_component_looks_only_below_it(pairs):
    assert pairs.one(QUEUE, within="left", name="left-spare-queue").name == "left-spare-queue"
    with pytest.raises(NotFoundError, match=r"no aws:sqs/queue:Queue named 'right-queue' under shop:index:Pair 'left'"):
        pairs.one(QUEUE, within="left", name="right-queue")


def test_children_are_only_the_direct_ones(pairs):
    left = pairs.named("left", type="shop:index:Pair")
    assert sorted(child.name for child in pairs.children(left)) == ["left", "left-spare"]


def test_parent_is_the_owning_resource_or_none_at_the_top(pairs):
    spare = pairs.named("left-spare-queue")
    assert pairs.parent(spare).name == "left-spare"
    assert pairs.parent(pairs.named("left", type="shop:index:Pair")) is None


def test_in_component_is_every_descendant(pairs):
    below = pairs.in_component("left")
    assert {res.name for res in below if res.type == QUEUE} == {
        "left-queue",
        "left-dlq",
        "left-spare-queue",
        "left-spare-dlq",
    }
    assert all(res.urn.startswith("urn:pulumi:dev::test::shop:index:Pair$") for res in below)


def test_a_component_name_means_the_outermost_component_of_that_name(pairs):
    # ``left`` names the Pair and the Queue it composes under the same name: the Pair is meant.
    assert "left-spare-queue" in {res.name for res in pairs.in_component("left", type=QUEUE)}


def test_in_component_filters_by_type(shop):
    assert {res.name for res in shop.in_component("worker", type=ALARM)} == {
        "worker-dlq-alarm",
        "worker-errors",
        "worker-throttles",
    }


def test_a_component_that_does_not_exist_lists_the_closest(pairs):
    with pytest.raises(NotFoundError, match=r"no component named 'lfet'; closest of \d+: 'left'"):
        pairs.in_component("lfet")


def test_a_resource_of_another_stack_is_refused(shop, pairs):
    with pytest.raises(NotFoundError, match=r"is not a resource of this stack \(shop/dev\)"):
        shop.children(pairs.named("left", type="shop:index:Pair"))


def test_components_are_the_non_custom_resources(pairs):
    assert {res.name for res in pairs.components("shop:index:Pair")} == {"left", "right"}
    assert all(not res.custom for res in pairs.components())


def test_by_urn_finds_a_resource_and_names_the_closest_urns(shop):
    queue = shop.named("worker-queue")
    assert shop.by_urn(queue.urn) is queue
    with pytest.raises(NotFoundError, match=r"no resource with URN 'urn:x'"):
        shop.by_urn("urn:x")


def test_exports_are_plain_values(shop):
    assert shop.exports["table_name"] == shop.named("orders-table").output("name")
    assert shop.export("queue_url").startswith("https://sqs.eu-west-1.amazonaws.com/123456789012/worker-queue-")


def test_an_export_that_does_not_exist_lists_the_exported_names(shop):
    with pytest.raises(NotFoundError, match=r"no stack output 'queue_arn'; closest of 2: 'queue_url', 'table_name'"):
        shop.export("queue_arn")


def test_the_wiring_of_a_worker_to_its_queue_and_table(shop):
    function = shop.one(FUNCTION, within="worker")
    mapping = shop.one("aws:lambda/eventSourceMapping:EventSourceMapping", within="worker")
    assert mapping.input("eventSourceArn") == shop.named("worker-queue").output("arn")
    assert mapping.input("functionName") == function.output("arn")
    assert function.input("environment", "variables", "TABLE_NAME") == shop.named("orders-table").output("name")
