"""The pulumi SDK internals pulumi_wasp relies on behave as relied on (a pulumi upgrade fails here first)."""

from __future__ import annotations

import asyncio
import json
import logging
import types
from typing import Any

import pulumi
import pulumi.dynamic
import pulumi_aws
import pytest
from google.protobuf import empty_pb2
from pulumi.runtime import MockCallArgs, MockResourceArgs, Mocks, get_root_resource, is_config_secret, set_mocks
from pulumi.runtime.proto import callback_pb2, resource_pb2

from pulumi_wasp.adapters.pulumi import (
    DYNAMIC_PROVIDER_KEY,
    MockMonitor,
    callback_name,
    current_project,
    current_stack,
    dynamic_resource_type,
    invoke_callback,
    is_lazy_module,
    load_lazy_module,
    reset_root_resource,
    run_program_in_stack,
    set_all_config,
)

STACK = "pulumi:pulumi:Stack"


class Echo(Mocks):
    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return dict(args.args), []


class Capturing(MockMonitor):
    """A MockMonitor subclass keeping the requests the SDK sends it; ``on_register`` runs inside each."""

    def __init__(self, on_register: Any = None) -> None:
        super().__init__(Echo())
        self.registered: list[Any] = []
        self.outputs: list[Any] = []
        self.invokes: list[Any] = []
        self.stack_transforms: list[callback_pb2.Callback] = []
        self.stack_invoke_transforms: list[callback_pb2.Callback] = []
        self.on_register = on_register
        self.answers: list[Any] = []

    def RegisterResource(self, request):
        self.registered.append(request)
        if self.on_register and request.type != STACK:
            self.answers.append(self.on_register(request))
        return super().RegisterResource(request)

    def RegisterResourceOutputs(self, request):
        self.outputs.append(request)
        return super().RegisterResourceOutputs(request)

    def Invoke(self, request):
        self.invokes.append(request)
        return super().Invoke(request)

    def RegisterStackTransform(self, request):
        self.stack_transforms.append(request)
        return empty_pb2.Empty()

    def RegisterStackInvokeTransform(self, request):
        self.stack_invoke_transforms.append(request)
        return empty_pb2.Empty()


def run(program: Any, monitor: MockMonitor) -> None:
    set_mocks(monitor.mocks, project="proj", stack="dev", monitor=monitor)
    reset_root_resource()
    run_program_in_stack(program)


def component(name: str = "box", **opts: Any) -> pulumi.ComponentResource:
    return pulumi.ComponentResource("test:index:Box", name, None, pulumi.ResourceOptions(**opts))


def transform_request(request: Any) -> bytes:
    return resource_pb2.TransformRequest(
        type=request.type, name=request.name, parent=request.parent, properties=request.object
    ).SerializeToString()


def test_the_lazy_service_modules_pulumi_aws_binds_are_recognised():
    lazy = [
        value for value in vars(pulumi_aws).values() if isinstance(value, types.ModuleType) and is_lazy_module(value)
    ]
    assert lazy
    assert not is_lazy_module(json)


def test_loading_a_lazy_module_makes_it_a_plain_loaded_module():
    module = next(v for v in vars(pulumi_aws).values() if isinstance(v, types.ModuleType) and is_lazy_module(v))
    load_lazy_module(module)
    assert type(module) is types.ModuleType
    assert "__all__" in vars(module) or any(not key.startswith("__") for key in vars(module))


def test_set_mocks_installs_a_finished_root_stack_that_reset_root_resource_forgets():
    set_mocks(Echo(), project="proj", stack="dev", monitor=MockMonitor(Echo()))
    assert get_root_resource() is not None
    reset_root_resource()
    assert get_root_resource() is None


def test_the_current_stack_and_project_are_the_ones_set_mocks_was_given():
    set_mocks(Echo(), project="shop", stack="prod", monitor=MockMonitor(Echo()))
    assert (current_stack(), current_project()) == ("prod", "shop")


