"""The runtime's dependencies point one way: engine → sources (and the async invoker) → ports; moto only through
the adapter."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pulumi_wasp.localcloud.runtime as runtime_package

RUNTIME = Path(runtime_package.__file__).parent
ENGINE = "pulumi_wasp.localcloud.runtime.engine"
#: The modules that are handed the runtime through its port.
PORT_USERS = sorted([*(RUNTIME / "sources").glob("*.py"), RUNTIME / "asynchronous.py"])


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at any depth (TYPE_CHECKING blocks and functions too)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            found.add(node.module)
            found.update(f"{node.module}.{alias.name}" for alias in node.names)
    return found


def test_no_event_source_imports_the_engine() -> None:
    offenders = [p.name for p in PORT_USERS if any(m.startswith(ENGINE) for m in imported_modules(p))]
    assert offenders == []


def test_the_ports_import_neither_the_engine_nor_a_source() -> None:
    imported = imported_modules(RUNTIME / "ports.py")
    assert not [m for m in imported if m.startswith((ENGINE, "pulumi_wasp.localcloud.runtime.sources"))]


def test_every_event_source_imports_without_the_engine() -> None:
    modules = [f"pulumi_wasp.localcloud.runtime.sources.{p.stem}" for p in PORT_USERS if p.parent.name == "sources"]
    code = (
        "import importlib, sys\n"
        f"for name in {modules!r}: importlib.import_module(name)\n"
        f"assert {ENGINE!r} not in sys.modules, 'a source pulled in the engine'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True, env=os.environ.copy(), timeout=120)


def test_the_local_cloud_reaches_moto_only_through_its_adapter() -> None:
    local_cloud = RUNTIME.parent
    offenders = [
        str(p.relative_to(local_cloud))
        for p in sorted(local_cloud.rglob("*.py"))
        if any(m == "moto" or m.startswith("moto.") for m in imported_modules(p))
    ]
    assert offenders == []
