"""Every policy publishes a severity, its README anchor and its Well-Architected pillar as the compliance
framework, as the CLI reads them (GetAnalyzerInfo)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from pulumi_wasp.policies import RULES, Rule, compose
from pulumi_wasp.policies.common import MANDATORY
from pulumi_wasp.policies.metadata import (
    FRAMEWORK_NAME,
    FRAMEWORK_SPECIFICATION,
    PILLARS,
    README_URL,
    SEVERITIES,
    MetadataError,
    framework,
)
from pulumi_wasp.preview import load_pack
from pulumi_wasp.preview.pack import PolicyMeta

README = Path(__file__).resolve().parents[2] / "policies" / "README.md"
POLICIES = list(load_pack().policies.values())


def readme_anchors() -> set[str]:
    text = README.read_text()
    explicit = set(re.findall(r'<a id="([a-z0-9-]+)"></a>', text))
    headings = {re.sub(r"[^a-z0-9 -]", "", h.lower()).replace(" ", "-") for h in re.findall(r"^#+ (.+)$", text, re.M)}
    return explicit | headings


def readme_row(name: str) -> list[str]:
    (row,) = re.findall(rf'^\| <a id="{name}"></a>`{name}` \|.*$', README.read_text(), re.M)
    return [cell.strip() for cell in row.strip("|").split(" | ")]


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_has_a_severity(policy: PolicyMeta) -> None:
    assert policy.severity in ("low", "medium", "high", "critical")


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_links_to_its_anchor_in_the_pack_readme(policy: PolicyMeta) -> None:
    assert policy.url == f"{README_URL}#{policy.name}"
    assert policy.name in readme_anchors()


@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: p.name)
def test_every_policy_names_the_serverless_lens_and_its_pillar(policy: PolicyMeta) -> None:
    (pillar,) = policy.tags
    assert (policy.framework.name, policy.framework.reference) == (FRAMEWORK_NAME, PILLARS[pillar])
    assert policy.framework.specification == FRAMEWORK_SPECIFICATION


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.name)
def test_the_readme_row_shows_the_level_severity_and_remediation_of_every_rule(rule: Rule) -> None:
    cells = readme_row(rule.name)
    assert cells[1:5] == [rule.kind, rule.level.value, SEVERITIES[rule.name].value, "yes" if rule.remediate else ""]


def test_the_severity_mapping_names_only_policies_of_the_pack() -> None:
    assert set(SEVERITIES) == {policy.name for policy in POLICIES}


def test_a_rule_without_a_severity_is_refused() -> None:
    rule = Rule("no-such-rule", "d", MANDATORY, frozenset(), "f", "security", "", check=lambda res, config: [])
    with pytest.raises(MetadataError, match="'no-such-rule' has no severity"):
        compose([rule])


def test_an_unknown_pillar_is_refused() -> None:
    with pytest.raises(MetadataError, match="'speed' is not a Well-Architected pillar"):
        framework("speed")