def test_set_all_config_gives_the_program_its_values_and_secret_keys():
    set_mocks(Echo(), project="proj", stack="dev", monitor=MockMonitor(Echo()))
    set_all_config({"proj:size": "3", "proj:token": "s3cret"}, ["proj:token"])
    assert pulumi.Config("proj").get_int("size") == 3
    assert is_config_secret("proj:token") and not is_config_secret("proj:size")


def test_a_program_runs_in_a_fresh_root_stack_that_parents_its_resources():
    monitor = Capturing()
    run(component, monitor)
    stack, box = monitor.registered
    assert (stack.type, box.type) == (STACK, "test:index:Box")
    assert box.parent.endswith(f"::{STACK}::proj-dev")


def test_a_mock_monitor_subclass_sees_registrations_and_their_outputs():
    def program() -> None:
        box = component()
        box.register_outputs({"size": 3})

    monitor = Capturing()
    run(program, monitor)
    box_outputs = [o for o in monitor.outputs if o.urn.endswith("::box")]
    assert [dict(o.outputs) for o in box_outputs] == [{"size": 3}]


def test_the_mock_monitor_advertises_transforms_and_invoke_transforms_so_the_sdk_sends_them():
    features = set(MockMonitor(Echo()).GetDeploymentInfo(empty_pb2.Empty()).supportedFeatures)
    assert {
        resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS,
        resource_pb2.RESOURCE_MONITOR_FEATURE_INVOKE_TRANSFORMS,
    } <= features


def test_the_mock_monitor_says_it_does_not_support_output_values():
    monitor = MockMonitor(Echo())
    assert not monitor.SupportsFeature(resource_pb2.SupportsFeatureRequest(id="outputValues")).hasSupport
    assert monitor.SupportsFeature(resource_pb2.SupportsFeatureRequest(id="transforms")).hasSupport


def test_the_sdk_refuses_transforms_when_the_monitor_does_not_advertise_them():
    class Old(Capturing):
        def GetDeploymentInfo(self, request):
            info = super().GetDeploymentInfo(request)
            return resource_pb2.DeploymentInfo(
                supportedFeatures=[
                    f for f in info.supportedFeatures if f != resource_pb2.RESOURCE_MONITOR_FEATURE_TRANSFORMS
                ]
            )

    with pytest.raises(Exception, match="does not support transforms"):
        run(lambda: component(transforms=[lambda args: None]), Old())


def test_a_resources_own_transforms_arrive_as_callbacks_on_its_registration():
    monitor = Capturing()
    run(lambda: component(transforms=[lambda args: None, lambda args: None]), monitor)
    (callbacks,) = [list(r.transforms) for r in monitor.registered if r.type != STACK]
    assert len(callbacks) == 2 and all(c.token and c.target for c in callbacks)


def test_stack_transforms_and_stack_invoke_transforms_arrive_through_their_own_calls():
    def program() -> None:
        pulumi.runtime.register_resource_transform(lambda args: None)
        pulumi.runtime.register_invoke_transform(lambda args: None)

    monitor = Capturing()
    run(program, monitor)
    assert (len(monitor.stack_transforms), len(monitor.stack_invoke_transforms)) == (1, 1)


def test_invoking_a_transforms_callback_runs_it_on_the_wire_request_and_returns_its_wire_answer():
    def tag(args: pulumi.ResourceTransformArgs) -> pulumi.ResourceTransformResult:
        return pulumi.ResourceTransformResult({**args.props, "owner": f"{args.type_}/{args.name}"}, args.opts)

    def answer(request: Any) -> Any:
        raw = invoke_callback(request.transforms[0], transform_request(request))
        return resource_pb2.TransformResponse.FromString(raw)

    monitor = Capturing(answer)
    run(lambda: component(transforms=[tag]), monitor)
    (response,) = monitor.answers
    assert dict(response.properties) == {"owner": "test:index:Box/box"}


def test_an_invoke_transforms_callback_takes_and_returns_invoke_messages():
    responses: list[Any] = []

    def program() -> None:
        pulumi.runtime.register_invoke_transform(
            lambda args: pulumi.InvokeTransformResult({**args.args, "seen": args.token}, args.opts)
        )
        component()

    class Invoking(Capturing):
        def RegisterResource(self, request):
            if request.type != STACK:
                raw = invoke_callback(
                    self.stack_invoke_transforms[0],
                    resource_pb2.TransformInvokeRequest(token="test:index:get").SerializeToString(),
                )
                responses.append(resource_pb2.TransformInvokeResponse.FromString(raw))
            return super().RegisterResource(request)

    run(program, Invoking())
    assert [dict(r.args) for r in responses] == [{"seen": "test:index:get"}]


