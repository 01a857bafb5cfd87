"""The running local cloud an MCP server talks to: read from ``<state-dir>/endpoints.json`` at
every call (a cloud may be started, stopped or restarted while the server runs), refused unless
its endpoints are on loopback and the ``serve`` that wrote them is alive."""

from __future__ import annotations

import ipaddress
import json
import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from pulumi_wasp.localcloud.client import Cloud
from pulumi_wasp.localcloud.verbs import VerbError

#: The endpoints this server connects to: each must be on loopback.
CONNECTED_ENDPOINTS = ("emulator_url", "control_url")
START_HINT = "start one with `wasp local serve` (add --program DIR and --state-dir DIR as for this server)"


def is_loopback(url: str) -> bool:
    host = urlsplit(url).hostname or ""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_endpoints(endpoints: dict[str, Any], path: Path) -> None:
    """Refuse endpoints this server must not connect to (anything off this machine's loopback)."""
    for key in CONNECTED_ENDPOINTS:
        url = endpoints.get(key)
        if not isinstance(url, str) or not url:
            raise VerbError(f"{path} has no {key}: it was not written by `wasp local serve`")
        if not is_loopback(url):
            raise VerbError(f"{path}: {key} {url} is not a loopback address; only a local cloud on 127.0.0.1 is served")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


class Connection:
    """The local cloud of one state directory, reconnected when its endpoints.json changes."""

    def __init__(self, state_dir: Path) -> None:
        self.state_dir = state_dir
        self._lock = threading.Lock()
        self._text: str | None = None
        self._cloud: Cloud | None = None

    @property
    def endpoints_file(self) -> Path:
        return self.state_dir / "endpoints.json"

    def cloud(self) -> Cloud:
        """The running cloud's client; a clear error when none runs."""
        path = self.endpoints_file
        try:
            text = path.read_text()
        except FileNotFoundError:
            raise VerbError(f"no running local cloud ({path} is missing): {START_HINT}") from None
        with self._lock:
            if text != self._text or self._cloud is None:
                try:
                    endpoints = json.loads(text)
                except json.JSONDecodeError as exc:
                    raise VerbError(
                        f"{path} is not valid JSON (line {exc.lineno}, column {exc.colno}): {exc.msg}"
                    ) from None
                check_endpoints(endpoints, path)
                self._cloud, self._text = Cloud(endpoints), text
            cloud = self._cloud
        pid = cloud.endpoints.get("pid")
        if isinstance(pid, int) and not _alive(pid):
            raise VerbError(
                f"no running local cloud: {path} was left by serve (pid {pid}), which has stopped; {START_HINT}"
            )
        return cloud

    def client(self, service: str) -> Any:
        """A boto3 client of the running cloud's emulator (created under a lock: boto3's client
        creation is not thread-safe, and tools run on worker threads)."""
        cloud = self.cloud()
        with self._lock:
            return cloud.client(service)
