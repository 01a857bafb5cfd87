"""Samples, their statistics, and timed child processes.

Every figure is the median of several runs with its min and max, and is shown next to a baseline
measured in the same run as a ratio: on a shared, noisy machine only ratios compare across runs.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
PYTHON = sys.executable


@dataclass(frozen=True)
class Stats:
    """Repeated measurements of one figure (seconds, bytes or a rate)."""

    samples: tuple[float, ...]

    def __post_init__(self) -> None:
        if not self.samples:
            raise ValueError("Stats needs at least one sample")

    @classmethod
    def of(cls, samples: Sequence[float]) -> Stats:
        return cls(tuple(samples))

    @property
    def median(self) -> float:
        return statistics.median(self.samples)

    @property
    def min(self) -> float:
        return min(self.samples)

    @property
    def max(self) -> float:
        return max(self.samples)

    def scaled(self, factor: float) -> Stats:
        return Stats(tuple(sample * factor for sample in self.samples))

    def to_json(self) -> dict[str, Any]:
        return {"median": self.median, "min": self.min, "max": self.max, "samples": list(self.samples)}


def ratio(figure: float, baseline: float) -> float | None:
    """figure / baseline, or None when the baseline is zero (nothing to compare with)."""
    return figure / baseline if baseline else None


def paired_ratios(figures: Sequence[float], baselines: Sequence[float]) -> Stats:
    """figure / baseline per round (samples taken in the same round pair up), so a noisy round cancels out."""
    return Stats.of([figure / baseline for figure, baseline in zip(figures, baselines, strict=False)])


def run_child(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = REPO, timeout: float = 300
) -> tuple[float, subprocess.CompletedProcess[str]]:
    """Run a child process to completion; returns its wall time (seconds) and the finished process."""
    started = time.perf_counter()
    environment = dict(env) if env is not None else None
    # Our own interpreter and arguments, never user input.
    done = subprocess.run(list(args), cwd=cwd, env=environment, capture_output=True, text=True, timeout=timeout)  # noqa: S603
    return time.perf_counter() - started, done


def child_json(
    args: Sequence[str], *, env: Mapping[str, str] | None = None, cwd: Path = REPO, timeout: float = 300
) -> dict[str, Any]:
    """Run a bench worker and return the JSON object it prints last; its stderr explains a failure."""
    _, done = run_child(args, env=env, cwd=cwd, timeout=timeout)
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        tail = "\n".join(done.stderr.strip().splitlines()[-15:])
        raise RuntimeError(f"{' '.join(args[:4])} ... exited {done.returncode}:\n{tail}")
    return dict(json.loads(lines[-1]))


def python_env(**extra: str) -> dict[str, str]:
    """This environment with the repo importable (`python -m bench` may be started from anywhere): this checkout's
    package first, so a shared virtualenv's editable install of another checkout never shadows it."""
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "components"), str(REPO)]), **extra}
