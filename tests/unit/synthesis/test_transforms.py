"""Transforms run as the Pulumi engine runs them, before the mocks and the records see the resource."""

from __future__ import annotations

from typing import Any

import pulumi
import pulumi_aws as aws
import pytest
from pulumi.runtime import MockCallArgs, MockResourceArgs
from pulumi_aws import sqs

from pulumi_wasp.components import ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.preview import run_policies
from pulumi_wasp.synthesis import FakeCloud, ProgramError, synthesize_inline
from pulumi_wasp.synthesis.recording import SECRET_SIGNATURE, SIGNATURE_KEY

FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
VPC = {"subnetIds": ["subnet-0a1b2c3d"], "securityGroupIds": ["sg-0a1b2c3d"]}


def synth(program, mocks=None):  # type: ignore[no-untyped-def]
    return synthesize_inline(
        program, mocks or FakeCloud(), project="proj", stack="dev", config={"aws:region": "us-east-1"}
    )


def result(args: pulumi.ResourceTransformArgs, props: dict[str, Any] | None = None, **opts: Any):  # type: ignore[no-untyped-def]
    """The transform's answer: ``props`` (default: unchanged) and ``opts`` merged over the ones it got."""
    return pulumi.ResourceTransformResult(
        props if props is not None else args.props,
        pulumi.ResourceOptions.merge(args.opts, pulumi.ResourceOptions(**opts)),
    )


def queues_only(change):  # type: ignore[no-untyped-def]
    def transform(args: pulumi.ResourceTransformArgs):  # type: ignore[no-untyped-def]
        return change(args) if args.type_ == QUEUE else None

    return transform


def labelled(label: str):  # type: ignore[no-untyped-def]
    """A transform appending ``label`` to the queue's ``chain`` tag: the tag shows the order they ran in."""

    def transform(args: pulumi.ResourceTransformArgs):  # type: ignore[no-untyped-def]
        if args.type_ != QUEUE:
            return None
        chain = (args.props.get("tags") or {}).get("chain", "")
        return result(args, {**args.props, "tags": {"chain": f"{chain}/{label}".lstrip("/")}})

    return transform


class Box(pulumi.ComponentResource):
    def __init__(self, name: str, inner_transforms: list, opts: pulumi.ResourceOptions | None = None) -> None:  # type: ignore[type-arg]
        super().__init__("test:index:Box", name, None, opts)
        inner = Inner(f"{name}-inner", pulumi.ResourceOptions(parent=self, transforms=inner_transforms))
        self.queue = inner.queue
        self.register_outputs({})


class Inner(pulumi.ComponentResource):
    def __init__(self, name: str, opts: pulumi.ResourceOptions) -> None:
        super().__init__("test:index:Inner", name, None, opts)
        self.queue = sqs.Queue(
            f"{name}-queue",
            visibility_timeout_seconds=30,
            opts=pulumi.ResourceOptions(parent=self, transforms=[labelled("own")]),
        )
        self.register_outputs({})


def vpc_function(name: str, opts: pulumi.ResourceOptions | None = None) -> ServerlessFunction:
    return ServerlessFunction(
        name, ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"]), opts
    )


def set_vpc(args: pulumi.ResourceTransformArgs):  # type: ignore[no-untyped-def]
    if args.type_ == FUNCTION:
        return result(args, {**args.props, "vpcConfig": VPC})
    return None


def test_a_components_transform_reaches_its_child_function_through_the_parent_chain():
    stack = synth(lambda: vpc_function("api", pulumi.ResourceOptions(transforms=[set_vpc])))
    assert stack.named("api-function", FUNCTION).inputs["vpcConfig"] == VPC


def test_a_resources_own_transform_changes_its_props():
    def program() -> None:
        sqs.Queue("q", opts=pulumi.ResourceOptions(transforms=[queues_only(lambda a: result(a, {"delaySeconds": 7}))]))

    assert synth(program).named("q").inputs == {"delaySeconds": 7}


def test_transforms_run_own_then_parents_up_the_chain_then_stack_transforms_in_registration_order():
    def program() -> None:
        pulumi.runtime.register_resource_transform(labelled("stack-1"))
        pulumi.runtime.register_resource_transform(labelled("stack-2"))
        Box("box", [labelled("inner")], pulumi.ResourceOptions(transforms=[labelled("outer")]))

    tags = synth(program).named("box-inner-queue").inputs["tags"]
    assert tags == {"chain": "own/inner/outer/stack-1/stack-2"}


