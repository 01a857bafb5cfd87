"""Running a program directory: project and stack config, and clear errors."""

from __future__ import annotations

from pathlib import Path

import pulumi
import pytest
from pulumi_aws import sqs

from pulumi_wasp.synthesis import FakeCloud, ProgramError, StackConfig, synthesize, synthesize_inline


def write_program(root: Path, main: str, stack_yaml: str = "config:\n  aws:region: eu-west-1\n") -> Path:
    (root / "Pulumi.yaml").write_text(
        "name: demo\nruntime: python\nconfig:\n  size:\n    type: integer\n    default: 3\n"
    )
    (root / "Pulumi.dev.yaml").write_text(stack_yaml)
    (root / "__main__.py").write_text(main)
    return root


def test_project_defaults_and_stack_values_are_namespaced(tmp_path):
    write_program(tmp_path, "", "config:\n  aws:region: eu-west-1\n  demo:tags:\n    team: a\n  color: blue\n")
    config = StackConfig.load(tmp_path, "dev")
    assert config.values == {
        "demo:size": "3",
        "aws:region": "eu-west-1",
        "demo:tags": '{"team": "a"}',
        "demo:color": "blue",
    }


def test_program_reads_its_config_and_exports(tmp_path):
    write_program(tmp_path, "import pulumi\npulumi.export('size', pulumi.Config().require_int('size') * 2)\n")
    result = synthesize(StackConfig.load(tmp_path, "dev"), FakeCloud())
    assert result.stack_outputs == {"size": 6.0}


def test_secure_values_become_placeholder_secrets(tmp_path):
    write_program(tmp_path, "", "config:\n  demo:token:\n    secure: AAABAC==\n")
    config = StackConfig.load(tmp_path, "dev")
    assert config.secret_keys == ("demo:token",)


def test_missing_pulumi_yaml_is_a_clear_error(tmp_path):
    with pytest.raises(ProgramError, match="no Pulumi.yaml"):
        StackConfig.load(tmp_path, "dev")


def test_unknown_stack_lists_the_known_ones(tmp_path):
    write_program(tmp_path, "")
    with pytest.raises(ProgramError, match=r"unknown stack 'qa'.*stacks: dev"):
        StackConfig.load(tmp_path, "qa")


def test_an_exception_in_the_program_is_summarized(tmp_path):
    write_program(tmp_path, "raise RuntimeError('boom')\n")
    with pytest.raises(ProgramError, match="the program raised RuntimeError: boom"):
        synthesize(StackConfig.load(tmp_path, "dev"), FakeCloud())


def test_a_logged_error_fails_the_synthesis(tmp_path):
    write_program(tmp_path, "import pulumi\npulumi.log.error('bad config')\n")
    with pytest.raises(ProgramError, match="bad config"):
        synthesize(StackConfig.load(tmp_path, "dev"), FakeCloud())


def test_a_program_failing_in_a_registration_leaves_nothing_behind_to_fail_the_next_one():
    def refuse(args: pulumi.ResourceTransformArgs) -> None:
        raise ValueError("refused")

    def failing() -> None:
        sqs.Queue("refused", opts=pulumi.ResourceOptions(transforms=[refuse]))
        sqs.Queue("pending")

    with pytest.raises(ProgramError, match="refused"):
        synthesize_inline(failing, FakeCloud(), config={"aws:region": "us-east-1"})

    def fine() -> None:
        sqs.Queue("fine")

    after = synthesize_inline(fine, FakeCloud(), config={"aws:region": "us-east-1"})
    assert [r.name for r in after] == ["fine"]
