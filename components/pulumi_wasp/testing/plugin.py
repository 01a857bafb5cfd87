"""pytest fixtures for testing a Pulumi program, registered through the ``pytest11`` entry point.

Installed with ``pip install "pulumi-wasp[testing]"``; pytest loads it by itself. Nothing here imports pulumi
until a fixture is used, so test runs that do not use them pay nothing.

- ``wasp_synthesize`` (session): :func:`pulumi_wasp.testing.synthesize` with the defaults below; a program
  directory is synthesized once per session per stack, config, mode and policy config.
- ``wasp_stack``: the program of the test's ``@pytest.mark.wasp(...)`` marker, else the ini default.

It also silences the notices pulumi_aws issues at import about each class it deprecated.

ini options (``pytest.ini``, ``[tool.pytest.ini_options]``)::

    wasp_program = infra      # the default program directory, relative to the ini file
    wasp_stack = prod         # the default stack (default: dev)

Example::

    import pytest

    @pytest.mark.wasp(program="infra", stack="prod", config={"alertEmail": "ops@example.com"})
    def test_prod_keeps_tables(wasp_stack):
        table = wasp_stack.one("aws:dynamodb/table:Table", within="orders")
        assert table.input("deletionProtectionEnabled") is True

    def test_dev_previews_clean(wasp_synthesize):
        assert wasp_synthesize(stack="dev").preview().passed
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from pulumi_wasp.testing.defaults import DEFAULT_STACK

if TYPE_CHECKING:
    from pulumi.runtime.mocks import Mocks

    from pulumi_wasp.testing.stack import SynthesizedStack

PROGRAM_INI = "wasp_program"
STACK_INI = "wasp_stack"
MARKER = "wasp"
_MARKER_KEYS = ("program", "stack", "config", "first_deploy", "policy_config")
# pulumi_aws warns at import about every class it deprecated, used or not (24 lines per run, none about the
# user's code); using a deprecated class still warns, through pulumi.log, and deprecated arguments still warn.
_IMPORT_TIME_DEPRECATIONS = "ignore:.*has been deprecated in favor of:DeprecationWarning:pulumi_aws"


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addini(PROGRAM_INI, "pulumi-wasp: the default Pulumi program directory, relative to the ini file")
    parser.addini(STACK_INI, f"pulumi-wasp: the default stack (default: {DEFAULT_STACK})", default=DEFAULT_STACK)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("filterwarnings", _IMPORT_TIME_DEPRECATIONS)
    config.addinivalue_line(
        "markers",
        f"{MARKER}(program=None, stack=None, config=None, first_deploy=False, policy_config=None): what the "
        "wasp_stack fixture "
        "synthesizes; a relative program is relative to the test file",
    )


class Synthesizer:
    """:func:`pulumi_wasp.testing.synthesize` with the session's defaults and a cache for program directories.

    The stacks it returns are shared by every test asking for the same program, stack, config, mode and
    policy config: read them, do not change them.
    """

    def __init__(self, default_program: Path | None, default_stack: str) -> None:
        self.default_program = default_program
        self.default_stack = default_stack
        self._cache: dict[tuple[str, str, str, bool, str], SynthesizedStack] = {}

    def __call__(
        self,
        program: str | os.PathLike[str] | Callable[[], None] | None = None,
        *,
        stack: str | None = None,
        config: Mapping[str, Any] | None = None,
        first_deploy: bool = False,
        mocks: Mocks | None = None,
        policy_config: Mapping[str, Any] | None = None,
    ) -> SynthesizedStack:
        from pulumi_wasp.testing.program import synthesize

        if program is None:
            if self.default_program is None:
                raise pytest.UsageError(
                    f"wasp_synthesize: no program given and no {PROGRAM_INI!r} ini option: pass the program "
                    f"directory or a callable, or set {PROGRAM_INI} = <dir> in the pytest configuration"
                )
            program = self.default_program
        stack = stack or self.default_stack
        options: dict[str, Any] = {"stack": stack, "config": config, "first_deploy": first_deploy}
        options["policy_config"] = policy_config
        if callable(program) or mocks is not None:
            return synthesize(program, mocks=mocks, **options)
        key = (
            str(Path(program).resolve()),
            stack,
            json.dumps(config or {}, sort_keys=True),
            first_deploy,
            # None (no pack) and {} (the pack at its defaults) synthesize differently.
            json.dumps(policy_config, sort_keys=True),
        )
        if key not in self._cache:
            self._cache[key] = synthesize(program, **options)
        return self._cache[key]


@pytest.fixture(scope="session")
def wasp_synthesize(pytestconfig: pytest.Config) -> Synthesizer:
    """Synthesize a program (default: the ``wasp_program`` ini option) under realistic mocks."""
    program = pytestconfig.getini(PROGRAM_INI)
    base = pytestconfig.inipath.parent if pytestconfig.inipath else pytestconfig.rootpath
    default_program = base / program if program else None
    return Synthesizer(default_program, pytestconfig.getini(STACK_INI) or DEFAULT_STACK)


@pytest.fixture
def wasp_stack(request: pytest.FixtureRequest, wasp_synthesize: Synthesizer) -> SynthesizedStack:
    """The stack of the closest ``@pytest.mark.wasp(...)`` (test, class or module), else the ini defaults."""
    marker = request.node.get_closest_marker(MARKER)
    if marker is None:
        return wasp_synthesize()
    options = _marker_options(marker, request.node.nodeid)
    program = options.pop("program", None)
    if isinstance(program, (str, os.PathLike)) and not Path(program).is_absolute():
        program = request.path.parent / program
    return wasp_synthesize(program, **options)


def _marker_options(marker: pytest.Mark, where: str) -> dict[str, Any]:
    if len(marker.args) > 1:
        raise pytest.UsageError(f"{where}: @pytest.mark.{MARKER} takes the program as its only positional argument")
    unknown = sorted(set(marker.kwargs) - set(_MARKER_KEYS))
    if unknown:
        raise pytest.UsageError(
            f"{where}: @pytest.mark.{MARKER} has no option {', '.join(unknown)} (its options: {', '.join(_MARKER_KEYS)})"
        )
    options = dict(marker.kwargs)
    if marker.args:
        if "program" in options:
            raise pytest.UsageError(f"{where}: @pytest.mark.{MARKER} got the program twice (positional and program=)")
        options["program"] = marker.args[0]
    return options
