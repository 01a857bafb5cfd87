"""What the cold-start, warm-invoke and package benchmarks know about the handlers: where they are, how Lambda
would lay out their archive, the environment they read at import, and the libraries they may use."""

from __future__ import annotations

import ast
import compileall
import shutil
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from bench.measure import REPO

LAMBDAS = REPO / "lambdas"
TEST_KIT = REPO / "tests" / "lambdas"
SHARED = "shared"


@dataclass(frozen=True)
class Handler:
    folder: str
    module: str  # e.g. "orders_api.api"; the handler is ``<module>.handler``


def handlers(root: Path = LAMBDAS) -> list[Handler]:
    """Every module of a function folder that defines ``handler`` at its top level."""
    found = []
    for folder in sorted(
        p for p in root.iterdir() if p.is_dir() and p.name != SHARED and not p.name.startswith((".", "_"))
    ):
        for path in sorted(folder.glob("*.py")):
            tree = ast.parse(path.read_text(), str(path))
            if any(isinstance(node, ast.FunctionDef) and node.name == "handler" for node in tree.body):
                found.append(Handler(folder.name, f"{folder.name}.{path.stem}"))
    return found


def build_archive(folder: str, into: Path) -> Path:
    """The function's archive root as Lambda unpacks it (its folder and shared/), with bytecode compiled so every
    run reads the same .pyc files as the installed libraries do."""
    root = into / folder
    for name in (folder, SHARED):
        shutil.copytree(LAMBDAS / name, root / name, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))
    compileall.compile_dir(root, quiet=1)
    return root


def test_environment() -> tuple[dict[str, str], tuple[str, ...]]:
    """The handler tests' environment: every variable a function reads, with values that match the resources their
    fixtures create (the one source of both), and the variables they unset."""
    for path in (str(LAMBDAS), str(TEST_KIT)):
        if path not in sys.path:
            sys.path.append(path)
    import lambda_testkit

    return dict(lambda_testkit.ENVIRONMENT), tuple(lambda_testkit.UNSET)


@dataclass(frozen=True)
class Library:
    """A library (or Powertools utility) a handler may import, and how to import it alone."""

    label: str
    #: Module prefixes: the library is loaded when one is in sys.modules, and imported by code naming one.
    modules: tuple[str, ...]
    #: Code that imports it alone, as a handler would set it up.
    setup: str
    #: Module prefixes whose code running during an invocation means the library is used.
    runs_in: tuple[str, ...] = ()


PT = "aws_lambda_powertools"
LIBRARIES = (
    Library("boto3", ("boto3",), "import boto3", ("boto3", "botocore")),
    Library(
        "Logger/Metrics/Tracer",
        (f"{PT}.logging", f"{PT}.metrics", f"{PT}.tracing", f"{PT}.Logger", f"{PT}.Metrics", f"{PT}.Tracer"),
        # Instantiated, as a handler module does: in Lambda, Tracer() loads the X-Ray SDK and patches botocore.
        f"from {PT} import Logger, Metrics, Tracer; Logger(); Metrics(); Tracer()",
        (f"{PT}.logging", f"{PT}.metrics", f"{PT}.tracing"),
    ),
    Library("batch", (f"{PT}.utilities.batch",), f"import {PT}.utilities.batch"),
    Library("idempotency", (f"{PT}.utilities.idempotency",), f"import {PT}.utilities.idempotency"),
    Library("parser", (f"{PT}.utilities.parser",), f"import {PT}.utilities.parser"),
    Library("event handler", (f"{PT}.event_handler",), f"import {PT}.event_handler"),
    Library("data classes", (f"{PT}.utilities.data_classes",), f"import {PT}.utilities.data_classes"),
    Library("parameters", (f"{PT}.utilities.parameters",), f"import {PT}.utilities.parameters"),
)


def _matches(name: str, prefixes: Iterable[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def loaded(modules: Iterable[str]) -> list[Library]:
    """The libraries among loaded module names."""
    names = list(modules)
    return [lib for lib in LIBRARIES if any(_matches(name, lib.modules) for name in names)]


def imported_names(source: str) -> set[str]:
    """Every module (and ``module.name``) a source file's import statements name."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def imported_directly(library: Library, names: Iterable[str]) -> bool:
    return any(_matches(name, library.modules) for name in names)


def used(library: Library, modules_run: Iterable[str]) -> bool:
    """Whether code of ``library`` ran (``modules_run``: modules whose functions were called)."""
    return any(_matches(name, library.runs_in or library.modules) for name in modules_run)
