"""Drive the pack's analyzer with the requests the CLI sends, and collect what the CLI would show.

The CLI sends, for a preview: Configure (the reconciled pack config), ConfigureStack, for each registered
resource (root stack, components and custom resources alike: the engine does not filter) a Remediate then an
Analyze of its inputs, then one AnalyzeStack with every resource's outputs, parent, dependencies and property
dependencies. A remediation's inputs replace the resource's for what follows (its Analyze, the AnalyzeStack,
the report's records), as the engine would deploy them; the keys it changes are merged into the outputs
too (a provider echoes its inputs). Remediate is only sent when some policy's level is ``remediate``:
otherwise every policy declines it.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto

from pulumi_wasp.adapters.pulumi_policy import runtime_variables_hidden
from pulumi_wasp.policies.common import EXEMPTION_RE, EXEMPTIONS_POLICY, NOT_EVALUATED_RE
from pulumi_wasp.preview.config import reconcile
from pulumi_wasp.preview.pack import LEVEL_VALUES, LEVELS, SEVERITIES, LoadedPack, PolicyMeta, load_pack
from pulumi_wasp.synthesis import RecordedResource, Synthesis
from pulumi_wasp.synthesis.recording import wire

ROOT_STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class Diagnostic:
    policy: str
    level: str
    urn: str
    type: str
    name: str
    message: str
    #: The policy's severity (low, medium, high, critical) and documentation URL, as the CLI shows them.
    severity: str = ""
    url: str = ""


@dataclass(frozen=True)
class Remediation:
    """A policy at level ``remediate`` rewrote a resource's inputs: ``changes`` holds the new values."""

    policy: str
    urn: str
    type: str
    name: str
    changes: dict[str, Any]


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
    remediations: list[Remediation] = field(default_factory=list)
    metadata: dict[str, PolicyMeta] = field(default_factory=dict)
    #: Policies configured to ``remediate`` that have no remediation: the CLI enforces them as mandatory.
    unremediable: set[str] = field(default_factory=set)
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
            "remediations": [asdict(r) for r in self.remediations],
            "policies": {
                name: {
                    "level": level,
                    "severity": self.metadata[name].severity,
                    "url": self.metadata[name].url,
                    "framework": asdict(self.metadata[name].framework),
                    "tags": list(self.metadata[name].tags),
                }
                for name, level in self.policies.items()
            },
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
        metadata=dict(pack.policies),
    )
    remediating = any(s.level == "remediate" for s in settings.values())
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
        for index, res in enumerate(everything):
            request = proto.AnalyzeRequest(
                type=res.type,
                properties=_struct(res.inputs),
                urn=res.urn,
                name=res.name,
                options=proto.AnalyzerResourceOptions(parent=res.parent),
            )
            if remediating:
                remediated = _remediate(report, servicer.Remediate(request, None), res)
                if remediated is not res:
                    res = everything[index] = by_urn[res.urn] = remediated
                    request.properties.CopyFrom(_struct(res.inputs))
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
    report.resources = everything[1:]
    # Stack policies are never asked to remediate (pulumi_policy remediates one resource at a time).
    report.unremediable |= {
        name for name, s in settings.items() if s.level == "remediate" and pack.policies[name].kind == "stack"
    }
    return report


def _remediate(report: PolicyReport, response: Any, res: RecordedResource) -> RecordedResource:
    """``res`` with each remediation's inputs (in the pack's order, each seeing the previous one's)."""
    for skipped in response.not_applicable:
        if skipped.reason.startswith("not evaluated"):
            report.not_applicable.append(
                NotApplicable(skipped.policy_name, res.urn, res.type, res.name, skipped.reason)
            )
        else:  # pulumi_policy's "Policy does not implement remediate"
            report.unremediable.add(skipped.policy_name)
    for remediation in response.remediations:
        if remediation.diagnostic:
            # pulumi_policy's own words for a remediation it could not run (an unknown value during preview).
            message = remediation.diagnostic
            report.not_applicable.append(NotApplicable(remediation.policyName, res.urn, res.type, res.name, message))
            continue
        inputs = wire(remediation.properties)
        changes = {key: value for key, value in inputs.items() if res.inputs.get(key) != value}
        removed = [key for key in res.inputs if key not in inputs]
        if not changes and not removed:
            continue
        report.remediations.append(Remediation(remediation.policyName, res.urn, res.type, res.name, changes))
        outputs = {key: value for key, value in res.outputs.items() if key not in removed}
        res = dataclasses.replace(res, inputs=inputs, outputs={**outputs, **changes})
    return res


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
            meta = report.metadata.get(diagnostic.policyName)
            report.diagnostics.append(
                Diagnostic(
                    diagnostic.policyName,
                    level,
                    res.urn,
                    res.type,
                    res.name,
                    message,
                    severity=SEVERITIES.get(diagnostic.severity, ""),
                    url=meta.url if meta else "",
                )
            )
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
