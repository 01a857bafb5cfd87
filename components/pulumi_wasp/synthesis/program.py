"""Run a Pulumi Python program in-process, under mocks, the way the language host would."""

from __future__ import annotations

import ast
import contextlib
import gc
import json
import logging
import os
import runpy
import sys
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml
from pulumi.runtime import Mocks, set_mocks

from pulumi_wasp.adapters.pulumi import (
    is_lazy_module,
    load_lazy_module,
    reset_root_resource,
    run_program_in_stack,
    set_all_config,
)
from pulumi_wasp.synthesis.analyzer import Analyzer
from pulumi_wasp.synthesis.errors import ProgramError
from pulumi_wasp.synthesis.recording import RecordingMonitor, Synthesis

__all__ = ["ProgramError", "StackConfig", "run_program", "synthesize", "synthesize_inline"]


@dataclass(frozen=True)
class StackConfig:
    """A project's name and one stack's configuration, read from Pulumi.yaml and Pulumi.<stack>.yaml."""

    program_dir: Path
    project: str
    stack: str
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()

    @classmethod
    def load(cls, program_dir: str | os.PathLike[str], stack: str) -> StackConfig:
        root = Path(program_dir).resolve()
        project_file = root / "Pulumi.yaml"
        if not project_file.is_file():
            raise ProgramError(f"no Pulumi.yaml in {root}: --program must name a Pulumi project directory")
        project_doc = _read_yaml(project_file)
        project = project_doc.get("name")
        if not isinstance(project, str) or not project:
            raise ProgramError(f"{project_file}: 'name' is missing")
        stack_file = root / f"Pulumi.{stack}.yaml"
        if not stack_file.is_file():
            known = sorted(p.name[len("Pulumi.") : -len(".yaml")] for p in root.glob("Pulumi.*.yaml"))
            raise ProgramError(
                f"unknown stack {stack!r}: no {stack_file.name} in {root} (stacks: {', '.join(known) or 'none'})"
            )
        values: dict[str, str] = {}
        secrets: list[str] = []
        # Project-level defaults first; the stack file overrides them, as in the CLI.
        for key, spec in (project_doc.get("config") or {}).items():
            default = spec.get("default") if isinstance(spec, dict) and "type" in spec else spec
            if default is not None:
                values[_qualify(key, project)] = _config_string(default)
        for key, value in (_read_yaml(stack_file).get("config") or {}).items():
            full = _qualify(key, project)
            if isinstance(value, dict) and "secure" in value:
                # Ciphertext can't be decrypted offline; the program still sees a secret value.
                values[full] = "offline-placeholder-secret"
                secrets.append(full)
            else:
                values[full] = _config_string(value)
        return cls(root, project, stack, values, tuple(secrets))


def _read_yaml(path: Path) -> dict[str, Any]:
    try:
        doc = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        raise ProgramError(f"{path}: not valid YAML: {exc}") from exc
    if not isinstance(doc, dict):
        raise ProgramError(f"{path}: expected a mapping at the top level")
    return doc


