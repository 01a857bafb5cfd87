"""The test suite: wall time of each `make test` phase (pytest on one directory of tests/, in a child process)
against collecting the same directory (`pytest --collect-only`), i.e. start-up, imports and collection alone."""

from __future__ import annotations

from pathlib import Path

from bench.measure import PYTHON, REPO, Stats, paired_ratios, python_env, ratio, run_child
from bench.report import Section, Table, cell, seconds, times

#: Known phases first, in `make test` order; any other directory of tests follows in name order.
PHASES = {"unit": "unit", "policies": "policies", "preview": "preview", "lambdas": "handlers", "e2e": "e2e"}


def phases(tests: Path = REPO / "tests") -> dict[str, str]:
    """Directory name -> phase label, for each directory of tests/ that holds test modules."""
    found = sorted(d.name for d in tests.iterdir() if d.is_dir() and any(d.rglob("test_*.py")))
    ordered = [name for name in PHASES if name in found] + [name for name in found if name not in PHASES]
    return {name: PHASES.get(name, name) for name in ordered}


def _pytest(directory: str, *options: str) -> tuple[float, int, str]:
    wall, done = run_child(
        [PYTHON, "-m", "pytest", "-q", *options, f"tests/{directory}"], env=python_env(), timeout=900
    )
    lines = done.stdout.strip().splitlines()
    return wall, done.returncode, lines[-1] if lines else ""


def run(runs: int) -> Section:
    found = phases()
    samples: dict[str, dict[str, list[float]]] = {name: {"run": [], "collect": []} for name in found}
    outcome: dict[str, tuple[int, str]] = {}
    for _ in range(runs):  # rounds, so noise spreads over every phase and its baseline
        for name in found:
            samples[name]["collect"].append(_pytest(name, "--collect-only")[0])
            wall, code, last = _pytest(name)
            samples[name]["run"].append(wall)
            outcome[name] = (code, last)
    rows, data = [], {}
    totals = {"run": 0.0, "collect": 0.0}
    for name, label in found.items():
        run_, collect = Stats.of(samples[name]["run"]), Stats.of(samples[name]["collect"])
        totals["run"] += run_.median
        totals["collect"] += collect.median
        code, last = outcome[name]
        rows.append(
            [
                label,
                f"tests/{name}",
                cell(run_),
                cell(collect),
                cell(paired_ratios(samples[name]["run"], samples[name]["collect"]), times),
                last + ("" if code == 0 else f" (exit {code})"),
            ]
        )
        data[name] = {
            "phase": label,
            "run": run_.to_json(),
            "collect_only": collect.to_json(),
            "exit_code": code,
            "result": last,
        }
    rows.append(
        [
            "total",
            "sum of medians",
            seconds(totals["run"]),
            seconds(totals["collect"]),
            times(ratio(totals["run"], totals["collect"])),
            "",
        ]
    )
    data["total"] = {"run_seconds": totals["run"], "collect_only_seconds": totals["collect"]}
    return Section(
        key="suite",
        title="Test suite",
        notes=[
            f"`python -m pytest -q tests/<dir>` per phase in a child process, wall time, {runs} runs; baseline: "
            "`--collect-only` of the same directory (interpreter start, imports, collection), run just before it; the ratio is taken per round."
        ],
        tables=[Table(["phase", "directory", "run: median (min–max)", "collect-only", "ratio", "last run"], rows)],
        data=data,
        summary=[
            f"test suite: {seconds(totals['run'])} over {len(found)} phases "
            f"({times(ratio(totals['run'], totals['collect']))} their collection)"
        ],
    )
