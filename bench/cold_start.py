"""Cold start and warm invoke of every handler.

Cold start: a fresh interpreter per handler, started in its archive layout (its folder and shared/ at the root,
bytecode compiled) with a Lambda-like environment (LAMBDA_TASK_ROOT set, so Tracer loads the X-Ray SDK and patches
botocore as it does in Lambda). It first imports the libraries the handler loads, alone, then the handler: the two
times are the baseline and what the handler's own code adds (goal ≤ 10 %: issue 16, a burst is a wave of cold starts), from one process and so one moment's
noise. The whole process is compared with ``python -c pass``, run in the same rounds. A library the handler's code
imports that a representative invocation never runs is flagged.

Warm invoke: see bench/invoke.py.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from bench.lambdas import (
    LAMBDAS,
    LIBRARIES,
    Handler,
    Library,
    build_archive,
    imported_directly,
    imported_names,
    loaded,
    test_environment,
    used,
)
from bench.measure import PYTHON, Stats, child_json, paired_ratios, python_env, ratio, run_child
from bench.report import Section, Table, cell, seconds, times

OWN_CODE_GOAL = 0.10
#: Runs argv[1] (the libraries' setup) then argv[2] (the handler's import), timing each, and lists the modules
#: loaded and the archive's files among them.
CHILD = """
import json, os, sys, time
started = time.perf_counter()
exec(compile(sys.argv[1], "<libraries>", "exec"), {"__name__": "__bench__"})
libraries = time.perf_counter()
exec(compile(sys.argv[2], "<handler>", "exec"), {"__name__": "__bench__"})
done = time.perf_counter()
root = os.getcwd() + os.sep
files = sorted({f[len(root):] for m in list(sys.modules.values()) if type(m).__name__ == "module" and (f := getattr(m, "__file__", None)) and f.startswith(root)})
print(json.dumps({"libraries": libraries - started, "own": done - libraries, "modules": sorted(sys.modules), "files": files}))
"""


def lambda_environment(task_root: Path, function: str) -> dict[str, str]:
    """The handler tests' variables, but tracing on and the Lambda markers set; nothing else of this machine's."""
    env, _ = test_environment()
    env.pop("POWERTOOLS_TRACE_DISABLED", None)
    return {
        "PATH": os.environ.get("PATH", ""),
        "LANG": "C.UTF-8",
        "PYTHONDONTWRITEBYTECODE": "1",  # the archive is read-only in Lambda
        **env,
        "LAMBDA_TASK_ROOT": str(task_root),
        "AWS_LAMBDA_FUNCTION_NAME": function,
    }


def _cold(setup: str, code: str, cwd: Path, env: dict[str, str]) -> tuple[float, dict[str, Any]]:
    wall, done = run_child([PYTHON, "-c", CHILD, setup, code], env=env, cwd=cwd, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"{code!r} failed in a fresh interpreter:\n{done.stderr[-2000:]}")
    return wall, json.loads(done.stdout.strip().splitlines()[-1])


def _setup(libraries: tuple[Library, ...]) -> str:
    return "\n".join(lib.setup for lib in libraries) or "pass"


def probe(found: list[Handler]) -> tuple[dict[Handler, dict[str, Any]], list[str]]:
    """One cold import per handler (modules loaded, archive files among them), and the modules of `python -c pass`.
    Also warms the file cache before the timed rounds."""
    with tempfile.TemporaryDirectory(prefix="bench-lambdas-") as tmp:
        roots = {folder: build_archive(folder, Path(tmp)) for folder in {h.folder for h in found}}
        probes = {
            h: _cold("pass", f"import {h.module}", roots[h.folder], lambda_environment(roots[h.folder], h.module))[1]
            for h in found
        }
        startup = _cold("pass", "pass", Path(tmp), lambda_environment(Path(tmp), "bench"))[1]["modules"]
    return probes, startup


def run(found: list[Handler], probes: dict[Handler, dict[str, Any]], runs: int, invokes: int) -> Section:
    libraries = {h: tuple(loaded(probes[h]["modules"])) for h in found}
    samples: dict[Handler | str, dict[str, list[float]]] = {}
    with tempfile.TemporaryDirectory(prefix="bench-lambdas-") as tmp:
        roots = {folder: build_archive(folder, Path(tmp)) for folder in {h.folder for h in found}}
        for _ in range(runs):  # rounds: every figure and its baselines share the same minutes
            children = [("pass", "pass", "pass", Path(tmp), "bench")] + [
                (h, _setup(libraries[h]), f"import {h.module}", roots[h.folder], h.module) for h in found
            ]
            for key, setup, code, root, function in children:
                wall, result = _cold(setup, code, root, lambda_environment(root, function))
                entry = samples.setdefault(key, {"wall": [], "libraries": [], "own": []})
                entry["wall"].append(wall)
                entry["libraries"].append(result["libraries"])
                entry["own"].append(result["own"])
    warm = {
        h: child_json([PYTHON, "-m", "bench.invoke", h.module, str(invokes)], env=python_env(), timeout=300)
        for h in found
    }
    return _section(found, probes, libraries, samples, warm, runs, invokes)


def flags(libraries: tuple[Library, ...], own_imports: set[str], modules_run: list[str]) -> list[str]:
    """Libraries the handler's own code imports but a representative invocation never runs."""
    return [lib.label for lib in libraries if imported_directly(lib, own_imports) and not used(lib, modules_run)]


