"""Hot reload of the local cloud's runtime: how soon an edited handler answers, and what the watcher costs idle.

Latency: a copy of the e2e probe function runs in a real execution environment with the watcher's thread polling
(localcloud/runtime/reload.py); each round edits the handler and invokes until the new code answers. Baseline, same
round: one cold-start invocation of the same function (a reload costs at most one poll interval more than that).

Idle cost: the watcher's thread over the reference system's code folders (every lambdas/<folder> with lambdas/shared,
as its functions package them), its CPU time read from the thread's own clock over a window with no edit. Baseline,
same window: a thread waking at the same interval without scanning.
"""

from __future__ import annotations

import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from bench.measure import PYTHON, REPO, Stats, child_json, python_env, ratio
from bench.report import Section, Table, cell, seconds, times

PROBE = REPO / "tests" / "e2e" / "functions" / "probe"
LAMBDAS = REPO / "lambdas"
IDLE_WINDOW_SECONDS = 2.0
#: The handler line each round rewrites, so the new code's answer names its round.
MARK = '"calls": CALLS["count"],'


def _spec(name: str, handler: str, code: dict[str, Path]) -> Any:
    from pulumi_wasp.localcloud.deploy.registry import FunctionSpec

    return FunctionSpec(
        name=name,
        arn=f"arn:aws:lambda:us-east-1:123456789012:function:{name}",
        handler=handler,
        code=code,
        environment={},
        timeout_seconds=10,
        memory_mb=128,
        reserved_concurrency=None,
        log_group=f"/aws/lambda/{name}",
        logical_name=name,
    )


def _latency(root: Path, rounds: int) -> dict[str, list[float]]:
    from pulumi_wasp.localcloud.runtime.functions import Function, Zygote
    from pulumi_wasp.localcloud.runtime.reload import CodeWatcher

    code = root / "code" / "probe"
    shutil.copytree(PROBE, code, ignore=shutil.ignore_patterns("__pycache__"))
    handler, original = code / "handler.py", (code / "handler.py").read_text()
    (root / "state" / "logs").mkdir(parents=True)
    zygote = Zygote(root / "state" / "logs" / "runtime.log")
    zygote.start()
    function = Function(_spec("probe", "probe.handler.handler", {"probe": code}), zygote, root / "state", {})
    watcher = CodeWatcher([function])
    watcher.start()
    samples: dict[str, list[float]] = {"reload": [], "cold_start": []}
    try:
        function.invoke({})
        for index in range(1, rounds + 1):
            function.reload("bench: the baseline's cold start")
            started = time.perf_counter()
            function.invoke({})
            samples["cold_start"].append(time.perf_counter() - started)
            handler.write_text(original.replace(MARK, f'{MARK} "version": {index},'))
            edited = time.perf_counter()
            while function.invoke({}).result.get("version") != index:
                if time.perf_counter() - edited > 30:
                    raise RuntimeError("the edited handler did not answer within 30 s")
                time.sleep(0.005)
            samples["reload"].append(time.perf_counter() - edited)
    finally:
        watcher.stop()
        function.close()
        zygote.stop()
    return samples


def _thread_cpu(target: threading.Thread, window: float) -> float:
    clock = time.pthread_getcpuclockid(target.ident or 0)
    before = time.clock_gettime(clock)
    time.sleep(window)
    return time.clock_gettime(clock) - before


def _wake_until(stop: threading.Event, interval: float) -> None:
    while not stop.wait(interval):
        pass


def _idle(root: Path, rounds: int) -> dict[str, Any]:
    from pulumi_wasp.localcloud.runtime.functions import Function, Zygote
    from pulumi_wasp.localcloud.runtime.reload import POLL_SECONDS, CodeWatcher

    folders = sorted(p for p in LAMBDAS.iterdir() if p.is_dir() and p.name not in ("shared", "__pycache__"))
    zygote = Zygote(root / "unused.log")  # never started: the watcher only reads the functions' code folders
    functions = [
        Function(_spec(f.name, "handler.handler", {f.name: f, "shared": LAMBDAS / "shared"}), zygote, root / "idle", {})
        for f in folders
    ]
    samples: dict[str, list[float]] = {"watcher": [], "waking": []}
    for _ in range(rounds):
        watcher = CodeWatcher(functions)
        watcher.start()
        stop = threading.Event()
        waking = threading.Thread(target=_wake_until, args=(stop, POLL_SECONDS))
        waking.start()
        watched = _thread_cpu(watcher.thread, IDLE_WINDOW_SECONDS)
        samples["watcher"].append(watched / IDLE_WINDOW_SECONDS)
        samples["waking"].append(_thread_cpu(waking, IDLE_WINDOW_SECONDS) / IDLE_WINDOW_SECONDS)
        watcher.stop()
        stop.set()
        waking.join()
    return {**samples, "folders": len(watcher.folders), "files": watcher.files, "poll_seconds": POLL_SECONDS}


def measure(rounds: int) -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="bench-reload-") as tmp:
        return {**_latency(Path(tmp), rounds), "idle": _idle(Path(tmp), rounds)}


def run(runs: int) -> Section:
    result = child_json([PYTHON, "-m", "bench.reload", str(runs)], env=python_env(), timeout=600)
    reload, cold = Stats.of(result["reload"]), Stats.of(result["cold_start"])
    idle = result["idle"]
    watcher, waking = Stats.of(idle["watcher"]), Stats.of(idle["waking"])

    def percent(value: float) -> str:
        return f"{value * 100:.3f} % of a core"

    return Section(
        key="reload",
        title="Hot reload",
        notes=[
            f"{runs} edits of the probe handler; the watcher polls every {idle['poll_seconds']:g} s (wall time).",
            f"Idle: {idle['folders']} code folders, {idle['files']} files (the reference system), "
            f"{IDLE_WINDOW_SECONDS:g} s windows; baseline: a thread waking as often without scanning.",
        ],
        tables=[
            Table(
                ["figure", "median (min–max)", "baseline", "ratio"],
                [
                    [
                        "edit → new code answers",
                        cell(reload),
                        f"cold start {cell(cold)}",
                        times(ratio(reload.median, cold.median)),
                    ],
                    [
                        "watcher CPU, idle",
                        cell(watcher, percent),
                        cell(waking, percent),
                        times(ratio(watcher.median, waking.median)),
                    ],
                ],
            )
        ],
        data={
            "reload": reload.to_json(),
            "cold_start": cold.to_json(),
            "idle": {**idle, "watcher": watcher.to_json(), "waking": waking.to_json()},
        },
        summary=[
            f"hot reload: an edit answers after {seconds(reload.median)}; the idle watcher uses {percent(watcher.median)}"
        ],
    )


if __name__ == "__main__":
    print(json.dumps(measure(int(sys.argv[1]))))
