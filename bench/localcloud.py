"""Local cloud throughput: orders/s end to end and p50/p99 per stage, against raw moto SQS throughput in the same run.

The hook: ``wasp local bench --orders N`` on the reference program (its load is the ``bench`` of
localcloud_scenario.py) prints ``{"orders": <completed>, "seconds": <wall time>, "stages": {"<stage>": [<latency
seconds>, ...]}, ...}``; this module runs it in a child next to its baseline (``python -m bench.localcloud N``).
"""

from __future__ import annotations

import json
import math
import sys
import time
from collections.abc import Sequence
from typing import Any

from bench.measure import PYTHON, Stats, child_json, python_env, ratio
from bench.report import Section, Table, cell, rate, seconds, times

#: The command of this checkout's toolkit (as `wasp`, whatever the virtualenv's install points at).
WASP = [PYTHON, "-m", "pulumi_wasp"]


def percentile(samples: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100) of a non-empty sample."""
    ordered = sorted(samples)
    return ordered[max(0, math.ceil(q / 100 * len(ordered)) - 1)]


def _sqs(messages: int) -> dict[str, Any]:
    """Messages/s through one moto queue in-process: send, receive and delete each, one at a time."""
    import boto3
    from moto import mock_aws

    with mock_aws():
        sqs = boto3.client("sqs", region_name="us-east-1")
        url = sqs.create_queue(QueueName="bench")["QueueUrl"]
        started = time.perf_counter()
        for index in range(messages):
            sqs.send_message(QueueUrl=url, MessageBody=str(index))
            [message] = sqs.receive_message(QueueUrl=url, MaxNumberOfMessages=1)["Messages"]
            sqs.delete_message(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"])
        return {"orders": messages, "seconds": time.perf_counter() - started, "stages": {}}


def run(runs: int, orders: int) -> Section:
    commands = {
        "localcloud": [*WASP, "local", "bench", "--orders", str(orders)],
        "sqs": [PYTHON, "-m", "bench.localcloud", str(orders)],
    }
    results: dict[str, list[dict[str, Any]]] = {kind: [] for kind in commands}
    for _ in range(runs):
        for kind, command in commands.items():
            results[kind].append(child_json(command, env=python_env(), timeout=600))
    throughput = {kind: Stats.of([r["orders"] / r["seconds"] for r in rs]) for kind, rs in results.items()}
    stages: dict[str, list[float]] = {}
    for result in results["localcloud"]:
        for stage, latencies in result["stages"].items():
            stages.setdefault(stage, []).extend(latencies)
    return Section(
        key="localcloud",
        title="Local cloud",
        notes=[
            f"{orders} orders end to end per run, {runs} runs; baseline: messages sent, received and deleted one by one through a moto SQS queue."
        ],
        tables=[
            Table(
                ["figure", "median (min–max)", "moto SQS baseline", "ratio"],
                [
                    [
                        "orders/s",
                        cell(throughput["localcloud"], rate),
                        cell(throughput["sqs"], rate),
                        times(ratio(throughput["localcloud"].median, throughput["sqs"].median)),
                    ]
                ],
            ),
            Table(
                ["stage", "p50", "p99"],
                [[stage, seconds(percentile(v, 50)), seconds(percentile(v, 99))] for stage, v in stages.items()],
            ),
        ],
        data={
            "throughput": {k: v.to_json() for k, v in throughput.items()},
            "stages": {k: {"p50": percentile(v, 50), "p99": percentile(v, 99)} for k, v in stages.items()},
        },
        summary=[
            f"local cloud: {rate(throughput['localcloud'].median)} orders ({times(ratio(throughput['localcloud'].median, throughput['sqs'].median))} raw moto SQS)"
        ],
    )


def main(argv: list[str]) -> None:
    print(json.dumps(_sqs(int(argv[0]))))


if __name__ == "__main__":
    main(sys.argv[1:])
