"""Run small Pulumi programs through the policy pack exactly as the CLI would: synthesized by the engine,
then every resource through the pack's own analyzer servicer (Analyze, then AnalyzeStack).

Each test module synthesizes one program holding its compliant and non-compliant cases, once, and its
tests read the report by resource name.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import grpc
import pulumi
import pulumi_aws as aws
from google.protobuf import empty_pb2
from pulumi.runtime.proto import analyzer_pb2_grpc

from pulumi_wasp.preview import LoadedPack, PolicyReport, PolicySession, load_pack, run_policies
from pulumi_wasp.synthesis import FakeCloud, FirstDeploy, Synthesis, synthesize_inline
from pulumi_wasp.synthesis.recording import UNKNOWN

REGION = "us-east-1"


def served_pack(pack_dir: Path, env: Mapping[str, str] | None = None) -> tuple[str, list[str]]:
    """The pack's name and policies as the Pulumi CLI sees them: it runs ``python -m pulumi.policy <engine>
    <pack dir>`` in the pack directory, reads the port and asks the analyzer."""
    plugin = subprocess.Popen(
        [sys.executable, "-u", "-m", "pulumi.policy", "127.0.0.1:0", str(pack_dir)],
        cwd=pack_dir,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        port = int(plugin.stdout.readline().strip())  # type: ignore[union-attr]
        with grpc.insecure_channel(f"127.0.0.1:{port}") as channel:
            info = analyzer_pb2_grpc.AnalyzerStub(channel).GetAnalyzerInfo(empty_pb2.Empty(), timeout=20)
        return info.name, [p.name for p in info.policies]
    finally:
        plugin.kill()
        plugin.wait(timeout=10)


TAGS = {"environment": "test", "owner": "tests", "cost-center": "ci"}
CODE = pulumi.AssetArchive({"index.py": pulumi.StringAsset("def handler(event, context):\n    return event\n")})
LAMBDA_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
        ],
    }
)
SCOPED_POLICY = {
    "Version": "2012-10-17",
    "Statement": [
        {"Effect": "Allow", "Action": ["xray:PutTraceSegments", "xray:PutTelemetryRecords"], "Resource": "*"},
        {
            "Effect": "Allow",
            "Action": ["dynamodb:GetItem"],
            "Resource": "arn:aws:dynamodb:us-east-1:123456789012:table/t",
        },
    ],
}


def synth(program: Callable[[], None], *, first_deploy: bool = False) -> Synthesis:
    """``program`` as a stack: realistic outputs, or a first preview's unknowns with ``first_deploy``."""
    mocks = FirstDeploy() if first_deploy else FakeCloud(region=REGION)
    return synthesize_inline(program, mocks, config={"aws:region": REGION}, preview=first_deploy)


def analyze(stack: Synthesis, config: Mapping[str, Any] | None = None) -> PolicyReport:
    return run_policies(stack, config)


@functools.cache
def packaged() -> LoadedPack:
    """The packaged pack, loaded once: every session reconfigures its analyzer."""
    return load_pack()


def deploy(program: Callable[[], None], config: Mapping[str, Any] | None = None) -> tuple[Synthesis, PolicyReport]:
    """``program`` synthesized with the pack in the engine, as ``pulumi up --policy-pack`` runs it: each resource
    remediated and analyzed as it registers, before the mocks create it; the records and the report."""
    session = PolicySession(packaged(), config)
    stack = synthesize_inline(program, FakeCloud(region=REGION), config={"aws:region": REGION}, analyzer=session)
    return stack, session.finish(stack)


def flagged(report: PolicyReport, policy: str) -> set[str]:
    """Names of the resources ``policy`` reported."""
    return {d.name for d in report.diagnostics if d.policy == policy}


def messages(report: PolicyReport, policy: str, name: str) -> list[str]:
    return [d.message for d in report.diagnostics if d.policy == policy and d.name == name]


def unevaluated(report: PolicyReport, policy: str) -> set[str]:
    return {n.name for n in report.not_evaluated if n.policy == policy}


def exempted(report: PolicyReport, policy: str) -> set[str]:
    return {e.name for e in report.exempted if e.policy == policy}


def with_unknown(stack: Synthesis, name: str, *path: str) -> Synthesis:
    """A copy of ``stack`` where resource ``name``'s property at ``path`` is unknown, as before a first deploy."""
    resources = copy.deepcopy(stack.resources)
    for res in resources:
        if res.name == name and res.custom:
            for props in (res.inputs, res.outputs):
                for step in path[:-1]:
                    props = props.setdefault(step, {})
                props[path[-1]] = UNKNOWN
    return dataclasses.replace(stack, resources=resources)


def exempt(policy: str, reason: str = "reviewed: covered by a compensating control") -> dict[str, str]:
    """Tags that exempt a resource from ``policy`` with a reason."""
    return {**TAGS, f"policy-exempt:{policy}": reason}


def function(name: str, *, log_group: bool = True, **overrides: Any) -> aws.lambda_.Function:
    """A function every per-function rule accepts (own role, scoped policy, log group), with ``overrides``;
    an override of None leaves that argument out."""
    role = aws.iam.Role(f"{name}-role", assume_role_policy=LAMBDA_TRUST, tags=TAGS)
    aws.iam.RolePolicy(f"{name}-policy", role=role.name, policy=json.dumps(SCOPED_POLICY))
    if log_group:
        aws.cloudwatch.LogGroup(f"{name}-logs", name=f"/aws/lambda/{name}", retention_in_days=14, tags=TAGS)
    args: dict[str, Any] = {
        "name": name,
        "runtime": "python3.12",
        "handler": "index.handler",
        "role": role.arn,
        "code": CODE,
        "architectures": ["arm64"],
        "memory_size": 256,
        "timeout": 10,
        "reserved_concurrent_executions": 5,
        "tracing_config": {"mode": "Active"},
        "environment": {"variables": {"POWERTOOLS_SERVICE_NAME": name}},
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.lambda_.Function(name, **{key: value for key, value in args.items() if value is not None})


def dead_letter_queue(name: str, *, alarm: bool = True, **overrides: Any) -> aws.sqs.Queue:
    """An encrypted 14-day DLQ, watched by an alarm unless ``alarm`` is False."""
    args: dict[str, Any] = {"sqs_managed_sse_enabled": True, "message_retention_seconds": 1209600, "tags": TAGS}
    dlq = aws.sqs.Queue(name, **{**args, **overrides})
    if alarm:
        aws.cloudwatch.MetricAlarm(
            f"{name}-alarm",
            namespace="AWS/SQS",
            metric_name="ApproximateNumberOfMessagesVisible",
            dimensions={"QueueName": dlq.name},
            statistic="Maximum",
            period=300,
            evaluation_periods=1,
            threshold=1,
            comparison_operator="GreaterThanOrEqualToThreshold",
            tags=TAGS,
        )
    return dlq


def queue(name: str, *, dlq: aws.sqs.Queue | None = None, **overrides: Any) -> aws.sqs.Queue:
    """An encrypted queue redriving to ``dlq`` (a new watched DLQ by default) after 3 receives."""
    target = dlq or dead_letter_queue(f"{name}-dlq")
    redrive = target.arn.apply(lambda arn: json.dumps({"deadLetterTargetArn": arn, "maxReceiveCount": 3}))
    args: dict[str, Any] = {
        "sqs_managed_sse_enabled": True,
        "visibility_timeout_seconds": 60,
        "redrive_policy": redrive,
        "tags": TAGS,
    }
    args.update(overrides)
    return aws.sqs.Queue(name, **{key: value for key, value in args.items() if value is not None})