def _own_imports(files: list[str]) -> set[str]:
    """What the archive's modules a handler loads import (``files`` relative to the archive root = lambdas/)."""
    return {name for path in files for name in imported_names((LAMBDAS / path).read_text())}


def _section(
    found: list[Handler],
    probes: dict[Handler, dict[str, Any]],
    libraries: dict[Handler, tuple[Library, ...]],
    samples: dict[Handler | str, dict[str, list[float]]],
    warm: dict[Handler, dict[str, Any]],
    runs: int,
    invokes: int,
) -> Section:
    blank = Stats.of(samples["pass"]["wall"])
    cold_rows, warm_rows, over_goal, flagged = [], [], [], []
    data: dict[str, Any] = {"python_c_pass": blank.to_json()}
    for h in found:
        timed = samples[h]
        total = Stats.of([a + b for a, b in zip(timed["libraries"], timed["own"], strict=True)])
        libs, own, wall = Stats.of(timed["libraries"]), Stats.of(timed["own"]), Stats.of(timed["wall"])
        added = paired_ratios(timed["own"], timed["libraries"]).median  # both halves of a sample share its noise
        unused = flags(libraries[h], _own_imports(probes[h]["files"]), warm[h]["modules_run"])
        met = added <= OWN_CODE_GOAL
        over_goal += [] if met else [f"{h.module} (+{added * 100:.0f} %)"]
        flagged += [f"{h.module} ({', '.join(unused)})"] if unused else []
        cold_rows.append(
            [
                f"{h.module}.handler",
                ", ".join(lib.label for lib in libraries[h]) or "none",
                cell(total),
                cell(libs),
                cell(own),
                f"+{added * 100:.0f} %",
                "met" if met else "MISSED",
                f"{seconds(wall.median)} ({times(ratio(wall.median, blank.median))})",
                ", ".join(f"imports {label}, never runs it" for label in unused),
            ]
        )
        invoke, get_item = Stats.of(warm[h]["invoke"]), Stats.of(warm[h]["get_item"])
        per_get_item = paired_ratios(warm[h]["invoke"], warm[h]["get_item"]).median  # interleaved, so paired
        calls = Stats.of(warm[h]["aws_calls"]).median
        warm_rows.append(
            [
                f"{h.module}.handler",
                seconds(warm[h]["first_invoke"]),
                cell(invoke),
                f"{calls:g}",
                cell(get_item),
                times(per_get_item),
                times(ratio(per_get_item, calls)),
            ]
        )
        data[h.module] = {
            "libraries": [lib.label for lib in libraries[h]],
            "cold_import": total.to_json(),
            "libraries_import": libs.to_json(),
            "own_code_import": own.to_json(),
            "own_over_libraries": added,
            "process_wall": wall.to_json(),
            "unused_imports": unused,
            "first_invoke_seconds": warm[h]["first_invoke"],
            "warm_invoke": invoke.to_json(),
            "aws_calls_per_invoke": calls,
            "get_item_baseline": get_item.to_json(),
        }
    goal = f"+{OWN_CODE_GOAL * 100:.0f} %"
    notes = [
        f"Cold import: {runs} rounds of one fresh interpreter per handler (and one for `python -c pass`: {seconds(blank.median)}). "
        "Each first imports the libraries the handler loads, alone, then the handler: *libraries* and *own code* are those "
        f"two times, *own / libraries* their ratio per round (median; goal ≤ {goal}), *process* the child's wall time "
        "and its ratio to `python -c pass`. Libraries: "
        + "; ".join(f"{lib.label} = `{lib.setup}`" for lib in LIBRARIES)
        + ".",
        "*Own code* is everything the handler's modules run at import: creating a boto3 client there (botocore loads the "
        "service's model) counts, while a handler creating its clients on first use pays that in its *first invoke*.",
        f"Warm invoke: after a timed first call (first-use costs) and an untimed second one, {invokes} calls of the handler "
        "in-process against moto, each with a new one-record event (bench/invoke.py); baseline: one DynamoDB GetItem "
        "against the same moto, interleaved. The last column compares a call with that many GetItems: near ×1 the time "
        "is the (emulated) AWS calls, well above it the handler's own work. *Flag*: a library the handler's code "
        "imports that the second call never ran.",
    ]
    summary = [
        f"cold start: own code over the libraries it loads ≤ {goal}: "
        + (f"missed by {', '.join(over_goal)}" if over_goal else "met by every handler"),
        "libraries imported but never run by a representative invocation: "
        + ("; ".join(flagged) if flagged else "none"),
    ]
    return Section(
        key="cold_start",
        title="Cold start and warm invoke",
        notes=notes,
        tables=[
            Table(
                [
                    "handler",
                    "libraries it loads",
                    "cold import: median (min–max)",
                    "libraries",
                    "own code",
                    "own / libraries",
                    "goal",
                    "process (vs `pass`)",
                    "flag",
                ],
                cold_rows,
            ),
            Table(
                [
                    "handler",
                    "first invoke",
                    "warm invoke: median (min–max)",
                    "AWS calls",
                    "GetItem baseline",
                    "ratio",
                    "vs calls × GetItem",
                ],
                warm_rows,
            ),
        ],
        data=data,
        summary=summary,
    )
