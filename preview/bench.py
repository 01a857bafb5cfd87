"""Benchmark (not a test): how long the pack takes over a program and over a generated 1000-resource stack.

``python -m preview.bench [--program DIR] [--stack NAME] [--resources N] [--runs N]``

For each stack it reports the best of ``--runs`` policy runs (Configure, Analyze per resource, AnalyzeStack)
next to a baseline: pulumi_policy's servicer with the same number of no-op policies, i.e. what the SDK's
per-policy deserialization costs before any rule runs. Goals: ≤ 100 ms for the reference stack, ≤ 1 s for 1000.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import time
from pathlib import Path

import pulumi
import pulumi_aws as aws
from pulumi_policy import ResourceValidationPolicy, StackValidationPolicy
from pulumi_policy.policy import EnforcementLevel, _PolicyAnalyzerServicer

from preview.analysis import run_policies
from preview.pack import LoadedPack, load_pack
from synthesis import FakeCloud, StackConfig, Synthesis, synthesize, synthesize_inline

REPO = Path(__file__).resolve().parent.parent
TAGS = {"environment": "bench", "owner": "bench", "cost-center": "bench"}
TRUST = json.dumps({"Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}}]})
RESOURCES_PER_UNIT = 10


def generated(resources: int) -> Synthesis:
    """A stack of queue workers, 10 resources each: role, policy, log group, function, queue, DLQ, alarm,
    mapping, topic and subscription."""

    def program() -> None:
        for index in range(resources // RESOURCES_PER_UNIT):
            name = f"unit{index}"
            role = aws.iam.Role(f"{name}-role", assume_role_policy=TRUST, tags=TAGS)
            aws.iam.RolePolicy(f"{name}-policy", role=role.name, policy=json.dumps({"Statement": []}))
            aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{name}", retention_in_days=14, tags=TAGS)
            fn = aws.lambda_.Function(
                name, name=name, role=role.arn, runtime="python3.12", handler="h.handler", timeout=10,
                memory_size=256, reserved_concurrent_executions=1, tracing_config={"mode": "Active"},
                architectures=["arm64"], code=pulumi.AssetArchive({}), tags=TAGS,
            )  # fmt: skip
            dlq = aws.sqs.Queue(f"{name}-dlq", sqs_managed_sse_enabled=True, message_retention_seconds=1209600)
            aws.cloudwatch.MetricAlarm(
                f"{name}-dlq-alarm", metric_name="ApproximateNumberOfMessagesVisible", namespace="AWS/SQS",
                dimensions={"QueueName": dlq.name}, threshold=1, comparison_operator="GreaterThanOrEqualToThreshold",
                evaluation_periods=1, period=300, statistic="Maximum",
            )  # fmt: skip
            queue = aws.sqs.Queue(
                f"{name}-queue", sqs_managed_sse_enabled=True, visibility_timeout_seconds=65, tags=TAGS,
                redrive_policy=dlq.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3})),
            )  # fmt: skip
            aws.lambda_.EventSourceMapping(
                f"{name}-mapping", event_source_arn=queue.arn, function_name=fn.arn, batch_size=10,
                maximum_batching_window_in_seconds=5, function_response_types=["ReportBatchItemFailures"],
            )  # fmt: skip
            topic = aws.sns.Topic(f"{name}-topic", tags=TAGS)
            aws.sns.TopicSubscription(f"{name}-sub", topic=topic.arn, protocol="sqs", endpoint=queue.arn)

    return synthesize_inline(program, FakeCloud(), project="bench", stack="bench", config={"aws:region": "us-east-1"})


def no_op_pack(pack: LoadedPack) -> LoadedPack:
    """The same number and kinds of policies, each doing nothing."""

    def ignore(args: object, report: object) -> None:
        return None

    policies = [
        StackValidationPolicy(meta.name, meta.description, ignore)
        if meta.kind == "stack"
        else ResourceValidationPolicy(meta.name, meta.description, ignore)
        for meta in pack.policies.values()
    ]
    servicer = _PolicyAnalyzerServicer(pack.name, pack.version, policies, EnforcementLevel.ADVISORY)
    return dataclasses.replace(pack, servicer=servicer)


def best(stack: Synthesis, pack: LoadedPack, runs: int) -> float:
    return min(run_policies(stack, None, pack).seconds for _ in range(runs))


def measure(label: str, stack: Synthesis, runs: int) -> None:
    started = time.perf_counter()
    pack = load_pack()
    loaded = time.perf_counter() - started
    rules = best(stack, pack, runs)
    baseline = best(stack, no_op_pack(pack), runs)
    print(
        f"{label}: {len(stack)} resources — pack {rules * 1000:.0f} ms (SDK baseline with no-op policies "
        f"{baseline * 1000:.0f} ms, the rules {max(rules - baseline, 0) * 1000:.0f} ms); synthesis "
        f"{stack.seconds * 1000:.0f} ms; loading the pack {loaded * 1000:.0f} ms"
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m preview.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--program", default=str(REPO))
    parser.add_argument("--stack", default="dev")
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    config = StackConfig.load(args.program, args.stack)
    measure(f"{config.project}/{config.stack}", synthesize(config, FakeCloud.for_stack(config)), args.runs)
    measure("generated", generated(args.resources), args.runs)


if __name__ == "__main__":
    main()
