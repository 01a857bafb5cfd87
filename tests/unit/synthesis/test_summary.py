"""The synthesis summary: concise by default (counts by type, outputs), the tree on request, and one way
of counting resources (AWS resources, components apart, registrations as both)."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_aws import sqs

from pulumi_wasp.synthesis import FakeCloud, Synthesis, synthesize_inline
from pulumi_wasp.synthesis.summary import render, resource_counts


class Pair(pulumi.ComponentResource):
    def __init__(self, name: str) -> None:
        super().__init__("test:index:Pair", name, None, None)
        self.queue = sqs.Queue(f"{name}-queue", opts=pulumi.ResourceOptions(parent=self))
        self.dlq = sqs.Queue(f"{name}-dlq", opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def program() -> None:
    pair = Pair("orders")
    sqs.Queue("single")
    pulumi.export("url", pair.queue.url)


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synthesize_inline(program, FakeCloud(), project="proj", stack="dev")


def test_resources_are_counted_as_aws_resources_with_components_apart(stack: Synthesis) -> None:
    assert resource_counts(stack) == "3 AWS resources in 1 component (4 registrations)"


def test_the_default_summary_has_counts_by_type_and_outputs_but_no_tree(stack: Synthesis) -> None:
    text = render(stack)
    assert text.startswith("Stack proj/dev: 3 AWS resources in 1 component (4 registrations)")
    assert "     3  aws:sqs/queue:Queue" in text and "  url: " in text
    assert "Resource tree" not in text and "orders-dlq" not in text


def test_the_tree_lists_each_resource_under_its_component(stack: Synthesis) -> None:
    text = render(stack, tree=True)
    assert "Resource tree" in text
    lines = text.splitlines()
    assert "  orders  [test:index:Pair]" in lines and "  single  aws:sqs/queue:Queue" in lines
    under = lines[lines.index("  orders  [test:index:Pair]") + 1 :][:2]  # registration order is not fixed
    assert sorted(under) == ["    orders-dlq  aws:sqs/queue:Queue", "    orders-queue  aws:sqs/queue:Queue"]