def test_a_stack_transform_applies_to_resources_registered_after_it_not_before():
    def program() -> None:
        sqs.Queue("before")
        pulumi.runtime.register_resource_transform(queues_only(lambda a: result(a, {"delaySeconds": 3})))
        sqs.Queue("after")

    stack = synth(program)
    assert stack.named("before").inputs == {}
    assert stack.named("after").inputs == {"delaySeconds": 3}


def test_a_transform_returning_none_leaves_props_and_options_as_they_were():
    def program() -> None:
        pulumi.runtime.register_resource_transform(lambda args: None)
        sqs.Queue("q", visibility_timeout_seconds=30, opts=pulumi.ResourceOptions(ignore_changes=["tags"]))

    queue = synth(program).named("q")
    assert queue.inputs == {"visibilityTimeoutSeconds": 30}
    assert queue.options.ignore_changes == ("tags",)


def test_a_transform_that_returns_what_it_got_changes_nothing_the_engine_records():
    def program() -> None:
        vpc_function("api")
        Box("box", [])

    def passthrough(args: pulumi.ResourceTransformArgs):  # type: ignore[no-untyped-def]
        return pulumi.ResourceTransformResult(args.props, args.opts)

    def transformed() -> None:
        pulumi.runtime.register_resource_transform(passthrough)
        program()

    def engine_view(stack):  # type: ignore[no-untyped-def]
        return {
            r.urn: (r.inputs, r.outputs, sorted(r.dependencies), r.aliases, r.options)
            for r in stack
            if r.type != "random:index/randomPassword:RandomPassword"
        }

    assert engine_view(synth(transformed)) == engine_view(synth(program))


def test_a_transform_can_protect_a_resource():
    def program() -> None:
        pulumi.runtime.register_resource_transform(queues_only(lambda a: result(a, protect=True)))
        sqs.Queue("q")

    assert synth(program).named("q").options.protect is True


def test_a_transform_can_add_ignore_changes():
    def program() -> None:
        pulumi.runtime.register_resource_transform(queues_only(lambda a: result(a, ignore_changes=["tags"])))
        sqs.Queue("q")

    assert synth(program).named("q").options.ignore_changes == ("tags",)


def test_a_transform_can_retain_a_resource_on_delete_and_set_its_timeouts():
    timeouts = pulumi.CustomTimeouts(create="5m", delete="2m")

    def program() -> None:
        pulumi.runtime.register_resource_transform(
            queues_only(lambda a: result(a, retain_on_delete=True, custom_timeouts=timeouts))
        )
        sqs.Queue("q")

    options = synth(program).named("q").options
    assert (options.retain_on_delete, options.custom_timeouts) == (True, {"create": "5m", "delete": "2m"})


def test_additional_secret_outputs_from_a_transform_come_back_as_secrets():
    def program() -> None:
        pulumi.runtime.register_resource_transform(queues_only(lambda a: result(a, additional_secret_outputs=["url"])))
        sqs.Queue("q")

    queue = synth(program).named("q")
    assert queue.options.additional_secret_outputs == ("url",)
    assert queue.outputs["url"][SIGNATURE_KEY] == SECRET_SIGNATURE
    assert queue.outputs["url"]["value"].startswith("https://sqs.")


def test_an_alias_a_transform_adds_is_among_the_resources_aliases():
    def program() -> None:
        pulumi.runtime.register_resource_transform(queues_only(lambda a: result(a, aliases=[pulumi.Alias(name="old")])))
        sqs.Queue("q")

    assert synth(program).named("q").aliases == ["urn:pulumi:dev::proj::aws:sqs/queue:Queue::old"]


def test_depends_on_from_a_resources_own_transform_becomes_a_dependency():
    def program() -> None:
        first = sqs.Queue("first")
        sqs.Queue(
            "second", opts=pulumi.ResourceOptions(transforms=[queues_only(lambda a: result(a, depends_on=[first]))])
        )

    stack = synth(program)
    assert stack.named("second").dependencies == [stack.named("first").urn]


