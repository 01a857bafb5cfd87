"""``wasp``: plain help text, every command's extra checked first (one line naming it, never an ImportError),
user errors as one ``error:`` line with exit 2, and ``--program`` defaulting to the current directory."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_wasp import cli

REPO = Path(__file__).resolve().parents[2]
ENV = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "components"), str(REPO)])}
COMPLIANT = REPO / "tests" / "fixtures" / "compliant"


def wasp(*args: str, cwd: Path = REPO, prelude: str = "") -> subprocess.CompletedProcess[str]:
    """``wasp ARGS`` in a child; ``prelude`` runs first (e.g. to make an extra's module unimportable)."""
    code = f"import sys\n{prelude}\nfrom pulumi_wasp.cli import main\nsys.exit(main({list(args)!r}))"
    return subprocess.run(
        [sys.executable, "-c", code], cwd=cwd, env=ENV, capture_output=True, text=True, timeout=120, check=False
    )


def parsers(parser: argparse.ArgumentParser) -> list[argparse.ArgumentParser]:
    """The parser and every subcommand's parser below it."""
    found = [parser]
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                found.extend(parsers(sub))
    return found


def test_every_help_text_is_plain_text_without_rest_markup() -> None:
    for parser in parsers(cli.parser()):
        text = parser.format_help()
        assert not any(mark in text for mark in ("``", ":mod:", ":class:", ":func:", ":meth:")), parser.prog


@pytest.mark.parametrize(
    ("args", "module", "extra"),
    [
        (["preview"], "pulumi_policy", "policy"),
        (["policy-pack", "pack"], "pulumi_policy", "policy"),
        (["local", "run"], "moto", "local"),
        (["local", "serve"], "moto", "local"),
        (["local", "bench"], "moto", "local"),
        (["local", "status"], "boto3", "local"),
    ],
)
def test_a_missing_extra_is_one_line_naming_it_and_exit_2(
    args: list[str], module: str, extra: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, module, None)  # as if not installed: importing it fails
    assert cli.main(args) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: wasp {' '.join(args[:2]) if args[0] == 'local' else args[0]} needs the {extra} ")
    assert f"pip install 'pulumi-wasp[{extra}]'" in err
    assert len(err.splitlines()) == 1


def test_a_missing_extra_in_a_fresh_process_prints_no_traceback() -> None:
    done = wasp("local", "run", prelude="sys.modules['moto'] = None")
    assert done.returncode == 2
    assert done.stderr.startswith("error: wasp local run needs the local extra: pip install 'pulumi-wasp[local]'")
    assert "Traceback" not in done.stderr


def test_a_program_error_is_one_error_line_and_exit_2(tmp_path: Path) -> None:
    done = wasp("local", "run", "--program", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Pulumi.yaml" in done.stderr
    assert "Traceback" not in done.stderr


def test_synth_reports_a_program_error_as_one_line(tmp_path: Path) -> None:
    done = wasp("synth", "--program", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith("error: ") and "Traceback" not in done.stderr


def test_program_defaults_to_the_current_directory() -> None:
    done = wasp("preview", cwd=COMPLIANT)
    assert done.returncode == 0, done.stderr
    assert "passed: no mandatory violations" in done.stdout


def test_local_options_are_taken_before_or_after_the_verb() -> None:
    before = cli.parser().parse_args(["local", "--program", "a", "--stack", "prod", "run"])
    after = cli.parser().parse_args(["local", "run", "--program", "a", "--stack", "prod"])
    assert (before.program, before.stack) == (after.program, after.stack) == ("a", "prod")


def test_a_verb_without_a_running_cloud_says_how_to_start_one(tmp_path: Path) -> None:
    done = wasp("local", "status", "--program", str(tmp_path))
    assert done.returncode == 1
    assert "the local cloud is not running" in done.stderr and "wasp local serve" in done.stderr


def test_runs_as_python_dash_m_pulumi_wasp() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pulumi_wasp", "--version"], env=ENV, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0
    assert done.stdout.strip() == f"wasp (pulumi-wasp) {cli.__version__}"


def test_bench_without_a_scenario_file_is_an_error_before_any_deploy(tmp_path: Path) -> None:
    done = wasp("local", "bench", "--program", str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {tmp_path / 'localcloud_scenario.py'} does not exist")


def test_bench_on_a_scenario_file_without_a_load_is_an_error_naming_it(tmp_path: Path) -> None:
    (tmp_path / "localcloud_scenario.py").write_text("def scenario(cloud):\n    pass\n")
    done = wasp("local", "bench", "--program", str(tmp_path))
    assert done.returncode == 2
    assert "defines no `bench` (a Load: stages, callers(), send(), observer())" in done.stderr


def test_an_unexpected_error_is_one_line_pointing_at_debug_and_exit_1() -> None:
    prelude = "import pulumi_wasp.preview.command as c\ndef boom(args): raise RuntimeError('boom')\nc.run = boom"
    done = wasp("preview", prelude=prelude)
    assert done.returncode == 1
    assert done.stderr == "error: unexpected RuntimeError: boom (wasp --debug preview shows the traceback)\n"


@pytest.mark.parametrize("where", [["--debug", "preview"], ["preview", "--debug"]])
def test_debug_before_or_after_the_command_shows_the_traceback(where: list[str]) -> None:
    prelude = "import pulumi_wasp.preview.command as c\ndef boom(args): raise RuntimeError('boom')\nc.run = boom"
    done = wasp(*where, prelude=prelude)
    assert done.returncode == 1
    assert "Traceback" in done.stderr and "RuntimeError: boom" in done.stderr


def test_a_program_error_names_the_program_file_and_line(tmp_path: Path) -> None:
    (tmp_path / "Pulumi.yaml").write_text("name: broken\nruntime: python\n")
    (tmp_path / "Pulumi.dev.yaml").write_text("config: {}\n")
    (tmp_path / "__main__.py").write_text("import pulumi\n\n\nraise ValueError('no bucket name')\n")
    done = wasp("preview", "--program", str(tmp_path))
    assert done.returncode == 2, done.stderr
    assert done.stderr.startswith(f"error: {tmp_path / '__main__.py'}:4: ")
    assert "ValueError: no bucket name" in done.stderr and "Traceback" not in done.stderr


@pytest.mark.parametrize("verb", ["run", "serve"])
def test_local_policy_config_with_an_unknown_level_is_a_usage_error_before_anything_starts(
    tmp_path: Path, verb: str
) -> None:
    config = tmp_path / "policy.json"
    config.write_text('{"lambda-tracing-active": "fix"}')
    done = wasp(
        "local",
        "--program",
        str(COMPLIANT),
        "--state-dir",
        str(tmp_path / "state"),
        verb,
        "--policy-config",
        str(config),
    )
    assert done.returncode == 2
    assert done.stderr.startswith('error: invalid policy config: lambda-tracing-active: enforcementLevel "fix"')
    assert done.stdout == "" and not (tmp_path / "state").exists()


def test_local_policy_config_that_cannot_be_read_is_a_usage_error(tmp_path: Path) -> None:
    done = wasp("local", "--program", str(COMPLIANT), "run", "--policy-config", str(tmp_path / "missing.json"))
    assert done.returncode == 2
    assert done.stderr.startswith(
        f"error: invalid policy config: cannot read policy config {tmp_path / 'missing.json'}"
    )
