"""The report as the CLI's policy section shows it: violations grouped by policy, exemptions, a summary."""

from __future__ import annotations

import json
from itertools import groupby
from typing import Any

from pulumi_wasp.preview.analysis import Diagnostic, PolicyReport
from pulumi_wasp.synthesis.summary import resource_counts

_LEVEL_ORDER = {"mandatory": 0, "remediate": 1, "advisory": 2}


def render(report: PolicyReport) -> str:
    order = {name: index for index, name in enumerate(report.policies)}
    lines = [
        f"Previewing {report.project}/{report.stack} offline: {resource_counts(report.resources)}, "
        f"policy pack {report.pack} ({len(report.policies)} policies)",
        "",
    ]

    def key(d: Diagnostic) -> tuple[int, int, str]:
        return _LEVEL_ORDER.get(d.level, 3), order.get(d.policy, len(order)), d.policy

    if report.diagnostics:
        lines.append("Policy Violations:")
        for (_, _, policy), group in groupby(sorted(report.diagnostics, key=key), key=key):
            found = list(group)
            lines.append(f"    [{found[0].level}]  {policy}  ({len(found)})")
            lines.append(f"    {report.descriptions.get(policy, '')}")
            meta = report.metadata.get(policy)
            if meta:
                pillar = meta.framework.reference or "no pillar"
                lines.append(f"    severity {meta.severity or 'unspecified'} · {pillar} · {meta.url}")
            for diagnostic in found:
                lines.append(f"      - {diagnostic.type}: {diagnostic.name}")
                lines.extend(f"        {text}" for text in diagnostic.message.splitlines())
        lines.append("")
    if report.remediations:
        lines.append("Remediated (the inputs as they would be deployed):")
        for fixed in report.remediations:
            changes = ", ".join(f"{key}={as_json(value)}" for key, value in fixed.changes.items())
            lines.append(f"    {fixed.policy}  {fixed.type}: {fixed.name}")
            lines.append(f"        {changes}")
        lines.append("")
    if report.unremediable:
        names = ", ".join(sorted(report.unremediable))
        lines.append(f"Configured to remediate but without a remediation (enforced as mandatory): {names}")
        lines.append("")
    if report.exempted:
        lines.append("Exempted:")
        for exempted in report.exempted:
            lines.append(f"    {exempted.policy}  {exempted.type}: {exempted.name}")
            lines.append(f"        reason: {exempted.reason} (via {exempted.source})")
        lines.append("")
    if report.not_evaluated:
        lines.append("Not evaluated (values unknown until the resources exist):")
        for item in report.not_evaluated:
            lines.append(f"    {item.policy}  {item.type}: {item.name}")
            lines.append(f"        {item.reason.split('): ', 1)[-1]}")
        lines.append("")
    mandatory = len(report.mandatory)
    advisory = len(report.diagnostics) - mandatory
    verdict = "FAILED: mandatory policies violated" if mandatory else "passed: no mandatory violations"
    lines.append(
        f"Summary: {verdict} — {mandatory} mandatory, {advisory} advisory, {len(report.remediations)} remediated, "
        f"{len(report.exempted)} exempted, "
        f"{len(report.not_evaluated)} not evaluated; policies ran in {report.seconds * 1000:.0f} ms"
    )
    return "\n".join(lines)


def as_json(value: Any) -> str:
    """A value as JSON, whole numbers without the ".0" the wire format gives every number."""

    def whole(item: Any) -> Any:
        if isinstance(item, float) and item.is_integer():
            return int(item)
        if isinstance(item, dict):
            return {key: whole(inner) for key, inner in item.items()}
        if isinstance(item, list):
            return [whole(inner) for inner in item]
        return item

    return json.dumps(whole(value), sort_keys=True)
