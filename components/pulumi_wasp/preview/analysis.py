"""Drive the pack's analyzer with the requests the CLI sends, and collect what the CLI would show.

The CLI sends: Configure (the reconciled pack config), ConfigureStack, for each resource as it registers
(root stack, components and custom resources alike: the engine does not filter) a Remediate then an Analyze of
its inputs, before the provider creates it, then one AnalyzeStack with every resource's outputs, parent,
dependencies and property dependencies. A :class:`PolicySession` plugged into the synthesis engine does the
same at the same points: a remediation's inputs replace the program's before the mocks (the fake cloud, the
local cloud's emulator) create the resource, so its records, outputs, Analyze and the AnalyzeStack all see
them, as ``pulumi up`` would deploy them. Remediate is only sent when some policy's level is ``remediate``:
otherwise every policy declines it. :func:`run_policies` replays a finished synthesis (analysis only).
"""

from __future__ import annotations

import contextlib
import dataclasses
import threading
import time
from collections.abc import Iterator, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

from google.protobuf import struct_pb2
from pulumi.runtime import proto

from pulumi_wasp.adapters.pulumi_policy import runtime_variables_hidden
from pulumi_wasp.policies.common import EXEMPTION_RE, EXEMPTIONS_POLICY, NOT_EVALUATED_RE
from pulumi_wasp.preview.config import ConfigError, reconcile
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
    #: The time spent in the pack: configuring it, each resource's Remediate and Analyze, the stack's AnalyzeStack.
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


class RemediationTooLateError(ConfigError):
    """A ``remediate`` level given for a stack already synthesized: its resources exist as the program made them."""


class PolicySession:
    """One run of the pack over one stack, in the engine's order: plugged into the synthesis engine as its
    :class:`~pulumi_wasp.synthesis.Analyzer` (``synthesize(..., analyzer=session)``), it remediates and analyzes
    each resource as it registers, before the mocks create it; :meth:`finish` then runs the stack policies.

    ``policy_config`` is reconciled up front: an invalid one raises :class:`ConfigError` before any program runs.
    """

    def __init__(
        self,
        pack: LoadedPack | None = None,
        policy_config: Mapping[str, Any] | None = None,
        *,
        dry_run: bool = True,
    ) -> None:
        self.pack = pack or load_pack()
        #: What ConfigureStack tells the pack: a preview (the default), or a deploy (the local cloud's).
        self.dry_run = dry_run
        self.settings = reconcile(self.pack, policy_config)
        #: Remediate is only sent when some policy's level is ``remediate``: otherwise every policy declines it.
        self.remediating = sorted(name for name, s in self.settings.items() if s.level == "remediate")
        self.report = self._empty_report("", "")
        self._lock = threading.Lock()

    def _empty_report(self, project: str, stack: str) -> PolicyReport:
        return PolicyReport(
            pack=self.pack.label,
            project=project,
            stack=stack,
            resources=[],
            policies={name: s.level for name, s in self.settings.items()},
            descriptions={name: meta.description for name, meta in self.pack.policies.items()},
            metadata=dict(self.pack.policies),
        )

    @contextlib.contextmanager
    def _calling(self) -> Iterator[None]:
        """One call into the analyzer: serialized (registrations arrive on several threads) and timed."""
        with self._lock, runtime_variables_hidden():
            started = time.perf_counter()
            try:
                yield
            finally:
                self.report.seconds += time.perf_counter() - started

    @property
    def seconds(self) -> float:
        """The time spent in the pack for this stack so far (the report's ``seconds``)."""
        return self.report.seconds

    def begin(self, project: str, stack: str) -> None:
        """Configure the analyzer with the reconciled config, then for this stack."""
        self.report = self._empty_report(project, stack)
        servicer = self.pack.servicer
        with self._calling():
            servicer.Configure(
                proto.ConfigureAnalyzerRequest(
                    policyConfig={
                        name: proto.PolicyConfig(
                            enforcementLevel=LEVEL_VALUES[s.level], properties=_struct(s.properties)
                        )
                        for name, s in self.settings.items()
                    }
                ),
                None,
            )
            servicer.ConfigureStack(
                proto.AnalyzerStackConfigureRequest(stack=stack, project=project, dry_run=self.dry_run), None
            )

    def register(self, resource: RecordedResource) -> dict[str, Any]:
        """Remediate (when some policy remediates), then Analyze ``resource``; the inputs it is created with."""
        request = proto.AnalyzeRequest(
            type=resource.type,
            properties=_struct(resource.inputs),
            urn=resource.urn,
            name=resource.name,
            options=proto.AnalyzerResourceOptions(parent=resource.parent),
        )
        servicer = self.pack.servicer
        with self._calling():
            inputs = resource.inputs
            if self.remediating:
                inputs = _remediate(self.report, servicer.Remediate(request, None), resource)
                if inputs is not resource.inputs:
                    resource = dataclasses.replace(resource, inputs=inputs)
                    request.properties.CopyFrom(_struct(inputs))
            _collect(self.report, servicer.Analyze(request, None), {resource.urn: resource}, analyzed=resource)
        return inputs

    def finish(self, synthesis: Synthesis) -> PolicyReport:
        """AnalyzeStack over every resource's outputs, parent and dependencies, after the program ran; the report."""
        everything = [_root(synthesis), *synthesis.resources]
        by_urn = {r.urn: r for r in everything}
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
        with self._calling():
            _collect(self.report, self.pack.servicer.AnalyzeStack(stack_request, None), by_urn, analyzed=None)
        self.report.resources = list(synthesis.resources)
        # Stack policies are never asked to remediate (pulumi_policy remediates one resource at a time).
        self.report.unremediable |= {name for name in self.remediating if self.pack.policies[name].kind == "stack"}
        return self.report


def run_policies(
    synthesis: Synthesis, policy_config: Mapping[str, Any] | None = None, pack: LoadedPack | None = None
) -> PolicyReport:
    """Run the pack (loaded fresh from ``policies/`` unless given) over a synthesized stack: each resource's
    inputs as they were registered, then the stack.

    A config setting some policy to ``remediate`` raises :class:`RemediationTooLateError`: a remediation changes
    the inputs a resource is created with, so the pack must run while the program registers them (a
    :class:`PolicySession` as the synthesis' analyzer).
    """
    session = PolicySession(pack, policy_config)
    if session.remediating:
        raise RemediationTooLateError(
            f"{', '.join(session.remediating)}: enforcementLevel remediate changes the inputs each resource is "
            "created with, so the pack must run as the program registers them, not over a finished synthesis: "
            "synthesize(..., analyzer=PolicySession(pack, policy_config)), or the test harness's "
            "synthesize(..., policy_config=...)"
        )
    session.begin(synthesis.project, synthesis.stack)
    for res in [_root(synthesis), *synthesis.resources]:
        session.register(res)
    return session.finish(synthesis)


def _remediate(report: PolicyReport, response: Any, res: RecordedResource) -> dict[str, Any]:
    """``res``'s inputs after each remediation (in the pack's order, each seeing the previous one's); its own
    inputs object when none changed anything."""
    inputs = res.inputs
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
        remediated = wire(remediation.properties)
        changes = {key: value for key, value in remediated.items() if inputs.get(key) != value}
        removed = [key for key in inputs if key not in remediated]
        if not changes and not removed:
            continue
        report.remediations.append(Remediation(remediation.policyName, res.urn, res.type, res.name, changes))
        inputs = remediated
    return inputs


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
