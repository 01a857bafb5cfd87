"""BENCHMARKS.md and bench/results.json from the sections' results: formatting only, no measuring."""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bench.measure import Stats

HOW_TO_READ = """\
Every figure is the **median** of several runs with its **(min–max)**, next to a **baseline measured in the same
run** and the ratio figure / baseline. The machine is shared and noisy: compare ratios across runs, not absolute
times. Runs of different programs are interleaved, so a noisy minute hits a figure and its baseline alike.
`python -m bench` (or `make bench`) regenerates this file and `bench/results.json`; `--only SECTION` runs one
section (its output is marked partial)."""


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]


@dataclass
class Section:
    """One benchmark's result: tables for people, ``data`` (raw samples included) for machines."""

    key: str
    title: str
    notes: list[str]
    tables: list[Table]
    data: dict[str, Any]
    #: One-line conclusions for the summary at the top of BENCHMARKS.md.
    summary: list[str] = field(default_factory=list)


def seconds(value: float) -> str:
    if value >= 1:
        return f"{value:.2f} s"
    if value >= 0.001:
        return f"{value * 1000:.1f} ms"
    return f"{value * 1_000_000:.0f} µs"


def size(value: float) -> str:
    for unit, scale in (("MB", 1_000_000), ("kB", 1_000)):
        if value >= scale:
            return f"{value / scale:.1f} {unit}"
    return f"{value:.0f} B"


def rate(value: float) -> str:
    return f"{value:,.0f}/s"


def times(value: float | None) -> str:
    return "n/a" if value is None else f"×{value:.3g}"


def cell(stats: Stats, unit: Callable[[float], str] = seconds) -> str:
    if len(stats.samples) == 1:
        return unit(stats.median)
    return f"{unit(stats.median)} ({unit(stats.min)}–{unit(stats.max)})"


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def markdown_table(table: Table) -> str:
    lines = ["| " + " | ".join(_escape(c) for c in table.columns) + " |", "|" + "---|" * len(table.columns)]
    lines += ["| " + " | ".join(_escape(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


def render(sections: Sequence[Section], machine: dict[str, Any], skipped: dict[str, str]) -> str:
    out = ["# Benchmarks", "", HOW_TO_READ, "", "## Machine", ""]
    out += [f"- {key}: {value}" for key, value in machine.items()]
    summary = [line for section in sections for line in section.summary]
    if summary or skipped:
        out += ["", "## Summary", ""]
        out += [f"- {line}" for line in summary]
        out += [f"- {title}: {reason}" for title, reason in skipped.items()]
    for section in sections:
        out += ["", f"## {section.title}", ""]
        out += [f"{note}\n" for note in section.notes]
        for table in section.tables:
            out += [markdown_table(table), ""]
    return "\n".join(out).rstrip() + "\n"


def to_json(sections: Sequence[Section], machine: dict[str, Any], skipped: dict[str, str]) -> dict[str, Any]:
    return {"machine": machine, "skipped": skipped, "sections": {s.key: s.data for s in sections}}


def write(
    directory: Path, results: Path, sections: Sequence[Section], machine: dict[str, Any], skipped: dict[str, str]
) -> None:
    (directory / "BENCHMARKS.md").write_text(render(sections, machine, skipped))
    results.write_text(json.dumps(to_json(sections, machine, skipped), indent=2) + "\n")
