"""The engine's analyzer hook: a policy pack plugged into synthesis as ``--policy-pack`` plugs one into the
Pulumi engine.

The Pulumi engine sends each registration to its analyzers before the provider creates the resource: first
Remediate (a remediation's inputs replace the program's from then on), then Analyze; the provider creates the
remediated resource and the state keeps the remediated inputs. The recording monitor does the same with an
:class:`Analyzer`: told of the stack before the program runs, then of every registration (the root stack first)
before the mocks create it, and the inputs it returns are the ones the mocks, and so the records, see.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from pulumi_wasp.synthesis.recording import RecordedResource


class Analyzer(Protocol):
    def begin(self, project: str, stack: str) -> None:
        """The stack about to run (the engine's ConfigureStack)."""

    def register(self, resource: RecordedResource) -> dict[str, Any]:
        """The inputs ``resource`` (not yet created: no id, no outputs) is created with, remediated or not."""

    @property
    def seconds(self) -> float:
        """The time spent in the analyzer since :meth:`begin` (what it reports; the program's run time leaves out
        the share spent while the program ran)."""
