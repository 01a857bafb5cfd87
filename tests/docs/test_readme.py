"""The README's install and real-path sections hold what they promise: links that resolve, every extra the
distribution declares, Python that runs."""

from __future__ import annotations

import json
import re
import textwrap
import threading
import tomllib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
README = (REPO / "README.md").read_text()


def python_blocks() -> list[str]:
    return [textwrap.dedent(code) for _, code in re.findall(r"^( *)```python\n(.*?)^\1```", README, re.M | re.S)]


def test_every_relative_link_resolves():
    targets = {target.split("#")[0] for target in re.findall(r"\]\(([^)\s]+)\)", README)}
    local = {target for target in targets if target and "://" not in target}
    assert {"CHANGELOG.md", "LICENSE", "docs/public-api.md", "docs/ci/pulumi.yml"} <= local
    assert sorted(target for target in local if not (REPO / target).exists()) == []


def test_the_install_section_names_the_distribution_and_every_extra():
    extras = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]["optional-dependencies"]
    install = README[README.index("## Install") : README.index("## The two commands")]
    assert "pip install pulumi-wasp" in install
    assert [extra for extra in extras if f'"pulumi-wasp[{extra}]"' not in install] == []


def test_every_python_block_is_valid_python():
    for code in python_blocks():
        compile(code, "README.md", "exec")


class Echo(BaseHTTPRequestHandler):
    """Answers every POST with the headers it received."""

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(dict(self.headers)).encode()
        self.send_response(201)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def echo_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Echo)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/orders"
    server.shutdown()


def test_the_smoke_calls_signing_helper_signs_for_execute_api(echo_url, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "AKIDSMOKE")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    (helper,) = [code for code in python_blocks() if "def signed(" in code]
    scope: dict[str, object] = {}
    exec(compile(helper, "README.md", "exec"), scope)
    status, headers = scope["signed"]("POST", echo_url, "eu-west-1", {"customerId": "c-smoke"})
    assert status == 201
    assert re.match(
        r"AWS4-HMAC-SHA256 Credential=AKIDSMOKE/\d{8}/eu-west-1/execute-api/aws4_request, SignedHeaders=.*content-type",
        headers["Authorization"],
    )
    assert "X-Amz-Date" in headers
