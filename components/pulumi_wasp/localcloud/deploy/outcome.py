"""Whether a deploy succeeded, decided here and nowhere else.

A deploy succeeded when every custom resource of the program was created in the emulator,
except those whose type is on :data:`NOT_EMULATED` (each with the reason the emulator cannot
hold it). Anything else not created is a :class:`Failure`: the deploy line shows ✗, ``run``
and ``serve`` stop before any flow runs or any endpoint is published, and the command exits 1.
A resource that failed because a resource it depends on was not created names that resource
as its cause instead of its own (secondary) error. With the policy pack in the deploy
(``--policy-config``), a mandatory violation fails it too (:class:`PolicyViolationError`), as
``pulumi up --policy-pack`` refuses the resource.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from pulumi_wasp.localcloud.deploy.registry import Registry, Skipped
from pulumi_wasp.synthesis import Synthesis
from pulumi_wasp.wording import counted

if TYPE_CHECKING:
    from pulumi_wasp.preview.analysis import PolicyReport

#: The only types a deploy may leave out: type token → why the emulator cannot create them.
NOT_EMULATED: dict[str, str] = {
    "aws:schemas/registry:Registry": (
        "moto has no EventBridge Schemas service; the registry only documents event shapes, nothing at run time reads it"
    ),
    "aws:schemas/schema:Schema": (
        "moto has no EventBridge Schemas service; a schema only documents an event shape, nothing at run time reads it"
    ),
    "aws:lambda/provisionedConcurrencyConfig:ProvisionedConcurrencyConfig": (
        "moto's Lambda has no provisioned-concurrency API; the local runtime keeps warm workers for every function"
    ),
    **dict.fromkeys(
        (
            "aws:codedeploy/application:Application",
            "aws:codedeploy/deploymentGroup:DeploymentGroup",
            "aws:codedeploy/deploymentConfig:DeploymentConfig",
        ),
        "moto's CodeDeploy deployments never leave Created; the local cloud moves a function's alias to a new "
        "version itself (LambdaDeployment), so nothing would run this configuration",
    ),
}


@dataclass(frozen=True)
class Failure:
    """A resource of the program the emulator does not have, and why."""

    type: str
    name: str
    error: str
    #: "<type> <name>" of the failed resource it depends on, when that is why it was not created.
    cause: str | None = None

    @property
    def label(self) -> str:
        return f"{self.type} {self.name}"


@dataclass(frozen=True)
class DeployOutcome:
    """What one deploy created, what it left out by design, and what failed."""

    created: int
    #: Not created, each of a type on :data:`NOT_EMULATED`, with its reason.
    not_emulated: list[Skipped] = field(default_factory=list)
    #: Created with a change the emulator needs, the reason saying which.
    adjusted: list[Skipped] = field(default_factory=list)
    #: Every other resource not created, in registration order (causes before dependents).
    failures: list[Failure] = field(default_factory=list)

    @property
    def succeeded(self) -> bool:
        """True when every resource was created but the allow-listed types of :data:`NOT_EMULATED`."""
        return not self.failures

    @property
    def summary(self) -> str:
        """The deploy line's detail: counts of created, allow-listed and failed resources."""
        parts = [f"{counted(self.created, 'AWS resource')} created", f"{len(self.not_emulated)} not emulated"]
        if self.failures:
            dependents = sum(1 for failure in self.failures if failure.cause)
            parts.append(f"{len(self.failures) - dependents} failed")
            if dependents:
                parts.append(f"{dependents} not created because of them")
        return ", ".join(parts)


def outcome(synthesis: Synthesis, registry: Registry) -> DeployOutcome:
    """The outcome of the deploy that produced ``synthesis`` into ``registry``.

    A refused resource's cause is found from the dependencies the program declared (inputs and
    ``depends_on``): a bucket refused by the emulator makes its policy, encryption and
    notification fail with NoSuchBucket, and each of those is reported as not created because of
    the bucket."""
    refused = {(entry.type, entry.name): entry.reason for entry in registry.refused}
    root_of: dict[str, str] = {}  # URN of a failed resource → label of the failure that caused it
    failures: list[Failure] = []
    for record in synthesis.resources:
        error = refused.get((record.type, record.name))
        if not record.custom or error is None:
            continue
        label = f"{record.type} {record.name}"
        depends_on = {*record.dependencies, *(urn for urns in record.property_dependencies.values() for urn in urns)}
        causes = sorted({root_of[urn] for urn in depends_on if urn in root_of})
        cause = causes[0] if causes else None
        root_of[record.urn] = cause or label
        failures.append(Failure(record.type, record.name, error, cause))
    return DeployOutcome(sum(registry.created.values()), list(registry.skipped), list(registry.adjusted), failures)


class DeployError(Exception):
    """The deploy did not create every resource of the program (see :func:`outcome`)."""

    def __init__(self, outcome: DeployOutcome) -> None:
        self.outcome = outcome
        listed = "; ".join(f"{f.label}: {f.error}" for f in outcome.failures if f.cause is None)
        super().__init__(f"the deploy failed: {outcome.summary} ({listed})")


class PolicyViolationError(Exception):
    """The policy pack found mandatory violations: ``pulumi up --policy-pack`` refuses such resources, so the
    local deploy fails too (``report`` holds every finding)."""

    def __init__(self, report: PolicyReport) -> None:
        self.report = report
        mandatory = report.mandatory
        names = sorted({f"{d.policy} on {d.name}" for d in mandatory})
        super().__init__(f"{len(mandatory)} mandatory policy violations: {'; '.join(names)}")