def test_a_callbacks_name_is_its_transforms_qualified_name():
    def named_transform(args: pulumi.ResourceTransformArgs) -> None:
        return None

    monitor = Capturing(lambda request: callback_name(request.transforms[0]))
    run(lambda: component(transforms=[named_transform]), monitor)
    assert monitor.answers[0].endswith("named_transform")


def test_a_transform_raising_propagates_its_own_exception_through_the_callback():
    def refuse(args: pulumi.ResourceTransformArgs) -> None:
        raise ValueError("not this one")

    def answer(request: Any) -> Any:
        try:
            invoke_callback(request.transforms[0], transform_request(request))
        except ValueError as exc:
            return str(exc)
        return None

    monitor = Capturing(answer)
    run(lambda: component(transforms=[refuse]), monitor)
    assert monitor.answers == ["not this one"]


def test_a_failed_program_leaves_nothing_behind_that_fails_the_next_one():
    class Refusing(Capturing):
        def RegisterResource(self, request):
            if request.name == "refused":
                raise ValueError("refused")
            return super().RegisterResource(request)

    with pytest.raises(ValueError, match="refused"):
        run(lambda: [component("refused"), component("pending")], Refusing())
    monitor = Capturing()
    run(lambda: component("next"), monitor)
    assert [r.name for r in monitor.registered if r.type != STACK] == ["next"]


def test_a_failed_programs_exception_is_not_reported_again_by_the_loop_but_other_errors_are(caplog):
    class Refusing(Capturing):
        def RegisterResource(self, request):
            if request.type != STACK:
                raise ValueError("refused once")
            return super().RegisterResource(request)

    with pytest.raises(ValueError, match="refused once") as raised:
        run(component, Refusing())
    loop = asyncio.get_event_loop()
    with caplog.at_level(logging.ERROR, logger="asyncio"):
        # What asyncio calls when it collects an output future the SDK set the failure on, and nobody read.
        loop.call_exception_handler({"message": "Future exception was never retrieved", "exception": raised.value})
        loop.call_exception_handler({"message": "an unrelated failure", "exception": RuntimeError("other")})
    assert [r.getMessage() for r in caplog.records] == ["an unrelated failure"]


def test_a_callback_of_a_program_that_has_ended_is_a_lookup_error():
    stale = callback_pb2.Callback(token="gone", target="127.0.0.1:1")
    with pytest.raises(LookupError, match="no callback server at '127.0.0.1:1'"):
        invoke_callback(stale, b"")


class _Recorder(Mocks):
    def __init__(self) -> None:
        self.registered: list[MockResourceArgs] = []

    def new_resource(self, args: MockResourceArgs) -> tuple[str, dict[str, Any]]:
        self.registered.append(args)
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args: MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]]]:
        return {}, []


class _Noop(pulumi.dynamic.ResourceProvider):
    serialize_as_secret_always = False


class _Pinned(pulumi.dynamic.Resource, module="pinning", name="Probe"):
    def __init__(self, name: str) -> None:
        super().__init__(_Noop(), name, {"value": "v"})


def _register_dynamic() -> MockResourceArgs:
    recorder = _Recorder()
    run(lambda: _Pinned("probe"), MockMonitor(recorder))
    return next(args for args in recorder.registered if args.name == "probe")


def test_a_dynamic_resource_with_a_module_and_name_registers_the_type_dynamic_resource_type_names():
    assert _register_dynamic().typ == dynamic_resource_type("pinning", "Probe")


def test_a_dynamic_resource_carries_its_serialized_provider_under_dynamic_provider_key():
    inputs = _register_dynamic().inputs
    assert isinstance(inputs[DYNAMIC_PROVIDER_KEY], str) and inputs["value"] == "v"
