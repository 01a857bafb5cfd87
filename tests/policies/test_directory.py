"""``wasp policy-pack DIR``: the pack directory written for the Pulumi CLI serves the same rules as this repo's
``policies/``, pinned to this version; a directory that is not a pack is never overwritten."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from pulumi_wasp import __version__
from pulumi_wasp.cli import main
from pulumi_wasp.policies import directory
from tests.policies.conftest import served_pack

REPO = Path(__file__).resolve().parents[2]


def test_the_written_pack_is_served_with_the_same_policies_as_the_repos_pack(tmp_path: Path) -> None:
    assert main(["policy-pack", str(tmp_path / "pack")]) == 0
    assert served_pack(tmp_path / "pack") == served_pack(REPO / "policies")


def test_the_manifest_and_entry_point_are_the_repos_with_this_version(tmp_path: Path) -> None:
    directory.write(tmp_path)
    assert (tmp_path / "PulumiPolicy.yaml").read_text() == (REPO / "policies" / "PulumiPolicy.yaml").read_text()
    assert yaml.safe_load((tmp_path / "PulumiPolicy.yaml").read_text())["version"] == __version__
    assert (tmp_path / "__main__.py").read_text() == (REPO / "policies" / "__main__.py").read_text()


def test_the_requirements_pin_this_version_with_the_policy_extra(tmp_path: Path) -> None:
    directory.write(tmp_path)
    lines = [line for line in (tmp_path / "requirements.txt").read_text().splitlines() if not line.startswith("#")]
    assert lines == [f"pulumi-wasp[policy]=={__version__}"]


def test_requirement_overrides_the_line_that_installs_the_rules(tmp_path: Path) -> None:
    wheel = "/wheels/pulumi_wasp-0.2.0-py3-none-any.whl[policy]"
    assert main(["policy-pack", str(tmp_path), "--requirement", wheel]) == 0
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-1] == wheel


def test_an_existing_pack_is_rewritten(tmp_path: Path) -> None:
    directory.write(tmp_path, "old-requirement")
    assert main(["policy-pack", str(tmp_path)]) == 0
    assert (tmp_path / "requirements.txt").read_text().splitlines()[-1] == f"pulumi-wasp[policy]=={__version__}"


def test_a_non_empty_directory_that_is_not_a_pack_is_refused_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    assert main(["policy-pack", str(tmp_path)]) == 2
    assert "is not empty and not a policy pack (no PulumiPolicy.yaml): not overwritten" in capsys.readouterr().err
    assert sorted(p.name for p in tmp_path.iterdir()) == ["notes.txt"]


def test_a_requirement_of_more_than_one_line_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["policy-pack", str(tmp_path / "pack"), "--requirement", "a\nb"]) == 2
    assert "--requirement must be one pip requirement line" in capsys.readouterr().err
    assert not (tmp_path / "pack").exists()
