"""``wasp preview``: exit codes, text and JSON output, first-deploy unknowns, error messages."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_wasp.cli import main

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures"
COMPLIANT = str(FIXTURES / "compliant")
ANTIPATTERNS = str(FIXTURES / "antipatterns")


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["preview", *args])
    out, err = capsys.readouterr()
    return code, out, err


def write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def program_dir(tmp_path: Path, main_py: str) -> str:
    write(tmp_path / "Pulumi.yaml", "name: scratch\nruntime: python\n")
    write(tmp_path / "Pulumi.dev.yaml", "config:\n  aws:region: us-east-1\n")
    write(tmp_path / "__main__.py", main_py)
    return str(tmp_path)


def test_exits_0_when_no_mandatory_policy_is_violated(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--program", COMPLIANT)
    assert code == 0
    assert "passed: no mandatory violations" in out


def test_exits_1_and_groups_violations_by_policy_when_a_mandatory_policy_is_violated(
    capsys: pytest.CaptureFixture[str],
) -> None:
    code, out, _ = run(capsys, "--program", ANTIPATTERNS)
    assert code == 1
    assert "    [mandatory]  lambda-tracing-active  (1)\n" in out
    assert "      - aws:lambda/function:Function: legacy-fn\n" in out


def test_configured_levels_decide_the_exit_code(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(tmp_path / "levels.json", json.dumps({"all": "advisory"}))
    code, _, _ = run(capsys, "--program", ANTIPATTERNS, "--policy-config", config)
    assert code == 0


def test_json_lists_resources_diagnostics_not_applicable_and_exempted(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(capsys, "--program", ANTIPATTERNS, "--json")
    doc = json.loads(out)
    assert code == 1
    assert set(doc) == {"resources", "diagnostics", "not_applicable", "exempted", "remediations", "policies"}
    assert set(doc["resources"][0]) == {"type", "name", "urn", "parent", "inputs"}
    assert set(doc["diagnostics"][0]) == {"policy", "level", "urn", "type", "name", "message", "severity", "url"}


def test_json_gives_each_finding_its_severity_and_documentation(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--program", ANTIPATTERNS, "--json")
    (finding,) = (d for d in json.loads(out)["diagnostics"] if d["policy"] == "lambda-function-url-auth")
    assert finding["severity"] == "critical"
    assert finding["url"].endswith("/policies/README.md#lambda-function-url-auth")


def test_json_describes_every_policy_in_force(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--program", ANTIPATTERNS, "--json")
    policy = json.loads(out)["policies"]["sqs-tls-only"]
    assert (policy["level"], policy["severity"], policy["tags"]) == ("mandatory", "critical", ["security"])
    assert policy["framework"]["reference"] == "Security"


def test_json_lists_remediations_with_the_inputs_they_set(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(tmp_path / "remediate.json", json.dumps({"lambda-tracing-active": "remediate"}))
    _, out, _ = run(capsys, "--program", ANTIPATTERNS, "--json", "--policy-config", config)
    doc = json.loads(out)
    assert [(r["policy"], r["name"], r["changes"]) for r in doc["remediations"]] == [
        ("lambda-tracing-active", "legacy-fn", {"tracingConfig": {"mode": "Active"}})
    ]
    (legacy,) = (r for r in doc["resources"] if r["name"] == "legacy-fn")
    assert legacy["inputs"]["tracingConfig"] == {"mode": "Active"}


def test_the_text_report_shows_severity_pillar_and_documentation_per_policy(
    capsys: pytest.CaptureFixture[str],
) -> None:
    _, out, _ = run(capsys, "--program", ANTIPATTERNS)
    readme = "https://github.com/pulumi-wasp/pulumi-wasp/blob/main/policies/README.md"
    assert f"    severity critical · Security · {readme}#lambda-function-url-auth\n" in out


def test_the_text_report_lists_remediations(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(tmp_path / "remediate.json", json.dumps({"apigw-tracing": "remediate", "lambda-arm64": "remediate"}))
    _, out, _ = run(capsys, "--program", ANTIPATTERNS, "--policy-config", config)
    assert (
        "Remediated (the inputs as they would be deployed):\n    apigw-tracing  aws:apigateway/stage:Stage: legacy-stage\n"
        in out
    )
    assert "        xrayTracingEnabled=true\n" in out
    assert "Configured to remediate but without a remediation (enforced as mandatory): lambda-arm64\n" in out


def test_first_deploy_leaves_unknown_values_not_evaluated(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--program", ANTIPATTERNS, "--first-deploy", "--json")
    doc = json.loads(out)
    skipped = {(item["policy"], item["urn"]) for item in doc["not_applicable"]}
    violated = {(item["policy"], item["urn"]) for item in doc["diagnostics"]}
    assert skipped
    assert all(item["reason"].startswith("not evaluated") for item in doc["not_applicable"])
    assert not skipped & violated


def test_exempted_resources_are_listed_with_their_reason(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    reason = "the legacy function is retired next quarter"
    config = {"exemptions": {"lambda-tracing-active": [{"name_pattern": "^legacy-fn$", "reason": reason}]}}
    _, out, _ = run(
        capsys, "--program", ANTIPATTERNS, "--policy-config", write(tmp_path / "c.json", json.dumps(config))
    )
    assert "Exempted:\n    lambda-tracing-active  aws:lambda/function:Function: legacy-fn\n" in out
    assert f"reason: {reason}" in out


def test_exits_2_without_a_pulumi_project(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    code, _, err = run(capsys, "--program", str(tmp_path))
    assert code == 2
    assert "no Pulumi.yaml" in err


def test_exits_2_on_an_unknown_stack(capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(capsys, "--program", COMPLIANT, "--stack", "staging")
    assert code == 2
    assert "unknown stack 'staging'" in err


def test_exits_2_with_the_summary_of_an_exception_in_the_program(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    code, _, err = run(capsys, "--program", program_dir(tmp_path, "raise ValueError('no region for orders')\n"))
    assert code == 2
    assert "ValueError: no region for orders" in err


def test_exits_2_on_policy_config_naming_the_policy_and_key(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    config = write(tmp_path / "bad.json", json.dumps({"lambda-reserved-concurrency": {"max": "lots"}}))
    code, _, err = run(capsys, "--program", COMPLIANT, "--policy-config", config)
    assert code == 2
    assert "invalid policy config: lambda-reserved-concurrency: max: 'lots' is not of type 'integer'" in err


def test_exits_2_on_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["preview", "--no-such-flag"])
    assert exit_info.value.code == 2


def test_program_output_does_not_corrupt_json(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    _, out, err = run(capsys, "--program", program_dir(tmp_path, "print('hello from the program')\n"), "--json")
    assert json.loads(out)["resources"] == []
    assert "hello from the program" in err


def test_runs_from_the_command_line() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "pulumi_wasp", "preview", "--program", COMPLIANT],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=Path(__file__).resolve().parents[2],
    )
    assert result.returncode == 0, result.stderr


def test_without_remediate_the_reported_inputs_are_the_programs(capsys: pytest.CaptureFixture[str]) -> None:
    _, out, _ = run(capsys, "--program", ANTIPATTERNS, "--json")
    doc = json.loads(out)
    assert doc["remediations"] == []
    (legacy,) = (r for r in doc["resources"] if r["name"] == "legacy-fn")
    assert legacy["inputs"].get("tracingConfig", {}).get("mode") != "Active"
