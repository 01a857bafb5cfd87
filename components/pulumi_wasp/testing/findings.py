"""What the policy pack found in a synthesized stack, to assert on by policy, resource and level."""

from __future__ import annotations

from typing import TYPE_CHECKING

from pulumi_wasp.preview.analysis import Diagnostic, Exempted, NotApplicable, PolicyReport
from pulumi_wasp.preview.render import render
from pulumi_wasp.testing.errors import not_found
from pulumi_wasp.testing.resource import Resource

if TYPE_CHECKING:
    from pulumi_wasp.testing.stack import SynthesizedStack

LEVELS = ("mandatory", "advisory", "remediate")


class PolicyFindings:
    """The findings of one run of the packaged policy pack (:meth:`SynthesizedStack.preview`).

    Policy and resource names are checked against the pack and the stack, so a misspelt one raises
    :class:`~pulumi_wasp.testing.NotFoundError` instead of finding nothing.

    Example::

        findings = stack.preview({"required-tags": {"tags": ["team"]}})
        assert not findings.mandatory, findings
        [pitr] = findings.of("dynamodb-pitr", resource="sessions-table")
        assert pitr.level == "advisory"
    """

    def __init__(self, report: PolicyReport, stack: SynthesizedStack) -> None:
        #: The preview's own report (what ``wasp preview --json`` prints).
        self.report = report
        self._stack = stack

    @property
    def diagnostics(self) -> list[Diagnostic]:
        """Every violation, mandatory and advisory alike, in the order the pack reported them."""
        return list(self.report.diagnostics)

    @property
    def mandatory(self) -> list[Diagnostic]:
        """The violations that would fail ``pulumi preview`` and ``pulumi up``."""
        return self.of(level="mandatory")

    @property
    def advisory(self) -> list[Diagnostic]:
        """The violations the CLI reports as warnings."""
        return self.of(level="advisory")

    @property
    def exempted(self) -> list[Exempted]:
        """Violations an exemption waived, each with its reason and where it was declared."""
        return list(self.report.exempted)

    @property
    def not_evaluated(self) -> list[NotApplicable]:
        """Checks that could not run because a value stays unknown until the resources exist."""
        return list(self.report.not_evaluated)

    @property
    def passed(self) -> bool:
        """True when no mandatory policy is violated (``pulumi preview`` would succeed)."""
        return not self.mandatory

    def of(
        self, policy: str | None = None, *, resource: Resource | str | None = None, level: str | None = None
    ) -> list[Diagnostic]:
        """The violations of ``policy`` on ``resource`` (a resource or a logical name) at ``level``; each
        filter is optional. A policy the pack does not have, a name the stack does not have or a level that
        does not exist raises instead of matching nothing."""
        if policy is not None and policy not in self.report.policies:
            raise not_found("policy", policy, self.report.policies, where=f"in {self.report.pack}")
        if level is not None and level not in LEVELS:
            raise ValueError(f"level {level!r} is not one of {', '.join(LEVELS)}")
        urns = self._urns(resource) if resource is not None else None
        return [
            d
            for d in self.report.diagnostics
            if (policy is None or d.policy == policy)
            and (level is None or d.level == level)
            and (urns is None or d.urn in urns)
        ]

    def _urns(self, resource: Resource | str) -> set[str]:
        if isinstance(resource, Resource):
            return {self._stack.by_urn(resource.urn).urn}
        root = self.report.project + "-" + self.report.stack
        names = {res.name for res in self._stack} | {root}
        if resource not in names:
            raise not_found("resource named", resource, names, where=f"in {self.report.project}/{self.report.stack}")
        if resource == root:
            return {d.urn for d in self.report.diagnostics if d.name == root}
        return {res.urn for res in self._stack if res.name == resource}

    def __str__(self) -> str:
        """The report as the CLI's policy section prints it: a readable assertion message."""
        return render(self.report)