def _qualify(key: str, project: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _config_string(value: Any) -> str:
    # The CLI hands structured config to programs as JSON, scalars as their text.
    if isinstance(value, str):
        return value
    return json.dumps(value)


class _CapturingHandler(logging.Handler):
    """Keeps the errors a program logs (pulumi.log.error): they fail the synthesis, as in the CLI."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.errors: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.errors.append(record.getMessage())


@contextlib.contextmanager
def _program_context(program_dir: Path) -> Iterator[None]:
    """The working directory and import path the language host gives a program."""
    previous_cwd = os.getcwd()
    sys.path.insert(0, str(program_dir))
    os.chdir(program_dir)
    try:
        yield
    finally:
        os.chdir(previous_cwd)
        sys.path.remove(str(program_dir))


def _load_lazy_imports(program_dir: Path) -> None:
    """Execute the lazily imported modules (pulumi_aws's service packages) the program's own
    modules bound at import, so their cost counts as imports, not synthesis.
    """
    root = str(program_dir)
    for module in list(sys.modules.values()):
        if is_lazy_module(module):
            continue
        file = getattr(module, "__file__", None) or ""
        if not file.startswith(root) or file.startswith(sys.prefix) or "site-packages" in file:
            continue
        for value in list(vars(module).values()):
            if is_lazy_module(value):
                load_lazy_module(value)


def _import_statements(main: Path) -> Any:
    """The program's top-level imports alone, so their cost is timed apart from pulumi_wasp.synthesis."""
    tree = ast.parse(main.read_text(), str(main))
    tree.body = [node for node in tree.body if isinstance(node, (ast.Import, ast.ImportFrom))]
    return compile(tree, str(main), "exec")


def synthesize(
    config: StackConfig, mocks: Mocks, *, preview: bool = False, analyzer: Analyzer | None = None
) -> Synthesis:
    """Run the program of ``config`` under ``mocks`` and return every registration.

    ``preview`` runs it as ``pulumi preview`` would: outputs the mocks leave out stay unknown. ``analyzer`` (a
    policy pack, e.g. :class:`pulumi_wasp.preview.PolicySession`) sees each registration before the mocks do and
    may remediate its inputs, as ``--policy-pack`` does in the engine (default: none).
    """
    main = config.program_dir / "__main__.py"
    if not main.is_file():
        raise ProgramError(f"no __main__.py in {config.program_dir}")

    def program() -> None:
        runpy.run_path(str(main), run_name="__main__")

    with _program_context(config.program_dir):
        try:
            exec(_import_statements(main), {"__name__": "__imports__"})  # noqa: S102 - the program's own imports
            _load_lazy_imports(config.program_dir)
        except Exception as exc:
            raise ProgramError(f"the program's imports failed: {type(exc).__name__}: {exc}") from exc
        return run_program(program, config, mocks, preview=preview, analyzer=analyzer)


def synthesize_inline(
    program: Callable[[], None],
    mocks: Mocks,
    *,
    project: str = "test",
    stack: str = "test",
    config: dict[str, str] | None = None,
    preview: bool = False,
    analyzer: Analyzer | None = None,
) -> Synthesis:
    """Run a Python callable as a Pulumi program (for tests of single components)."""
    values = {key if ":" in key else f"{project}:{key}": value for key, value in (config or {}).items()}
    stack_config = StackConfig(Path.cwd(), project, stack, values)
    return run_program(program, stack_config, mocks, preview=preview, analyzer=analyzer)


def run_program(
    program: Callable[[], None],
    config: StackConfig,
    mocks: Mocks,
    *,
    preview: bool = False,
    analyzer: Analyzer | None = None,
) -> Synthesis:
    """The one place the Pulumi runtime is pointed at mocks: configure, run in a fresh root
    stack, wait for every registration, and return the records. With an ``analyzer``, each
    registration goes through it first (:mod:`~pulumi_wasp.synthesis.analyzer`); the time it reports spending
    meanwhile (``Analyzer.seconds``) is left out of ``Synthesis.seconds``."""
    monitor = RecordingMonitor(mocks, analyzer)
    if analyzer is not None:
        analyzer.begin(config.project, config.stack)
    messages = _CapturingHandler()
    logger = logging.getLogger("synthesis.engine")
    logger.addHandler(messages)
    try:
        set_mocks(mocks, project=config.project, stack=config.stack, preview=preview, logger=logger, monitor=monitor)
        set_all_config(config.values, config.secret_keys)
        reset_root_resource()
        analyzed = analyzer.seconds if analyzer is not None else 0.0
        started = time.perf_counter()
        # Registration allocates many long-lived objects and few cycles: the cyclic collector's
        # repeated full scans made synthesis superlinear, so it waits until the program is done.
        gc.freeze()
        gc.disable()
        try:
            run_program_in_stack(program)
        except ProgramError:
            raise
        except Exception as exc:  # the program's own failure, summarized for the user
            raise ProgramError(f"the program raised {type(exc).__name__}: {exc}") from exc
        finally:
            gc.enable()
            gc.unfreeze()
        seconds = time.perf_counter() - started
        if analyzer is not None:
            seconds -= analyzer.seconds - analyzed
    finally:
        logger.removeHandler(messages)
    if messages.errors:
        raise ProgramError("the program logged errors: " + "; ".join(messages.errors))
    return Synthesis(
        project=config.project,
        stack=config.stack,
        resources=list(monitor.records),
        stack_outputs=monitor.stack_outputs,
        seconds=seconds,
    )
