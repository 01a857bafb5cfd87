"""The recording monitor keeps what the engine would see: URNs, parents, dependencies, wire inputs."""

from __future__ import annotations

import pulumi
import pytest
from pulumi_aws import sqs

from pulumi_wasp.synthesis import FakeCloud, FirstDeploy, synthesize_inline
from pulumi_wasp.synthesis.recording import SECRET_SIGNATURE, SIGNATURE_KEY, UNKNOWN


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("test:index:Box", name, None, opts)
        self.inner = Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self))
        self.register_outputs({"url": self.inner.queue.url})


class Inner(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__("test:index:Inner", name, None, opts)
        self.queue = sqs.Queue(f"{name}-queue", visibility_timeout_seconds=30, opts=pulumi.ResourceOptions(parent=self))
        self.register_outputs({})


def program() -> None:
    box = Box("box")
    dlq = sqs.Queue("dlq")
    sqs.Queue("main", redrive_policy=dlq.arn, opts=pulumi.ResourceOptions(depends_on=[box]))
    pulumi.export("url", box.inner.queue.url)


@pytest.fixture(scope="module")
def stack():
    return synthesize_inline(program, FakeCloud(), project="proj", stack="dev")


def test_urn_carries_the_full_parent_type_chain_without_the_root_stack(stack):
    assert (
        stack.named("box-inner-queue").urn
        == "urn:pulumi:dev::proj::test:index:Box$test:index:Inner$aws:sqs/queue:Queue::box-inner-queue"
    )
    assert stack.named("dlq").urn == "urn:pulumi:dev::proj::aws:sqs/queue:Queue::dlq"


def test_parent_is_the_parents_urn(stack):
    assert stack.named("box-inner-queue").parent == stack.named("box-inner").urn
    assert stack.named("box").parent == "urn:pulumi:dev::proj::pulumi:pulumi:Stack::proj-dev"


def test_dependencies_and_property_dependencies_are_kept(stack):
    main = stack.named("main")
    # Depending on a component means depending on its custom resources, as the SDK sends it.
    assert sorted(main.dependencies) == sorted([stack.named("dlq").urn, stack.named("box-inner-queue").urn])
    assert main.property_dependencies["redrivePolicy"] == [stack.named("dlq").urn]


def test_inputs_are_in_camel_case_wire_format(stack):
    assert stack.named("box-inner-queue").inputs == {"visibilityTimeoutSeconds": 30}


def test_outputs_of_custom_resources_are_realistic(stack):
    outputs = stack.named("dlq").outputs
    assert outputs["arn"] == f"arn:aws:sqs:us-east-1:123456789012:{outputs['name']}"
    assert outputs["url"].startswith("https://sqs.us-east-1.amazonaws.com/123456789012/dlq-")


def test_component_outputs_are_its_registered_outputs(stack):
    assert stack.named("box").outputs == {"url": stack.named("box-inner-queue").outputs["url"]}


def test_stack_outputs_are_recorded(stack):
    assert stack.stack_outputs == {"url": stack.named("box-inner-queue").outputs["url"]}


def test_first_deploy_leaves_computed_values_unknown():
    preview = synthesize_inline(program, FirstDeploy(), project="proj", stack="dev", preview=True)
    assert preview.named("main").inputs["redrivePolicy"] == UNKNOWN
    assert preview.stack_outputs["url"] == UNKNOWN


def test_the_resource_options_the_engine_keeps_are_recorded():
    def program() -> None:
        sqs.Queue(
            "kept",
            opts=pulumi.ResourceOptions(
                protect=True,
                retain_on_delete=True,
                ignore_changes=["tags"],
                custom_timeouts=pulumi.CustomTimeouts(create="3m"),
            ),
        )

    options = synthesize_inline(program, FakeCloud()).named("kept").options
    assert (options.protect, options.retain_on_delete, options.ignore_changes, options.custom_timeouts) == (
        True,
        True,
        ("tags",),
        {"create": "3m"},
    )


def test_options_left_unset_are_recorded_as_unset():
    def program() -> None:
        sqs.Queue("plain")

    options = synthesize_inline(program, FakeCloud()).named("plain").options
    assert (options.protect, options.retain_on_delete, options.delete_before_replace) == (None, None, None)


def test_additional_secret_outputs_come_back_to_the_program_as_secrets():
    def program() -> None:
        queue = sqs.Queue("q", opts=pulumi.ResourceOptions(additional_secret_outputs=["url"]))
        pulumi.export("url", queue.url)

    stack = synthesize_inline(program, FakeCloud())
    assert stack.named("q").outputs["url"][SIGNATURE_KEY] == SECRET_SIGNATURE
    assert stack.stack_outputs["url"][SIGNATURE_KEY] == SECRET_SIGNATURE