def test_depends_on_from_a_stack_transform_fails_synthesis_as_the_engine_would_drop_it():
    def program() -> None:
        first = sqs.Queue("first")
        pulumi.runtime.register_resource_transform(
            lambda a: result(a, depends_on=[first]) if a.name == "second" else None
        )
        sqs.Queue("second")

    with pytest.raises(ProgramError, match=r"stack transform changed depends_on of urn:.*::second"):
        synth(program)


def test_resource_hooks_a_transform_adds_fail_synthesis_as_they_cannot_run_offline():
    def program() -> None:
        hook = pulumi.ResourceHook("announce", lambda args: None)
        pulumi.runtime.register_resource_transform(
            queues_only(lambda a: result(a, hooks=pulumi.ResourceHookBinding(after_create=[hook])))
        )
        sqs.Queue("q")

    with pytest.raises(ProgramError, match=r"changed the resource hooks of urn:.*::q"):
        synth(program)


def test_a_transform_raising_names_the_transform_and_the_resource_and_fails_synthesis():
    def refuse(args: pulumi.ResourceTransformArgs):  # type: ignore[no-untyped-def]
        raise ValueError("queues need an owner tag")

    def program() -> None:
        sqs.Queue("q", opts=pulumi.ResourceOptions(transforms=[refuse]))

    with pytest.raises(
        ProgramError,
        match=r"transform .*refuse on resource aws:sqs/queue:Queue 'q' \(urn:pulumi:dev::proj::aws:sqs/queue:Queue::q\) "
        r"raised ValueError: queues need an owner tag",
    ):
        synth(program)


class Witness(FakeCloud):
    """FakeCloud that keeps what the engine handed it."""

    def __init__(self) -> None:
        super().__init__()
        self.resources: dict[str, MockResourceArgs] = {}
        self.calls: list[MockCallArgs] = []

    def new_resource(self, args: MockResourceArgs):  # type: ignore[no-untyped-def]
        self.resources[args.name] = args
        return super().new_resource(args)

    def call(self, args: MockCallArgs):  # type: ignore[no-untyped-def]
        self.calls.append(args)
        return super().call(args)


def test_the_mocks_see_the_transformed_resource_and_no_transform_left_to_run():
    witness = Witness()

    def program() -> None:
        sqs.Queue("q", opts=pulumi.ResourceOptions(transforms=[queues_only(lambda a: result(a, {"delaySeconds": 9}))]))

    synth(program, witness)
    assert (witness.resources["q"].inputs, witness.resources["q"].transforms) == ({"delaySeconds": 9}, [])


def test_an_invoke_transform_changes_the_invokes_args():
    witness = Witness()

    def to_frankfurt(args: pulumi.InvokeTransformArgs):  # type: ignore[no-untyped-def]
        if args.token == "aws:index/getRegion:getRegion":
            return pulumi.InvokeTransformResult({**args.args, "region": "eu-central-1"}, args.opts)
        return None

    def program() -> None:
        pulumi.runtime.register_invoke_transform(to_frankfurt)
        aws.get_region(region="eu-west-1")

    synth(program, witness)
    (call,) = [c for c in witness.calls if c.token == "aws:index/getRegion:getRegion"]
    assert call.args["region"] == "eu-central-1"


def test_the_deprecated_transformations_option_keeps_working():
    def legacy(args: pulumi.ResourceTransformationArgs):  # type: ignore[no-untyped-def]
        return pulumi.ResourceTransformationResult({**args.props, "delay_seconds": 4}, args.opts)

    def program() -> None:
        sqs.Queue("q", opts=pulumi.ResourceOptions(transformations=[legacy]))

    assert synth(program).named("q").inputs == {"delaySeconds": 4}


def test_the_policy_preview_judges_the_transformed_inputs():
    def shrink(args: pulumi.ResourceTransformArgs):  # type: ignore[no-untyped-def]
        return result(args, {**args.props, "memorySize": 64}) if args.type_ == FUNCTION else None

    def program() -> None:
        vpc_function("small", pulumi.ResourceOptions(transforms=[shrink]))
        vpc_function("as-built")

    stack = synth(program)
    flagged = {d.name for d in run_policies(stack).violations("lambda-explicit-memory")}
    assert flagged == {"small-function"}
