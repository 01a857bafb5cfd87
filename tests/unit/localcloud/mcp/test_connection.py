"""The MCP server connects only to a live local cloud on loopback, and stays light to import."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from pulumi_wasp.localcloud.mcp.connection import Connection, check_endpoints, is_loopback
from pulumi_wasp.localcloud.verbs import VerbError

REPO = Path(__file__).resolve().parents[4]
LOOPBACK = {"emulator_url": "http://127.0.0.1:4566", "control_url": "http://127.0.0.1:4567"}


@pytest.mark.parametrize("url", ["http://127.0.0.1:1", "http://127.8.9.10:1", "http://localhost:1", "http://[::1]:1"])
def test_loopback_addresses_are_accepted(url: str) -> None:
    assert is_loopback(url)


@pytest.mark.parametrize("url", ["http://10.0.0.1:4566", "http://example.com", "http://[2001:db8::1]:1", "nonsense"])
def test_other_addresses_are_not_loopback(url: str) -> None:
    assert not is_loopback(url)


def test_an_endpoint_off_loopback_is_refused_naming_it() -> None:
    with pytest.raises(VerbError, match=r"control_url http://192.168.1.5:80 is not a loopback address"):
        check_endpoints({**LOOPBACK, "control_url": "http://192.168.1.5:80"}, Path("endpoints.json"))


def test_endpoints_without_the_emulator_are_refused() -> None:
    with pytest.raises(VerbError, match="has no emulator_url"):
        check_endpoints({"control_url": LOOPBACK["control_url"]}, Path("endpoints.json"))


def test_a_malformed_endpoints_file_is_refused_saying_where(tmp_path: Path) -> None:
    (tmp_path / "endpoints.json").write_text('{"emulator_url": ')
    with pytest.raises(VerbError, match=r"endpoints.json is not valid JSON \(line 1, column 18\)"):
        Connection(tmp_path).cloud()


def test_a_rewritten_endpoints_file_is_read_again(tmp_path: Path) -> None:
    endpoints = {
        **LOOPBACK,
        "region": "us-east-1",
        "credentials": {"AWS_ACCESS_KEY_ID": "a", "AWS_SECRET_ACCESS_KEY": "b"},
    }
    (tmp_path / "endpoints.json").write_text(json.dumps(endpoints))
    connection = Connection(tmp_path)
    assert connection.cloud().endpoints["emulator_url"] == "http://127.0.0.1:4566"
    (tmp_path / "endpoints.json").write_text(json.dumps({**endpoints, "emulator_url": "http://127.0.0.1:5000"}))
    assert connection.cloud().endpoints["emulator_url"] == "http://127.0.0.1:5000"


def _imported_after(statement: str) -> set[str]:
    code = f"import sys; {statement}; print(' '.join(sorted({{m.split('.')[0] for m in sys.modules}})))"
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env={"PYTHONPATH": f"{REPO / 'components'}:{REPO}"},
    )
    return set(done.stdout.split())


def test_the_server_imports_neither_pulumi_nor_moto() -> None:
    imported = _imported_after("import pulumi_wasp.localcloud.mcp.server")
    assert "mcp" in imported and not imported & {"pulumi", "pulumi_aws", "moto"}


def test_the_cli_loads_the_mcp_sdk_only_for_the_mcp_verb() -> None:
    assert "mcp" not in _imported_after("import pulumi_wasp.cli; pulumi_wasp.cli.parser()")
