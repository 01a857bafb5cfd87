"""Synthesis under mocks: the reference stack and generated programs of 100 / 500 / 1000 AWS resources built
from the components, each against the flat program of the same resources.

Every synthesis runs in a fresh interpreter (Pulumi's runtime is process-global, and no run inherits another's
warm caches) and reports ``Synthesis.seconds``: the program run alone, after its imports.
``python -m bench.synthesis reference|components|flat [UNITS]`` is that child; ``check`` compares one unit of
each program.
"""

from __future__ import annotations

import contextlib
import importlib
import json
import math
import pkgutil
import sys
from types import ModuleType
from typing import Any

from bench.measure import PYTHON, REPO, Stats, child_json, paired_ratios, python_env
from bench.report import Section, Table, cell, seconds, times

SIZES = (100, 500, 1000)
REGION = "us-east-1"
#: Per-resource cost at 1000 over the cost at 100 above this is superlinear growth; fixed costs make it < 1.
LINEAR_LIMIT = 1.25


def load_lazy_modules() -> None:
    """pulumi_aws loads a service module on first attribute access, which would fall inside the timed program
    run; load every one the project's modules hold (components, the flat program) before timing."""
    import components

    for info in pkgutil.walk_packages(components.__path__, "components."):
        importlib.import_module(info.name)
    importlib.import_module("bench.programs")
    venv = str(REPO / ".venv")
    for module in list(sys.modules.values()):
        path = str(getattr(module, "__file__", None) or "")  # __file__ does not trigger a lazy load
        if not path.startswith(str(REPO)) or path.startswith(venv):
            continue
        for value in list(vars(module).values()):
            # A module still waiting for its lazy load is of a ModuleType subclass until an attribute is read.
            if isinstance(value, ModuleType) and type(value) is not ModuleType:
                getattr(value, "__all__", None)


def _synthesize(target: str, units: int) -> dict[str, Any]:
    from bench.programs import program
    from pulumi_wasp.synthesis import FakeCloud, StackConfig, synthesize, synthesize_inline

    load_lazy_modules()
    with contextlib.redirect_stdout(sys.stderr):  # the program's prints must not mix with our JSON
        if target == "reference":
            config = StackConfig.load(REPO, "dev")
            result = synthesize(config, FakeCloud.for_stack(config))
        else:
            result = synthesize_inline(
                program(target, units), FakeCloud(region=REGION), project="bench", config={"aws:region": REGION}
            )
    return {"seconds": result.seconds, "resources": len(result), "custom": sum(r.custom for r in result)}


def _check() -> dict[str, Any]:
    from bench.programs import differences, program
    from pulumi_wasp.synthesis import FakeCloud, synthesize_inline

    load_lazy_modules()
    one = {
        kind: synthesize_inline(
            program(kind, 1), FakeCloud(region=REGION), project="bench", config={"aws:region": REGION}
        )
        for kind in ("components", "flat")
    }
    per_unit = {kind: sum(r.custom for r in result) for kind, result in one.items()}
    registrations = {kind: len(result) for kind, result in one.items()}
    return {
        "custom": per_unit,
        "registrations": registrations,
        "differences": differences(one["components"], one["flat"]),
    }


def _child(*args: str) -> dict[str, Any]:
    return child_json([PYTHON, "-m", "bench.synthesis", *args], env=python_env())


def check_programs() -> dict[str, Any]:
    """One unit of each generated program, compared (in a child): AWS resources per unit and any difference."""
    return _child("check")


def run(fast_runs: int, slow_runs: int) -> Section:
    check = check_programs()
    per_unit = check["custom"]["components"]
    reference = _child("reference")  # its size decides the flat program it is compared with
    plan: dict[str, tuple[list[str], int]] = {
        "reference": (["reference"], fast_runs),
        "reference-flat": (["flat", str(max(1, round(reference["custom"] / per_unit)))], fast_runs),
    }
    for size in SIZES:
        units = math.ceil(size / per_unit)
        count = slow_runs if size >= 500 else fast_runs
        plan[f"components-{size}"] = (["components", str(units)], count)
        plan[f"flat-{size}"] = (["flat", str(units)], count)
    # Rounds interleave every program, so a noisy minute hits all of them alike.
    results: dict[str, list[dict[str, Any]]] = {key: [] for key in plan}
    for round_ in range(max(count for _, count in plan.values())):
        for key, (args, count) in plan.items():
            if round_ < count:
                results[key].append(reference if key == "reference" and round_ == 0 else _child(*args))
    return _section(check, results)


