"""PolicyFindings: the packaged pack's verdict on a synthesized stack, by policy, resource and level."""

from __future__ import annotations

import pytest

from pulumi_wasp.preview import ConfigError
from pulumi_wasp.preview.render import render
from pulumi_wasp.testing import NotFoundError, synthesize
from tests.unit.testing.conftest import SHOP, TABLE


@pytest.fixture(scope="module")
def findings(shop):
    return shop.preview()


def test_the_dev_stack_passes_with_an_advisory_on_the_table_without_recovery(findings, shop):
    assert findings.passed and findings.mandatory == []
    [pitr] = findings.of("dynamodb-pitr")
    assert (pitr.level, pitr.urn) == ("advisory", shop.one(TABLE).urn)


def test_the_prod_stack_has_no_recovery_advisory():
    assert synthesize(SHOP, stack="prod").preview().of("dynamodb-pitr") == []


def test_findings_filter_by_resource_name_or_resource(findings, shop):
    table = shop.one(TABLE)
    assert [d.policy for d in findings.of(resource="orders-table")] == [d.policy for d in findings.of(resource=table)]
    assert {d.name for d in findings.of(resource="orders-table")} == {"orders-table"}


def test_findings_filter_by_level(findings):
    assert findings.advisory == findings.of(level="advisory") == findings.diagnostics
    with pytest.raises(ValueError, match=r"level 'warning' is not one of mandatory, advisory, remediate"):
        findings.of(level="warning")


def test_a_policy_the_pack_does_not_have_is_refused_with_the_closest_names(findings):
    with pytest.raises(NotFoundError, match=r"no policy 'dynamodb-pitr-enabled' in .*closest of \d+: 'dynamodb-pitr'"):
        findings.of("dynamodb-pitr-enabled")


def test_a_resource_name_the_stack_does_not_have_is_refused(findings):
    with pytest.raises(NotFoundError, match=r"no resource named 'orders-tabel' in shop/dev; closest .*'orders-table'"):
        findings.of(resource="orders-tabel")


def test_policy_config_sets_levels_and_properties(shop):
    findings = shop.preview({"dynamodb-pitr": "mandatory", "required-tags": {"tags": ["team"]}})
    assert not findings.passed
    assert [d.name for d in findings.mandatory] == ["orders-table"]
    assert findings.of("required-tags", resource="worker-queue")


def test_bad_policy_config_is_the_previews_config_error(shop):
    with pytest.raises(ConfigError, match=r"dynamodb-pitr: enforcementLevel \"strict\""):
        shop.preview({"dynamodb-pitr": "strict"})


def test_a_first_deploy_reports_what_could_not_be_evaluated():
    findings = synthesize(SHOP, first_deploy=True).preview()
    assert findings.not_evaluated
    assert all(item.reason.startswith("not evaluated") for item in findings.not_evaluated)


def test_the_text_is_the_clis_policy_section(findings):
    assert str(findings) == render(findings.report)
    assert "dynamodb-pitr" in str(findings)


def test_an_exemption_moves_a_finding_to_exempted_with_its_reason(shop):
    reason = "the orders table is rebuilt from the event log, recovery adds nothing"
    findings = shop.preview({"exemptions": {"dynamodb-pitr": [{"name_pattern": "^orders-table$", "reason": reason}]}})
    assert findings.of("dynamodb-pitr") == []
    [exempted] = [e for e in findings.exempted if e.policy == "dynamodb-pitr"]
    assert (exempted.name, exempted.reason) == ("orders-table", reason)
