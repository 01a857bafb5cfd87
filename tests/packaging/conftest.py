"""The wheel built once per session from a copy of the checkout, for the packaging tests."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

#: A user's program with its own tests, run only from a fresh virtualenv (test_installed.py), never in place.
collect_ignore = ["program"]

REPO = Path(__file__).resolve().parents[2]
PACKAGE = REPO / "components" / "pulumi_wasp"
#: What a build never reads: caches, the virtualenv, earlier build output, local state.
NOT_SOURCES = shutil.ignore_patterns(
    ".git", ".venv", "venv", "__pycache__", "*.pyc", ".*_cache", "build", "dist", "*.egg-info", ".localcloud"
)


def source_version() -> str:
    found = re.search(r'^__version__ = "([^"]+)"$', (PACKAGE / "__init__.py").read_text(), re.M)
    assert found, "components/pulumi_wasp/__init__.py has no __version__"
    return found[1]


@pytest.fixture(scope="session")
def wheel(tmp_path_factory) -> zipfile.ZipFile:
    """One wheel per session, built offline from a copy of the checkout (the build writes next to its sources)."""
    source = tmp_path_factory.mktemp("checkout") / "pulumi-wasp"
    shutil.copytree(REPO, source, ignore=NOT_SOURCES)
    out = tmp_path_factory.mktemp("wheel")
    build = [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "--quiet", "-w", str(out)]
    done = subprocess.run([*build, str(source)], capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr
    (built,) = out.glob("*.whl")
    return zipfile.ZipFile(built)
