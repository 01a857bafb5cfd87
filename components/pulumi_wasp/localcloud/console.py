"""What a person sees: one line per step and per flow as it finishes (a live line on a terminal
while a step runs), then the report. Logs never come here: they are in .localcloud/logs/."""

from __future__ import annotations

import statistics
import sys
import threading
from collections import Counter
from typing import TYPE_CHECKING, Any, TextIO

from pulumi_wasp.wording import counted

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.deploy.outcome import DeployOutcome
    from pulumi_wasp.localcloud.deploy.registry import Skipped
    from pulumi_wasp.localcloud.scenario import FlowResult
    from pulumi_wasp.preview.analysis import PolicyReport


class Console:
    def __init__(self, out: TextIO = sys.stdout) -> None:
        self._out = out
        self._live = out.isatty()
        self._lock = threading.Lock()
        self._resources = 0

    def line(self, text: str = "") -> None:
        with self._lock:
            if self._live:
                self._out.write("\r\033[K")
            self._out.write(text + "\n")
            self._out.flush()

    def _status(self, text: str) -> None:
        if self._live:
            with self._lock:
                self._out.write("\r\033[K" + text)
                self._out.flush()

    # -- deploy ----------------------------------------------------------------------------------
    def resource(self, type_token: str, name: str, skipped: str | None) -> None:
        self._resources += 1
        self._status(
            f"  … deploy      {counted(self._resources, 'resource')}, last {name} ({type_token.split(':')[1]})"
        )

    def step(self, name: str, seconds: float, detail: str, ok: bool = True) -> None:
        self.line(f"  {'✓' if ok else '✗'} {name:<11} {seconds:6.2f} s  {detail}")

    def not_created(self, skipped: list[Skipped], adjusted: list[Skipped]) -> None:
        """What the emulator does not have as the program declared it: nothing is dropped silently."""
        self._list(f"not created in the emulator, by design ({len(skipped)}):", skipped)
        self._list(f"created with a change ({len(adjusted)}):", adjusted)

    def deploy_failed(self, outcome: DeployOutcome) -> None:
        """Each resource not created, with its type and error, dependents under their cause."""
        self.not_created(outcome.not_emulated, outcome.adjusted)
        roots = [f for f in outcome.failures if f.cause is None]
        self.line(f"  ! not created, failing the deploy ({len(roots)}):")
        for failure in roots:
            self.line(f"      {failure.label}: {failure.error}")
            dependents = sorted(f"{f.name} ({f.type})" for f in outcome.failures if f.cause == failure.label)
            if dependents:
                self.line(f"        {len(dependents)} not created because of it: {', '.join(dependents)}")
        self.line("Result: FAILED · the deploy did not create every resource; nothing runs on a partial stack")

    def policies(self, report: PolicyReport) -> None:
        """The policy pack's verdict on the deploy: each remediation (what was deployed instead of what the
        program declared), then the count of violations by level."""
        from pulumi_wasp.preview.render import as_json

        advisory = sum(1 for d in report.diagnostics if d.level == "advisory")
        self.line(
            f"  policy pack {report.pack}: {counted(len(report.remediations), 'remediation')}, "
            f"{len(report.mandatory)} mandatory, {advisory} advisory (wasp preview lists them)"
        )
        for fixed in report.remediations:
            keys = ", ".join(f"{key}={as_json(value)}" for key, value in fixed.changes.items())
            self.line(f"      remediated by {fixed.policy}: {fixed.name} ({fixed.type}) deployed with {keys}")
        if report.unremediable:
            names = ", ".join(sorted(report.unremediable))
            self.line(f"      configured to remediate but without a remediation (enforced as mandatory): {names}")

    def policy_refused(self, report: PolicyReport) -> None:
        """Each mandatory violation that refused the deploy, as ``pulumi up --policy-pack`` refuses it."""
        self.policies(report)
        self.line(f"  ! mandatory policy violations, failing the deploy ({len(report.mandatory)}):")
        for violation in report.mandatory:
            first, *more = violation.message.splitlines() or [""]
            self.line(f"      {violation.policy}: {first}")
            for line in more:
                self.line(f"        {line}")
        self.line("Result: FAILED · the policy pack refused the stack, as pulumi up --policy-pack would")

    def _list(self, title: str, skipped: list[Skipped]) -> None:
        if not skipped:
            return
        self.line(f"  ! {title}")
        by_type = Counter((s.type, s.reason) for s in skipped)
        for (type_token, reason), count in sorted(by_type.items()):
            names = ", ".join(s.name for s in skipped if s.type == type_token and s.reason == reason)
            self.line(f"      {count} × {type_token}: {reason} [{names}]")

    # -- after the scenario ----------------------------------------------------------------------
    def functions(self, status: dict[str, Any]) -> None:
        used = {name: f for name, f in status["functions"].items() if f["invocations"]}
        inits = [ms for f in used.values() for ms in f["init_ms"]]
        warm = [f["median_duration_ms"] for f in used.values() if f["median_duration_ms"] is not None]
        errors = sum(f["errors"] for f in used.values())
        throttles = sum(f["throttles"] for f in used.values())
        invocations = sum(f["invocations"] for f in used.values())
        self.line("")
        self.line(
            f"Functions: {len(used)} of {len(status['functions'])} ran, {counted(invocations, 'invocation')} "
            f"({counted(errors, 'error')}, {throttles} throttled), {counted(len(inits), 'cold start')}"
            + (f" (init median {statistics.median(inits):.0f} ms, max {max(inits):.0f} ms)" if inits else "")
            + (f", median handler duration {statistics.median(warm):.1f} ms" if warm else "")
        )
        for what, key in (("errors", "errors"), ("throttled", "throttles")):
            where = ", ".join(f"{name} {f[key]}" for name, f in sorted(used.items()) if f[key])
            if where:
                self.line(f"  {what}: {where}")
        if errors or throttles:
            self.line(
                "  (an error is an invocation whose handler raised or timed out, a throttle one refused at the "
                "function's concurrency limit and retried by its caller or source; a passing run has them where "
                "the scenario plants faults, such as a poison message or a declined payment, and where it "
                "pushes load past a limit)"
            )

    def summary(self, failure: str | None, flows: list[FlowResult], seconds: float, logs: str) -> None:
        """The run's last line: its verdict, the flows' tally when the scenario ran named flows, and, when
        it failed, why."""
        counts = Counter(r.status for r in flows)
        parts = [f"{counts[s]} {s}" for s in ("ok", "failed", "skipped") if counts[s]]
        tally = f" · flows {', '.join(parts)}" if parts else ""
        self.line(f"Result: {'FAILED' if failure else 'passed'}{tally} · {seconds:.1f} s in all · logs in {logs}")
        if failure:
            self.line(f"  {failure}")
