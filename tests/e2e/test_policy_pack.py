"""The policy pack in the local cloud's deploy (``--policy-config``), as ``pulumi up --policy-pack`` runs it: the
emulator creates each resource with the remediated inputs, a mandatory violation fails the deploy, and without
a ``remediate`` level the emulator holds what the program declared."""

from __future__ import annotations

import json
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from pulumi_wasp.localcloud.deploy import Deployment, deploy
from pulumi_wasp.localcloud.emulator import Emulator
from pulumi_wasp.preview import PolicySession, load_pack
from tests.e2e.conftest import localcloud

REMEDIATED = Path(__file__).resolve().parent / "programs" / "remediated"
REMEDIATE = {
    "lambda-tracing-active": "remediate",
    "log-group-retention": {"enforcementLevel": "remediate", "remediation_days": 90},
    "required-tags": {"enforcementLevel": "remediate", "tags": ["team"], "values": {"team": "orders"}},
}
#: A deploy of five resources, and a stop: a command still running after this did not stop.
RUN_SECONDS = 120


@dataclass(frozen=True)
class Deployed:
    """What one deploy left in the emulator (read before it stopped: one emulator per process at a time)."""

    deployment: Deployment
    function: dict[str, Any]
    log_group: dict[str, Any]


def deployed(config: dict[str, Any], stack: str = "dev") -> Deployed:
    with Emulator("us-east-1") as emulator:
        deployment = deploy(REMEDIATED, stack, emulator, policies=PolicySession(load_pack(), config, dry_run=False))
        function = emulator.client("lambda").get_function(FunctionName=deployment.outputs["function_name"])
        groups = emulator.client("logs").describe_log_groups(logGroupNamePrefix=deployment.outputs["log_group_name"])
        return Deployed(deployment, function, groups["logGroups"][0])


@pytest.fixture(scope="module")
def remediated() -> Deployed:
    return deployed(REMEDIATE)


def test_the_emulator_runs_the_function_with_the_remediated_tracing(remediated: Deployed) -> None:
    assert remediated.function["Configuration"]["TracingConfig"]["Mode"] == "Active"


def test_the_log_group_is_created_with_the_remediated_retention(remediated: Deployed) -> None:
    assert remediated.log_group["retentionInDays"] == 90


def test_the_missing_tag_is_deployed(remediated: Deployed) -> None:
    assert remediated.function["Tags"]["team"] == "orders"


def test_the_deployments_records_and_report_hold_the_remediations(remediated: Deployed) -> None:
    deployment = remediated.deployment
    record = deployment.synthesis.named("untraced-function", "aws:lambda/function:Function")
    assert record.inputs["tracingConfig"] == {"mode": "Active"}
    assert deployment.policy_report is not None and deployment.policy_report.mandatory == []
    policies = {(r.policy, r.name) for r in deployment.policy_report.remediations}
    assert {("lambda-tracing-active", "untraced-function"), ("log-group-retention", "audit")} <= policies


def test_without_remediate_the_emulator_holds_what_the_program_declared() -> None:
    declared = deployed({"required-tags": {"tags": ["team"], "values": {"team": "orders"}}}, stack="plain")
    assert declared.deployment.policy_report is not None
    assert declared.deployment.policy_report.remediations == []
    assert declared.function["Configuration"]["TracingConfig"]["Mode"] == "PassThrough"
    assert "team" not in declared.function["Tags"]
    assert "retentionInDays" not in declared.log_group


def run_with(config: dict[str, Any], state: Path) -> subprocess.CompletedProcess[str]:
    path = state / "policy-config.json"
    state.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(config))
    return localcloud(REMEDIATED, state / "state", "run", "--policy-config", str(path), timeout=RUN_SECONDS)


def test_run_deploys_the_remediations_and_lists_them(tmp_path: Path) -> None:
    done = run_with(REMEDIATE, tmp_path)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "remediated by lambda-tracing-active: untraced-function (aws:lambda/function:Function)" in done.stdout
    assert 'deployed with tracingConfig={"mode": "Active"}' in done.stdout


def test_run_fails_the_deploy_on_a_mandatory_violation_naming_it(tmp_path: Path) -> None:
    done = run_with({}, tmp_path)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "✗ deploy" in done.stdout
    assert "lambda-tracing-active: untraced-function (aws:lambda/function:Function)" in done.stdout
    assert done.stdout.splitlines()[-1].startswith("Result: FAILED · the policy pack refused the stack")
