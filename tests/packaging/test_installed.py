"""The toolkit as a new user gets it: the wheel installed with the local-cloud and testing extras into a fresh
virtualenv outside the checkout (no PYTHONPATH to it), on a small program of the user's own (three components
and a stack transform, tests/packaging/program) in a temporary directory. The console script previews it, the
shipped harness runs the program's own unit tests, and `wasp local serve` deploys it while verbs drive it."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.packaging.conftest import REPO

PROGRAM = Path(__file__).resolve().parent / "program"
STAMP = "owned by the greetings team"
#: Installing pulumi-aws and moto into an empty virtualenv takes minutes on a loaded 2-core machine.
INSTALL_TIMEOUT = 900


def user_env() -> dict[str, str]:
    """The user's shell: nothing of the checkout on the import path."""
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture(scope="module")
def venv(wheel: zipfile.ZipFile, tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("user") / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(root)], check=True, timeout=120)
    install = [str(root / "bin" / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check"]
    spec = f"{wheel.filename}[local,testing]"
    done = subprocess.run(
        [*install, spec, "-c", str(REPO / "constraints.txt")],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
        env=user_env(),
        check=False,
    )
    assert done.returncode == 0, done.stderr[-4000:]
    return root


@pytest.fixture(scope="module")
def program(tmp_path_factory) -> Path:
    target = tmp_path_factory.mktemp("work") / "greetings"
    shutil.copytree(PROGRAM, target, ignore=shutil.ignore_patterns("__pycache__"))
    return target


def run(venv: Path, program: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(venv / "bin" / args[0]), *args[1:]],
        cwd=program,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=user_env(),
        check=False,
    )


def test_the_package_is_imported_from_the_virtualenv_not_the_checkout(venv, program):
    done = run(venv, program, "python", "-c", "import pulumi_wasp; print(pulumi_wasp.__file__)")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().startswith(str(venv)), done.stdout


def test_the_console_script_previews_the_program_with_the_transform_applied(venv, program):
    done = run(venv, program, "wasp", "preview", "--json")
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    functions = [r for r in report["resources"] if r["type"] == "aws:lambda/function:Function"]
    assert len(functions) == 2
    assert {fn["inputs"]["description"] for fn in functions} == {STAMP}
    # The user's tags are not the pack's, and without an alarm topic the Errors alarms notify no one.
    assert {d["policy"] for d in report["diagnostics"]} == {"required-tags", "lambda-error-alarm"}
    assert all(d["level"] == "advisory" for d in report["diagnostics"])


def test_the_shipped_harness_runs_the_programs_own_tests(venv, program):
    done = run(venv, program, "python", "-m", "pytest", "-q", "-p", "no:cacheprovider", "test_program.py")
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "3 passed" in done.stdout


@pytest.fixture(scope="module")
def served(venv, program, tmp_path_factory) -> Iterator[Path]:
    state = tmp_path_factory.mktemp("state")
    command = [str(venv / "bin" / "wasp"), "local", "--state-dir", str(state), "serve"]
    process = subprocess.Popen(
        command, cwd=program, env=user_env(), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 180
        while not (state / "endpoints.json").is_file():
            assert process.poll() is None, process.stdout.read() if process.stdout else ""
            assert time.monotonic() < deadline, "serve wrote no endpoints.json in 180 s"
            time.sleep(0.2)
        yield state
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(timeout=10)


def test_local_serve_deploys_it_and_a_verb_invokes_its_function(venv, program, served):
    local = ("wasp", "local", "--state-dir", str(served))
    missing = run(venv, program, *local, "invoke", "greetings-dev-reader", '{"name": "ada"}')
    assert missing.returncode == 0, missing.stderr
    assert '"found": false' in missing.stdout
    sent = run(venv, program, *local, "send", "writer-queue", '{"name": "ada"}')
    assert sent.returncode == 0, sent.stderr
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        found = run(venv, program, *local, "invoke", "greetings-dev-reader", '{"name": "ada"}')
        if '"greeting": "hello, ada"' in found.stdout:
            return
        time.sleep(0.5)
    pytest.fail(f"the queue's message never reached the table: {found.stdout} {found.stderr}")
