"""A program's own scenario: the file ``localcloud_scenario.py`` next to its ``__main__.py``.

It defines ``scenario(cloud) -> None``, which ``wasp local run`` calls once the program is deployed and
running, with a :class:`~pulumi_wasp.localcloud.client.Cloud`; raising ends the run with exit status 1. It
may also define ``bench``, the load ``wasp local bench`` drives (:class:`~pulumi_wasp.localcloud.bench.Load`).
The file is loaded by path (under the module name ``localcloud_scenario``); what it imports must be
installed, as for the program.
"""

from __future__ import annotations

import importlib.util
import sys
import traceback
from pathlib import Path
from types import ModuleType

FILE = "localcloud_scenario.py"
MODULE = "localcloud_scenario"


class ScenarioError(Exception):
    """The scenario file cannot be used (the message names the file and, where there is one, the line)."""


def path_of(program_dir: Path) -> Path:
    return Path(program_dir) / FILE


def load(program_dir: Path) -> ModuleType | None:
    """The program's scenario module, or None when it has no ``localcloud_scenario.py``."""
    path = path_of(program_dir)
    if not path.is_file():
        return None
    spec = importlib.util.spec_from_file_location(MODULE, path)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[MODULE] = module  # dataclasses and pickling look their module up by name
    try:
        spec.loader.exec_module(module)
    except SyntaxError as exc:
        sys.modules.pop(MODULE, None)
        raise ScenarioError(f"{exc.filename}:{exc.lineno}: {exc.msg}") from None
    except Exception as exc:
        sys.modules.pop(MODULE, None)
        raise ScenarioError(f"{where(exc, path)}: {type(exc).__name__}: {exc}") from None
    if not callable(getattr(module, "scenario", None)):
        raise ScenarioError(f"{path}: defines no function scenario(cloud)")
    return module


def where(exc: BaseException, path: Path) -> str:
    """``file:line`` of the deepest frame of ``exc``'s traceback in ``path`` (the file alone if none)."""
    frames = [f for f in traceback.extract_tb(exc.__traceback__) if Path(f.filename) == path]
    return f"{path}:{frames[-1].lineno}" if frames else str(path)
