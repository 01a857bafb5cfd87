"""Alias URNs as the engine computes them: a resource's own alias specs, and the aliases it inherits from
its parent's, down a component tree."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_aws import sqs

from pulumi_wasp.synthesis import FakeCloud, synthesize_inline

PREFIX = "urn:pulumi:dev::proj::"


class Level(pulumi.ComponentResource):
    """A component retyped from ``old:index:Level<depth>`` that nests the next level, down to a queue."""

    def __init__(self, name: str, depth: int, opts: pulumi.ResourceOptions | None = None) -> None:
        retyped = pulumi.ResourceOptions(aliases=[pulumi.Alias(type_=f"old:index:Level{depth}")])
        super().__init__(f"new:index:Level{depth}", name, None, pulumi.ResourceOptions.merge(opts, retyped))
        child = pulumi.ResourceOptions(parent=self)
        if depth < 3:
            Level(f"{name}-l{depth + 1}", depth + 1, child)
        else:
            sqs.Queue(f"{name}-queue", opts=child)
        self.register_outputs({})


def nested() -> None:
    Level("app", 1)


@pytest.fixture(scope="module")
def tree():
    return synthesize_inline(nested, FakeCloud(), project="proj", stack="dev")


def test_a_resource_answers_to_its_own_alias_spec(tree):
    assert tree.named("app").aliases == [PREFIX + "old:index:Level1::app"]


def test_a_child_answers_to_every_combination_of_its_own_and_its_parents_old_types(tree):
    assert sorted(tree.named("app-l2").aliases) == sorted(
        PREFIX + f"{one}:index:Level1${two}:index:Level2::app-l2"
        for one, two in (("new", "old"), ("old", "new"), ("old", "old"))
    )


def test_a_resource_three_components_deep_answers_to_its_urn_under_the_old_type_chain(tree):
    queue = tree.named("app-l2-l3-queue")
    assert (
        queue.urn == PREFIX + "new:index:Level1$new:index:Level2$new:index:Level3$aws:sqs/queue:Queue::app-l2-l3-queue"
    )
    assert PREFIX + "old:index:Level1$old:index:Level2$old:index:Level3$aws:sqs/queue:Queue::app-l2-l3-queue" in (
        queue.aliases
    )


def test_a_resource_three_components_deep_answers_to_any_mix_of_old_and_new_ancestor_types(tree):
    # The engine inherits the one alias its parent matched in the old state: any of them may be the one.
    chains = {alias.split("::")[2] for alias in tree.named("app-l2-l3-queue").aliases}
    assert chains == {
        f"{a}:index:Level1${b}:index:Level2${c}:index:Level3$aws:sqs/queue:Queue"
        for a in ("old", "new")
        for b in ("old", "new")
        for c in ("old", "new")
    } - {"new:index:Level1$new:index:Level2$new:index:Level3$aws:sqs/queue:Queue"}


def renamed() -> None:
    parent = pulumi.ComponentResource(
        "new:index:Box", "shop", None, pulumi.ResourceOptions(aliases=[pulumi.Alias(name="store")])
    )
    sqs.Queue("shop-orders", opts=pulumi.ResourceOptions(parent=parent))
    sqs.Queue("audit", opts=pulumi.ResourceOptions(parent=parent))


def test_a_child_named_after_its_parent_follows_the_parents_old_name():
    stack = synthesize_inline(renamed, FakeCloud(), project="proj", stack="dev")
    assert stack.named("shop-orders").aliases == [PREFIX + "new:index:Box$aws:sqs/queue:Queue::store-orders"]
    assert stack.named("audit").aliases == [PREFIX + "new:index:Box$aws:sqs/queue:Queue::audit"]


def moved() -> None:
    owner = pulumi.ComponentResource(
        "new:index:Owner", "owner", None, pulumi.ResourceOptions(aliases=[pulumi.Alias(type_="old:index:Owner")])
    )
    holder = pulumi.ComponentResource("new:index:Holder", "holder", None, pulumi.ResourceOptions(parent=owner))
    sqs.Queue("q", opts=pulumi.ResourceOptions(parent=holder, aliases=[pulumi.Alias(parent=owner)]))
    sqs.Queue("top", opts=pulumi.ResourceOptions(parent=holder, aliases=[pulumi.Alias(parent=None)]))
    sqs.Queue("kept", opts=pulumi.ResourceOptions(aliases=["urn:pulumi:dev::proj::aws:sqs/queue:Queue::before"]))
    sqs.Queue("plain")


@pytest.fixture(scope="module")
def moves():
    return synthesize_inline(moved, FakeCloud(), project="proj", stack="dev")


def test_an_explicit_former_parent_that_was_itself_retyped_stands_for_its_old_urn_too(moves):
    assert set(moves.named("q").aliases) >= {
        PREFIX + "new:index:Owner$aws:sqs/queue:Queue::q",
        PREFIX + "old:index:Owner$aws:sqs/queue:Queue::q",
    }


def test_no_parent_alias_is_the_top_level_urn(moves):
    assert PREFIX + "aws:sqs/queue:Queue::top" in moves.named("top").aliases


def test_a_urn_alias_is_kept_as_given(moves):
    assert moves.named("kept").aliases == [PREFIX + "aws:sqs/queue:Queue::before"]


def test_a_child_without_aliases_of_its_own_inherits_its_parents(moves):
    assert moves.named("holder").aliases == [PREFIX + "old:index:Owner$new:index:Holder::holder"]


def test_a_top_level_resource_without_aliases_has_none(moves):
    assert moves.named("plain").aliases == []