def _section(check: dict[str, Any], results: dict[str, list[dict[str, Any]]]) -> Section:
    def per_resource(key: str) -> list[float]:
        return [r["seconds"] / r["custom"] for r in results[key]]

    def size(key: str) -> tuple[int, int]:
        return results[key][0]["custom"], results[key][0]["resources"]

    rows: list[list[str]] = []
    data: dict[str, Any] = {"check": check, "programs": {}}
    pairs = [("reference stack (dev)", "reference", "reference-flat")] + [
        (f"generated, {size}", f"components-{size}", f"flat-{size}") for size in SIZES
    ]
    for label, ours, flat in pairs:
        (custom, registrations), (flat_custom, flat_registrations) = size(ours), size(flat)
        mine, base = Stats.of([r["seconds"] for r in results[ours]]), Stats.of([r["seconds"] for r in results[flat]])
        overhead = paired_ratios(per_resource(ours), per_resource(flat))
        rows.append(
            [
                label,
                f"{custom} ({registrations})",
                cell(mine),
                f"{cell(base)} for {flat_custom}",
                cell(overhead, times),
                seconds(Stats.of(per_resource(ours)).median),
                seconds(Stats.of(per_resource(flat)).median),
            ]
        )
        data["programs"][ours] = {"aws_resources": custom, "registrations": registrations, "seconds": mine.to_json()}
        data["programs"][flat] = {
            "aws_resources": flat_custom,
            "registrations": flat_registrations,
            "seconds": base.to_json(),
        }
        data["programs"][ours]["per_resource_over_flat"] = overhead.to_json()
    first, last = SIZES[0], SIZES[-1]
    growth = {
        kind: paired_ratios(per_resource(f"{kind}-{last}"), per_resource(f"{kind}-{first}"))
        for kind in ("components", "flat")
    }
    data["linearity"] = {f"{kind}_per_resource_{last}_over_{first}": value.to_json() for kind, value in growth.items()}

    def verdict(kind: str) -> str:
        return "linear" if growth[kind].median <= LINEAR_LIMIT else "SUPERLINEAR"

    linear = [
        [
            kind,
            *(seconds(Stats.of(per_resource(f"{kind}-{size}")).median) for size in SIZES),
            cell(growth[kind], times),
            verdict(kind),
        ]
        for kind in ("components", "flat")
    ]
    notes = [
        f"Unit: a Table read by a QueueProcessor = {check['custom']['components']} AWS resources "
        f"({check['registrations']['components']} registrations with the components' own, "
        f"{check['registrations']['flat']} flat). "
        + (
            "The flat program registers the same AWS resources with identical inputs (checked in this run)."
            if not check["differences"]
            else "WARNING: the flat program no longer matches the components: " + "; ".join(check["differences"])
        ),
        "Time is the program run after its imports (`Synthesis.seconds`), one fresh interpreter per run, every program "
        "once per round. Ratios are taken within a round, then their median (min–max) across rounds. Linear means the "
        f"per-resource cost at {last} is at most {LINEAR_LIMIT}× the cost at {first}.",
    ]
    overhead_at_last = paired_ratios(per_resource(f"components-{last}"), per_resource(f"flat-{last}"))
    return Section(
        key="synthesis",
        title="Synthesis under mocks",
        notes=notes,
        tables=[
            Table(
                [
                    "program",
                    "AWS resources (all registrations)",
                    "components: median (min–max)",
                    "flat baseline (for its AWS resources)",
                    "per-resource ratio",
                    "per resource (components)",
                    "per resource (flat)",
                ],
                rows,
            ),
            Table(["program", *(f"per resource at {s}" for s in SIZES), f"{last} / {first}", "growth"], linear),
        ],
        data=data,
        summary=[
            f"synthesis: per AWS resource, components take {times(overhead_at_last.median)} the flat program's time at {last}; "
            f"per-resource cost at {last} over {first}: {times(growth['components'].median)} ({verdict('components')})"
        ],
    )


def main(argv: list[str]) -> None:
    target = argv[0]
    result = _check() if target == "check" else _synthesize(target, int(argv[1]) if len(argv) > 1 else 0)
    print(json.dumps(result))


if __name__ == "__main__":
    main(sys.argv[1:])
