"""What the project relies on in pulumi_policy's internals, through pulumi_wasp.adapters.pulumi_policy."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime import proto
from pulumi_policy import (
    EnforcementLevel,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
    StackValidationPolicy,
    proxy,
)
from pulumi_policy import policy as policy_module

from pulumi_wasp.adapters import pulumi_policy as adapter

URN = "urn:pulumi:dev::probe::aws:sqs/queue:Queue::jobs"


class Seen:
    """What the rules received."""

    def __init__(self) -> None:
        self.props: list[Any] = []
        self.unknown: list[str] = []
        self.stack: list[str] = []


def policies(seen: Seen) -> list[Any]:
    def validate(args: ResourceValidationArgs, report: ReportViolation) -> None:
        seen.props.append(args.props)
        try:
            args.props["name"]
        except adapter.UnknownValueError as exc:
            seen.unknown.append(str(exc))
        if args.props[adapter.TARGET].get("sqsManagedSseEnabled") is not True:
            report("not encrypted")

    def validate_stack(args: StackValidationArgs, report: ReportViolation) -> None:
        seen.stack.extend(r.urn for r in args.resources)

    return [
        ResourceValidationPolicy("queue-encrypted", "Queues are encrypted.", validate, EnforcementLevel.MANDATORY),
        StackValidationPolicy("stack-seen", "The stack is seen.", validate_stack, EnforcementLevel.ADVISORY),
    ]


def captured(seen: Seen) -> adapter.AnalyzerServicer:
    servicer = adapter.capture_analyzer(lambda: PolicyPack("probe-pack", policies(seen)))
    assert servicer is not None
    return servicer


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def analyze(servicer: adapter.AnalyzerServicer, props: dict[str, Any]) -> Any:
    request = proto.AnalyzeRequest(type="aws:sqs/queue:Queue", properties=struct(props), urn=URN, name="jobs")
    return servicer.Analyze(request, None)


def test_a_constructed_pack_hands_back_its_servicer_without_serving() -> None:
    real = policy_module.grpc, policy_module.analyzer_pb2_grpc
    servicer = captured(Seen())
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    assert (info.name, [p.name for p in info.policies]) == ("probe-pack", ["queue-encrypted", "stack-seen"])
    assert (policy_module.grpc, policy_module.analyzer_pb2_grpc) == real


def test_a_build_that_constructs_no_pack_gives_none() -> None:
    assert adapter.capture_analyzer(lambda: None) is None


def test_a_failing_build_raises_and_restores_the_grpc_modules() -> None:
    real = policy_module.grpc, policy_module.analyzer_pb2_grpc

    def broken() -> None:
        raise ValueError("no pack here")

    with pytest.raises(ValueError, match="no pack here"):
        adapter.capture_analyzer(broken)
    assert (policy_module.grpc, policy_module.analyzer_pb2_grpc) == real


def test_a_new_analyzer_describes_its_policies() -> None:
    servicer = adapter.new_analyzer("direct", "1.2.3", policies(Seen()), EnforcementLevel.ADVISORY)
    info = servicer.GetAnalyzerInfo(empty_pb2.Empty(), None)
    assert (info.name, info.version, len(info.policies)) == ("direct", "1.2.3", 2)


def test_analyze_answers_the_clis_request_without_a_grpc_context() -> None:
    servicer = captured(Seen())
    response = analyze(servicer, {"name": "jobs"})
    assert [(d.policyName, d.enforcementLevel) for d in response.diagnostics] == [("queue-encrypted", proto.MANDATORY)]
    assert "not encrypted" in response.diagnostics[0].message
    assert analyze(servicer, {"name": "jobs", "sqsManagedSseEnabled": True}).diagnostics == []


def test_configure_sets_the_enforcement_level_in_force() -> None:
    servicer = captured(Seen())
    servicer.Configure(
        proto.ConfigureAnalyzerRequest(
            policyConfig={"queue-encrypted": proto.PolicyConfig(enforcementLevel=proto.ADVISORY, properties=struct({}))}
        ),
        None,
    )
    servicer.ConfigureStack(proto.AnalyzerStackConfigureRequest(stack="dev", project="probe", dry_run=True), None)
    assert [d.enforcementLevel for d in analyze(servicer, {"name": "jobs"}).diagnostics] == [proto.ADVISORY]


def test_analyze_stack_hands_every_resource_to_stack_rules() -> None:
    seen = Seen()
    request = proto.AnalyzeStackRequest(
        resources=[proto.AnalyzerResource(type="aws:sqs/queue:Queue", properties=struct({}), urn=URN, name="jobs")]
    )
    captured(seen).AnalyzeStack(request, None)
    assert seen.stack == [URN]


def test_rules_read_properties_through_proxies_whose_target_is_the_plain_value() -> None:
    seen = Seen()
    analyze(captured(seen), {"name": "jobs", "tags": ["a"], "policy": {"Version": "2012-10-17"}})
    [props] = seen.props
    assert type(props) is adapter.DictProxy
    assert type(props["tags"]) is adapter.ListProxy and props["tags"][adapter.TARGET] == ["a"]
    assert props[adapter.TARGET]["policy"] == {"Version": "2012-10-17"}
    assert seen.unknown == []  # a known value reads without raising


def test_reading_an_unknown_value_raises_unknown_value_error() -> None:
    seen = Seen()
    analyze(captured(seen), {"name": proxy.UNKNOWN_STRING_VALUE})
    assert len(seen.unknown) == 1


def test_the_analyzer_reconfigures_pulumi_from_runtime_variables_unless_hidden(monkeypatch: pytest.MonkeyPatch) -> None:
    configured: list[Any] = []
    monkeypatch.setattr(pulumi.runtime, "configure", configured.append)
    for name, value in {"PULUMI_PROJECT": "other", "PULUMI_STACK": "other", "PULUMI_DRY_RUN": "true"}.items():
        monkeypatch.setenv(name, value)
    servicer = captured(Seen())
    with adapter.runtime_variables_hidden():
        analyze(servicer, {"name": "jobs"})
    assert configured == []
    analyze(servicer, {"name": "jobs"})
    assert [settings.project for settings in configured] == ["other"]


SECRET_WIRE = {"4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", "value": "s3cr3t"}


def remediated(changes: dict[str, Any], props: dict[str, Any]) -> Any:
    """The Remediate response of a pack whose one policy returns replaced_inputs(props, changes)."""

    def fix(args: ResourceValidationArgs) -> dict[str, Any]:
        return adapter.replaced_inputs(args.props, changes)

    policy = ResourceValidationPolicy(
        "fixer", "Fixes.", remediate=adapter.remediation(fix), enforcement_level=EnforcementLevel.REMEDIATE
    )
    servicer = adapter.new_analyzer("fixing", "1.0.0", [policy], EnforcementLevel.REMEDIATE)
    request = proto.AnalyzeRequest(type="aws:sqs/queue:Queue", properties=struct(props), urn=URN, name="jobs")
    return servicer.Remediate(request, None)


def test_a_remediation_returns_every_input_with_the_changes_applied() -> None:
    (remediation,) = remediated({"sqsManagedSseEnabled": True}, {"name": "jobs", "tags": {"a": "b"}}).remediations
    assert dict(remediation.properties) == {"name": "jobs", "tags": {"a": "b"}, "sqsManagedSseEnabled": True}


def test_a_remediation_keeps_the_secrets_it_leaves_alone() -> None:
    (remediation,) = remediated({"sqsManagedSseEnabled": True}, {"name": "jobs", "token": SECRET_WIRE}).remediations
    assert dict(remediation.properties["token"]) == SECRET_WIRE


def test_a_remediation_keeps_a_replaced_secret_secret() -> None:
    (remediation,) = remediated({"token": "rotated"}, {"name": "jobs", "token": SECRET_WIRE}).remediations
    assert dict(remediation.properties["token"]) == {**SECRET_WIRE, "value": "rotated"}
