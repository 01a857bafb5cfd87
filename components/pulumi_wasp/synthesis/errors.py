"""The one error synthesis fails with, and how it is told to a person."""

from __future__ import annotations

import traceback
from pathlib import Path


class ProgramError(Exception):
    """The program could not be synthesized: bad project files, unknown stack, or the program raised."""


def located(exc: ProgramError, program_dir: str | Path) -> str:
    """``exc`` as ``path:line: message`` when the program's own code raised it: the deepest frame of its
    cause's traceback in a file under ``program_dir`` (outside the program's virtualenv); else the message."""
    root = Path(program_dir).resolve()
    frames: list[traceback.FrameSummary] = []
    cause: BaseException | None = exc
    while cause is not None:
        frames += traceback.extract_tb(cause.__traceback__)
        cause = cause.__cause__
    for frame in reversed(frames):
        path = Path(frame.filename).resolve()
        if path.is_relative_to(root) and not {".venv", "site-packages"} & set(path.relative_to(root).parts):
            shown = path.relative_to(Path.cwd()) if path.is_relative_to(Path.cwd()) else path
            return f"{shown}:{frame.lineno}: {exc}"
    return str(exc)
