"""The CI workflow template (docs/ci/pulumi.yml): preview with the pack on pull requests, up on main, AWS
credentials from an OIDC role, the Pulumi token from a secret."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

WORKFLOW = Path(__file__).resolve().parents[2] / "docs" / "ci" / "pulumi.yml"


@pytest.fixture(scope="module")
def workflow() -> dict[str, Any]:
    return yaml.safe_load(WORKFLOW.read_text())


def triggers(workflow: dict[str, Any]) -> dict[str, Any]:
    # YAML 1.1 reads the bare key `on` as the boolean true.
    return workflow.get("on", workflow.get(True))


def run_lines(job: dict[str, Any]) -> str:
    return "\n".join(step.get("run", "") for step in job["steps"])


def step_using(job: dict[str, Any], action: str) -> dict[str, Any]:
    (step,) = [step for step in job["steps"] if step.get("uses", "").startswith(f"{action}@")]
    return step


def test_it_runs_on_pull_requests_and_pushes_to_main(workflow):
    assert triggers(workflow) == {"pull_request": {"branches": ["main"]}, "push": {"branches": ["main"]}}


def test_the_workflow_token_is_read_only_by_default(workflow):
    assert workflow["permissions"] == {"contents": "read"}


def test_pull_requests_get_a_preview_with_the_policy_pack(workflow):
    preview = workflow["jobs"]["preview"]
    assert preview["if"] == "github.event_name == 'pull_request'"
    assert "pulumi preview" in run_lines(preview)
    assert '--policy-pack "$POLICY_PACK" --policy-pack-config "$POLICY_PACK_CONFIG"' in run_lines(preview)


def test_main_gets_pulumi_up_with_the_same_pack(workflow):
    up = workflow["jobs"]["up"]
    assert up["if"] == "github.event_name == 'push' && github.ref == 'refs/heads/main'"
    assert "pulumi up" in run_lines(up) and "--yes" in run_lines(up)
    assert '--policy-pack "$POLICY_PACK"' in run_lines(up)
    assert up["concurrency"]["cancel-in-progress"] is False


@pytest.mark.parametrize("job", ["preview", "up"])
def test_aws_credentials_come_from_an_oidc_role(workflow, job):
    steps = workflow["jobs"][job]
    assert steps["permissions"]["id-token"] == "write"
    assert (
        step_using(steps, "aws-actions/configure-aws-credentials")["with"]["role-to-assume"]
        == "${{ vars.AWS_ROLE_ARN }}"
    )


def test_no_long_lived_aws_keys_are_used():
    text = WORKFLOW.read_text()
    assert ("AWS_ACCESS_KEY_ID" not in text, "aws-secret-access-key" not in text) == (True, True)


@pytest.mark.parametrize("job", ["preview", "up"])
def test_the_pulumi_token_comes_from_a_secret(workflow, job):
    pulumi_steps = [step for step in workflow["jobs"][job]["steps"] if "pulumi " in step.get("run", "")]
    assert [step["env"]["PULUMI_ACCESS_TOKEN"] for step in pulumi_steps] == ["${{ secrets.PULUMI_ACCESS_TOKEN }}"]


def test_the_pack_named_is_the_repositorys_pack_directory(workflow):
    root = WORKFLOW.parents[2]
    assert (root / workflow["env"]["POLICY_PACK"] / "PulumiPolicy.yaml").is_file()
    assert (root / workflow["env"]["POLICY_PACK_CONFIG"]).is_file()
