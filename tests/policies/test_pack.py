"""The pack as the CLI loads it: its entry point, its manifest, and the catalogue it publishes."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest
import yaml

from pulumi_wasp import __version__
from pulumi_wasp.preview import load_pack
from tests.policies.conftest import served_pack

REPO = Path(__file__).resolve().parents[2]
POLICIES_DIR = REPO / "policies"
R, S = "resource", "stack"
M, A = "mandatory", "advisory"
# The catalogue (name, kind, default level), in the order of the rule tables.
CATALOGUE = [
    ("lambda-tracing-active", R, M),
    ("lambda-reserved-concurrency", R, M),
    ("lambda-explicit-memory", R, A),
    ("lambda-explicit-timeout", R, A),
    ("lambda-supported-runtime", R, M),
    ("lambda-arm64", R, A),
    ("lambda-powertools-service-name", R, A),
    ("lambda-log-retention", S, M),
    ("lambda-async-failure-destination", S, M),
    ("lambda-no-wildcard-iam", S, M),
    ("lambda-permission-source-arn", R, M),
    ("lambda-public-permission", R, M),
    ("lambda-single-principal", S, A),
    ("lambda-error-alarm", S, A),
    ("lambda-function-url-auth", R, M),
    ("lambda-account-concurrency-headroom", S, M),
    ("lambda-alias-invocation", S, M),
    ("lambda-gradual-deployment", S, A),
    ("esm-stream-failure-handling", R, M),
    ("esm-batch-item-failures", R, M),
    ("esm-sqs-visibility-timeout", S, M),
    ("sqs-redrive-policy", S, M),
    ("sqs-encryption", R, M),
    ("sqs-tls-only", S, M),
    ("sqs-dlq-retention", S, A),
    ("sqs-dlq-alarm", S, M),
    ("sns-subscription-redrive", R, M),
    ("sns-encryption", R, A),
    ("sns-tls-only", S, M),
    ("eventbridge-target-dlq", R, M),
    ("eventbridge-target-retry", R, A),
    ("eventbridge-bus-no-public-access", R, M),
    ("eventbridge-bus-archive", S, A),
    ("scheduler-target-dlq", R, M),
    ("sfn-tracing", R, M),
    ("sfn-logging", R, M),
    ("sfn-task-retry", R, A),
    ("sfn-task-timeout", R, A),
    ("sfn-definition-valid", R, M),
    ("apigw-tracing", R, M),
    ("apigw-access-logging", R, M),
    ("apigw-structured-access-logs", R, A),
    ("apigw-default-throttling", S, M),
    ("apigw-execution-logging", R, A),
    ("apigw-lambda-timeout", S, M),
    ("apigw-authorization", R, A),
    ("apigw-request-validation", S, A),
    ("apigw-waf", S, A),
    ("apigwv2-access-logging", R, M),
    ("apigwv2-default-throttling", R, M),
    ("dynamodb-pitr", R, A),
    ("dynamodb-scalable-capacity", S, M),
    ("kinesis-encryption", R, M),
    ("s3-block-public-access", S, M),
    ("s3-tls-only", S, M),
    ("s3-access-logging", S, A),
    ("secret-rotation", S, A),
    ("log-group-retention", R, M),
    ("required-tags", R, A),
    ("kms-key-rotation", R, M),
    ("iam-statements-valid", R, M),
]
CONFIG_KEYS = {
    "lambda-reserved-concurrency": {"max": 1000},
    "lambda-explicit-memory": {"min": 128, "max": 10240},
    "lambda-explicit-timeout": {"max": 900},
    "lambda-log-retention": {"min_days": 7, "max_days": 3653},
    "lambda-account-concurrency-headroom": {"account_limit": 1000},
    "sqs-redrive-policy": {"max_receive_count": 10},
    "dynamodb-scalable-capacity": {"min_target_utilization": 20, "max_target_utilization": 90},
    "lambda-gradual-deployment": {"environments": ["prod", "production"], "environment_tag": "environment"},
    "apigw-waf": {"environments": ["prod", "production"], "environment_tag": "environment"},
    "apigwv2-default-throttling": {"max_rate_limit": 10000, "max_burst_limit": 5000},
    "secret-rotation": {"max_days": 90},
}


def test_the_pack_publishes_the_whole_catalogue_with_kinds_and_levels() -> None:
    pack = load_pack()
    published = [(p.name, p.kind, p.level) for p in pack.policies.values() if p.name != "exemptions"]
    assert published == CATALOGUE


def test_the_exemptions_policy_runs_first_and_is_advisory() -> None:
    first = next(iter(load_pack().policies.values()))
    assert (first.name, first.level) == ("exemptions", "advisory")


@pytest.mark.parametrize(("policy", "defaults"), CONFIG_KEYS.items())
def test_configurable_numbers_have_a_schema_with_the_catalogue_defaults(policy: str, defaults: dict[str, int]) -> None:
    schema = load_pack().policies[policy].properties
    assert {key: spec["default"] for key, spec in schema.items()} == defaults


def test_loading_the_pack_in_process_does_not_serve_or_block() -> None:
    started = time.perf_counter()
    pack = load_pack()
    assert pack.label == f"serverless-well-architected@v{__version__}"
    assert time.perf_counter() - started < 5


def test_the_cli_entry_point_serves_the_pack_from_a_copied_directory(tmp_path: Path) -> None:
    # The CLI runs `python -m pulumi.policy <engine> <pack dir>` in the pack directory and reads the port.
    pack_dir = tmp_path / "my-policies"
    shutil.copytree(POLICIES_DIR, pack_dir, ignore=shutil.ignore_patterns("__pycache__"))
    env = {key: value for key, value in os.environ.items() if key != "PYTHONPATH"}
    name, policies = served_pack(pack_dir, env)
    assert name == "serverless-well-architected"
    assert len(policies) == len(CATALOGUE) + 1


def test_the_manifest_declares_a_python_pack_with_the_package_version() -> None:
    manifest = yaml.safe_load((POLICIES_DIR / "PulumiPolicy.yaml").read_text())
    assert manifest["runtime"]["name"] == "python"
    assert manifest["version"] == __version__


def test_the_pack_requirements_install_the_packaged_rules_under_the_project_pins() -> None:
    lines = [line.split("#")[0].strip() for line in (POLICIES_DIR / "requirements.txt").read_text().splitlines()]
    assert [line for line in lines if line] == ["-e ..[policy]", "-c ../constraints.txt"]
    assert (POLICIES_DIR / ".." / "constraints.txt").resolve().is_file()


def test_the_readme_documents_every_rule() -> None:
    readme = (POLICIES_DIR / "README.md").read_text()
    missing = [name for name, _, _ in CATALOGUE if f"`{name}`" not in readme]
    assert not missing
