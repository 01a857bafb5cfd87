"""What every rule shares: exemptions that are always reported, unknown values, message shape, levels."""

from __future__ import annotations

import pulumi_aws as aws
import pytest

from pulumi_wasp.preview import PolicyReport
from pulumi_wasp.synthesis import Synthesis

from .conftest import TAGS, analyze, flagged, function, synth, unevaluated

SHORT = {**TAGS, "policy-exempt:lambda-arm64": "legacy"}
UNKNOWN_RULE = {**TAGS, "policy-exempt:lambda-arm65": "typo in the policy name, on purpose"}
REASON = "native dependency only built for x86_64"


def program() -> None:
    function("tagged", architectures=None, tags={**TAGS, "policy-exempt:lambda-arm64": REASON})
    function("short-reason", architectures=None, tags=SHORT)
    function("misspelt", architectures=None, tags=UNKNOWN_RULE)
    function("legacy-batch", architectures=None)
    loose = aws.sqs.Queue("loose", tags=TAGS)
    aws.lambda_.EventSourceMapping("drain", event_source_arn=loose.arn, function_name="worker", batch_size=10)


@pytest.fixture(scope="module")
def stack() -> Synthesis:
    return synth(program)


@pytest.fixture(scope="module")
def report(stack: Synthesis) -> PolicyReport:
    return analyze(stack)


def test_a_tag_with_a_reason_exempts_and_the_exemption_is_reported(report: PolicyReport) -> None:
    assert "tagged" not in flagged(report, "lambda-arm64")
    (exemption,) = [e for e in report.exempted if e.name == "tagged"]
    assert (exemption.policy, exemption.reason, exemption.source) == (
        "lambda-arm64",
        REASON,
        "tag policy-exempt:lambda-arm64",
    )


def test_a_reason_shorter_than_ten_characters_exempts_nothing_and_says_so(report: PolicyReport) -> None:
    assert "short-reason" in flagged(report, "lambda-arm64")
    (warning,) = [d for d in report.diagnostics if d.policy == "exemptions" and d.name == "short-reason"]
    assert warning.level == "advisory"
    assert "a reason of at least 10 characters" in warning.message


def test_a_tag_naming_no_policy_is_reported(report: PolicyReport) -> None:
    (warning,) = [d for d in report.diagnostics if d.policy == "exemptions" and d.name == "misspelt"]
    assert "policy-exempt:lambda-arm65 names no policy of this pack" in warning.message


def test_a_config_name_pattern_exempts_matching_resources_with_its_reason(stack: Synthesis) -> None:
    config = {"exemptions": {"lambda-arm64": [{"name_pattern": "^legacy-", "reason": REASON}]}}
    report = analyze(stack, config)
    assert "legacy-batch" not in flagged(report, "lambda-arm64")
    (exemption,) = [e for e in report.exempted if e.name == "legacy-batch"]
    assert exemption.source == "config exemptions.lambda-arm64[0].name_pattern '^legacy-'"


def test_a_config_urn_pattern_exempts_matching_resources(stack: Synthesis) -> None:
    config = {"exemptions": {"sqs-encryption": [{"urn_pattern": r"aws:sqs/queue:Queue::loose$", "reason": REASON}]}}
    report = analyze(stack, config)
    assert "loose" not in flagged(report, "sqs-encryption")


def test_disabling_the_exemptions_policy_turns_every_exemption_off(stack: Synthesis) -> None:
    report = analyze(stack, {"exemptions": "disabled"})
    assert "tagged" in flagged(report, "lambda-arm64")
    assert not report.exempted


def test_messages_name_the_resource_property_found_wanted_and_fix(report: PolicyReport) -> None:
    (diagnostic,) = [d for d in report.diagnostics if d.policy == "sqs-encryption"]
    assert diagnostic.message == (
        "loose (aws:sqs/queue:Queue): sqsManagedSseEnabled / kmsMasterKeyId is not set; "
        "wanted sqsManagedSseEnabled true or a kmsMasterKeyId. Fix: set sqs_managed_sse_enabled=True"
    )


def test_enforcement_levels_are_configurable_for_all_policies(stack: Synthesis) -> None:
    report = analyze(stack, {"all": "advisory"})
    assert report.diagnostics
    assert not report.mandatory


def test_a_disabled_policy_reports_nothing(stack: Synthesis) -> None:
    report = analyze(stack, {"sqs-encryption": "disabled"})
    assert not flagged(report, "sqs-encryption")


def test_unknown_values_are_not_evaluated_rather_than_violations(report: PolicyReport) -> None:
    first_preview = analyze(synth(program, first_deploy=True))
    assert "drain" in flagged(report, "esm-batch-item-failures")
    assert "drain" in unevaluated(first_preview, "esm-batch-item-failures")
    assert "drain" not in flagged(first_preview, "esm-batch-item-failures")
