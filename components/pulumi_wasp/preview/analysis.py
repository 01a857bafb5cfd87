"""Drive the pack's analyzer with the requests the CLI sends, and collect what the CLI would show.

The CLI sends, for a preview: Configure (the reconciled pack config), ConfigureStack, one Analyze per
registered resource (root stack, components and custom resources alike: the engine does not filter) with
its inputs, then one AnalyzeStack with every resource's outputs, parent, dependencies and property
dependencies.
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto

from pulumi_wasp.adapters.pulumi_policy import runtime_variables_hidden
from pulumi_wasp.policies.common import EXEMPTION_RE, EXEMPTIONS_POLICY, NOT_EVALUATED_RE
from pulumi_wasp.preview.config import reconcile
from pulumi_wasp.preview.pack import LEVEL_VALUES, LEVELS, LoadedPack, load_pack
from pulumi_wasp.synthesis import RecordedResource, Synthesis

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str
    urn: str
    type: str
    name: str
    message: str


@dataclass(frozen=True)
class NotApplicable:
    policy: str
    urn: str
    type: str
    name: str
    reason: str


@dataclass(frozen=True)
class Exempted:
    policy: str
    urn: str
    type: str
    name: str
    reason: str
    source: str


@dataclass
class PolicyReport:
    """What one run of the pack over a stack found."""

    pack: str
    project: str
    stack: str
    resources: list[RecordedResource]
    policies: dict[str, str]  # name -> enforcement level in force
    descriptions: dict[str, str]
    diagnostics: list[Diagnostic] = field(default_factory=list)
    not_applicable: list[NotApplicable] = field(default_factory=list)
    exempted: list[Exempted] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def mandatory(self) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.level == "mandatory"]

    def violations(self, policy: str) -> list[Diagnostic]:
        return [d for d in self.diagnostics if d.policy == policy]

    @property
    def not_evaluated(self) -> list[NotApplicable]:
        return [n for n in self.not_applicable if n.reason.startswith("not evaluated")]

    def to_json(self) -> dict[str, Any]:
        return {
            "resources": [
                {"type": r.type, "name": r.name, "urn": r.urn, "parent": r.parent, "inputs": r.inputs}
                for r in self.resources
            ],
            "diagnostics": [asdict(d) for d in self.diagnostics],
            "not_applicable": [asdict(n) for n in self.not_applicable],
            "exempted": [asdict(e) for e in self.exempted],
        }


def _struct(values: Mapping[str, Any]) -> struct_pb2.Struct:
    struct = struct_pb2.Struct()
    struct.update(values)
    return struct


def _root(synthesis: Synthesis) -> RecordedResource:
    name = f"{synthesis.project}-{synthesis.stack}"
    urn = f"urn:pulumi:{synthesis.stack}::{synthesis.project}::{ROOT_STACK_TYPE}::{name}"
    return RecordedResource(ROOT_STACK_TYPE, name, urn, "", False, "", [], {}, {}, synthesis.stack_outputs)


def run_policies(
    synthesis: Synthesis, policy_config: Mapping[str, Any] | None = None, pack: LoadedPack | None = None
) -> PolicyReport:
    """Run the pack (loaded fresh from ``policies/`` unless given) over a synthesized stack."""
    pack = pack or load_pack()
    settings = reconcile(pack, policy_config)
    servicer = pack.servicer
    report = PolicyReport(
        pack=pack.label,
        project=synthesis.project,
        stack=synthesis.stack,
        resources=list(synthesis.resources),
        policies={name: s.level for name, s in settings.items()},
        descriptions={name: meta.description for name, meta in pack.policies.items()},
    )
    everything = [_root(synthesis), *synthesis.resources]
    by_urn = {r.urn: r for r in everything}
    started = time.perf_counter()
    with runtime_variables_hidden():
        servicer.Configure(
            proto.ConfigureAnalyzerRequest(
                policyConfig={
                    name: proto.PolicyConfig(enforcementLevel=LEVEL_VALUES[s.level], properties=_struct(s.properties))
                    for name, s in settings.items()
                }
            ),
            None,
        )
        servicer.ConfigureStack(
            proto.AnalyzerStackConfigureRequest(stack=synthesis.stack, project=synthesis.project, dry_run=True), None
        )
        for res in everything:
            request = proto.AnalyzeRequest(
                type=res.type,
                properties=_struct(res.inputs),
                urn=res.urn,
                name=res.name,
                options=proto.AnalyzerResourceOptions(parent=res.parent),
            )
            _collect(report, servicer.Analyze(request, None), by_urn, analyzed=res)
        stack_request = proto.AnalyzeStackRequest(
            resources=[
                proto.AnalyzerResource(
                    type=res.type,
                    properties=_struct(res.outputs),
                    urn=res.urn,
                    name=res.name,
                    options=proto.AnalyzerResourceOptions(parent=res.parent),
                    parent=res.parent,
                    dependencies=res.dependencies,
                    propertyDependencies={
                        key: proto.AnalyzerPropertyDependencies(urns=urns)
                        for key, urns in res.property_dependencies.items()
                    },
                )
                for res in everything
            ]
        )
        _collect(report, servicer.AnalyzeStack(stack_request, None), by_urn, analyzed=None)
    report.seconds = time.perf_counter() - started
    return report


def _collect(
    report: PolicyReport, response: Any, by_urn: Mapping[str, RecordedResource], analyzed: RecordedResource | None
) -> None:
    """File each diagnostic as the CLI does: under the analyzed resource (Analyze), else under the resource it
    names, else under the root stack (AnalyzeStack)."""
    root = next(iter(by_urn.values()))

    def subject(urn: str) -> RecordedResource:
        return analyzed or by_urn.get(urn, root)

    for diagnostic in response.diagnostics:
        res = subject(diagnostic.urn)
        message = _specific(diagnostic.message, diagnostic.description)
        exempted = EXEMPTION_RE.match(message) if diagnostic.policyName == EXEMPTIONS_POLICY else None
        if exempted:
            report.exempted.append(
                Exempted(exempted["rule"], res.urn, res.type, res.name, exempted["reason"], exempted["source"])
            )
        else:
            level = LEVELS[diagnostic.enforcementLevel]
            report.diagnostics.append(Diagnostic(diagnostic.policyName, level, res.urn, res.type, res.name, message))
    for skipped in response.not_applicable:
        # A stack rule lists each resource it could not evaluate on its own line.
        for line in skipped.reason.splitlines() or [""]:
            found = NOT_EVALUATED_RE.match(line)
            res = subject(found["urn"] if found else "")
            report.not_applicable.append(NotApplicable(skipped.policy_name, res.urn, res.type, res.name, line))


def _specific(message: str, description: str) -> str:
    """pulumi_policy prefixes every message with the policy's description; the report keeps them apart."""
    prefix = description + "\n"
    return message[len(prefix) :] if message.startswith(prefix) else message
