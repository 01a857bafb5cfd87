"""``python -m bench`` (``make bench``): run every benchmark, write BENCHMARKS.md and bench/results.json."""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import cold_start, localcloud, packages, policies, reload, suite, synthesis
from bench.lambdas import handlers
from bench.measure import REPO
from bench.report import Section, seconds, write

SECTIONS = ("synthesis", "policies", "suite", "cold_start", "packages", "localcloud", "reload")


def machine() -> dict[str, Any]:
    cpuinfo = Path("/proc/cpuinfo")
    lines = cpuinfo.read_text().splitlines() if cpuinfo.is_file() else []
    cpu = next((line.split(":", 1)[1].strip() for line in lines if line.startswith("model name")), platform.processor())
    git = ["git", "rev-parse", "--short", "HEAD"]
    commit = subprocess.run(git, cwd=REPO, capture_output=True, text=True).stdout.strip()  # noqa: S603
    return {
        "date": datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "CPUs": os.cpu_count(),
        "CPU": cpu,
        "Python": platform.python_version(),
        "platform": platform.platform(),
        "commit": commit or "unknown",
        "load average at start (1/5/15 min)": " / ".join(f"{load:.2f}" for load in os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument(
        "--only", help=f"comma-separated sections to run (of {', '.join(SECTIONS)}); marks the output partial"
    )
    parser.add_argument("--runs", type=int, default=5, help="runs of each fast figure (default 5)")
    parser.add_argument("--slow-runs", type=int, default=3, help="runs of each slow figure (default 3)")
    # One run of the whole suite (end-to-end and packaging phases included) takes about 10 minutes on 2 cores: alone
    # it would push make bench past its 15-minute budget, and every CI run already times it. Opt in with a count.
    parser.add_argument(
        "--suite-runs", type=int, default=0, help="runs of the test-suite figure (default 0: not measured)"
    )
    # The local cloud's 600-order run takes minutes: it runs once, the 60-order run twice (make bench within 15 minutes).
    parser.add_argument(
        "--localcloud-runs", type=int, default=2, help="runs of the local cloud's 60-order figure (default 2)"
    )
    parser.add_argument("--invokes", type=int, default=20, help="warm invocations per handler (default 20)")
    args = parser.parse_args(argv)
    chosen = args.only.split(",") if args.only else list(SECTIONS)
    unknown = set(chosen) - set(SECTIONS)
    if unknown:
        parser.error(f"unknown section(s): {', '.join(sorted(unknown))}")
    if args.suite_runs < 0:
        parser.error(f"--suite-runs must be 0 or more, not {args.suite_runs}")
    if args.only and "suite" in chosen and args.suite_runs == 0:
        parser.error("--only suite needs --suite-runs N (N ≥ 1): the suite is not measured by default")
    started = time.perf_counter()
    info = machine()
    found = handlers()
    probes, startup = cold_start.probe(found) if {"cold_start", "packages"} & set(chosen) else ({}, [])
    steps: dict[str, Callable[[], Section]] = {
        "synthesis": lambda: synthesis.run(args.runs, args.slow_runs),
        "policies": lambda: policies.run(args.runs, args.slow_runs),
        "suite": lambda: suite.run(args.suite_runs),
        "cold_start": lambda: cold_start.run(found, probes, args.runs, args.invokes),
        "packages": lambda: packages.run(found, probes, startup),
        "localcloud": lambda: localcloud.run(args.localcloud_runs),
        "reload": lambda: reload.run(args.runs),
    }
    sections: list[Section] = []
    skipped: dict[str, str] = {}
    if "suite" in chosen and args.suite_runs == 0:
        chosen.remove("suite")
        skipped["test suite"] = (
            "not measured by default (one run is about 10 minutes, over this run's budget; CI times every run): "
            "`python -m bench --suite-runs 1`"
        )
    for key in SECTIONS:
        if key not in chosen:
            continue
        began = time.perf_counter()
        print(f"bench: {key} ...", file=sys.stderr, flush=True)
        sections.append(steps[key]())
        print(f"bench: {key} done in {seconds(time.perf_counter() - began)}", file=sys.stderr, flush=True)
    info["bench duration"] = seconds(time.perf_counter() - started)
    if args.only:
        info["partial run"] = ", ".join(chosen)
    write(REPO, REPO / "bench" / "results.json", sections, info, skipped)
    print(f"bench: wrote BENCHMARKS.md and bench/results.json in {info['bench duration']}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
