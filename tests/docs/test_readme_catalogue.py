"""The README's component examples run as written: each Python block of the component catalogue and of the safe
deployments section is a program, synthesized on its own with the names the catalogue says a program already has
(:data:`GIVEN`: an existing table, key, subnets, the ARNs of resources made elsewhere), created only when a block
reads them."""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pulumi
import pytest
from pulumi_aws import cloudwatch, ec2, kms, lambda_

import pulumi_wasp
from pulumi_wasp.synthesis import ProgramError
from pulumi_wasp.testing import synthesize

README = (Path(__file__).resolve().parents[2] / "README.md").read_text()
#: The sections whose Python blocks are component examples (each up to the next heading of its level).
SECTIONS = ("## Component catalogue", "### Safe deployments")
ACCOUNT = "111122223333"
REGION = "us-east-1"


def example_blocks() -> list[str]:
    blocks = []
    for heading in SECTIONS:
        start = README.index(heading)
        level = heading.split()[0]
        section = README[start : README.index(f"\n{level} ", start + len(heading))]
        blocks += [
            textwrap.dedent(code) for _, code in re.findall(r"^( *)```python\n(.*?)^\1```", section, re.M | re.S)
        ]
    return blocks


def _function(name: str) -> pulumi_wasp.ServerlessFunction:
    args = pulumi_wasp.ServerlessFunctionArgs(handler="shared.config.handler", code=["lambdas/shared"])
    return pulumi_wasp.ServerlessFunction(name, args)


def _arn(service: str, resource: str) -> str:
    return f"arn:aws:{service}:{REGION}:{ACCOUNT}:{resource}"


def _url(queue: str) -> str:
    return f"https://sqs.{REGION}.amazonaws.com/{ACCOUNT}/{queue}"


#: What the catalogue's examples take as given, by name: made on first use, in the block's program.
GIVEN: dict[str, Callable[[], Any]] = {
    "table": lambda: pulumi_wasp.Table("given-table", pulumi_wasp.TableArgs(hash_key="id")),
    "key": lambda: kms.Key("given-key", enable_key_rotation=True),
    "private_subnets": lambda: ["subnet-0a1b2c3d", "subnet-4e5f6a7b"],
    "sg": lambda: ec2.SecurityGroup("given-sg"),
    "fn": lambda: _function("given-fn"),
    "function_args": lambda: pulumi_wasp.ServerlessFunctionArgs(
        handler="shared.config.handler", code=["lambdas/shared"]
    ),
    "reserve": lambda: _function("given-reserve"),
    "release": lambda: _function("given-release"),
    "ship": lambda: _function("given-ship"),
    "conclude": lambda: _function("given-conclude"),
    "restock_fn": lambda: _function("given-restock"),
    "bus": lambda: pulumi_wasp.EventRouter("given-bus", pulumi_wasp.EventRouterArgs()),
    "events": lambda: pulumi_wasp.FanOut(
        "given-events",
        pulumi_wasp.FanOutArgs(
            subscribers=[pulumi_wasp.Subscriber(name="audit", queue=pulumi_wasp.QueueArgs())],
        ),
    ),
    "api": lambda: pulumi_wasp.RestApi(
        "given-api", pulumi_wasp.RestApiArgs(routes=[pulumi_wasp.Route("GET", "/items", _function("given-api-fn"))])
    ),
    "store": lambda: pulumi_wasp.EventStore(
        "given-store",
        pulumi_wasp.EventStoreArgs(
            projections=[pulumi_wasp.Projection(name="view", function=GIVEN["function_args"]())]
        ),
    ),
    "saga": lambda: pulumi_wasp.Saga(
        "given-saga",
        pulumi_wasp.SagaArgs(
            steps=[pulumi_wasp.Step(name="Do", function_arn=_function("given-step").arn, no_compensation="read-only")]
        ),
    ),
    "clicks": lambda: pulumi_wasp.StreamProcessor(
        "given-clicks", pulumi_wasp.StreamProcessorArgs(function=GIVEN["function_args"]())
    ),
    "latency_alarm": lambda: cloudwatch.MetricAlarm(
        "given-latency",
        comparison_operator="GreaterThanThreshold",
        evaluation_periods=1,
        metric_name="Duration",
        namespace="AWS/Lambda",
        period=60,
        statistic="Average",
        threshold=1000,
    ),
    "order_schema": lambda: {"type": "object", "required": ["customerId"]},
    "policy_json": lambda: json.dumps({"healthyRetryPolicy": {"numRetries": 5}}),
    "transformer": lambda: {"input_paths": {"id": "$.detail.id"}, "input_template": '{"id": <id>}'},
    "legacy": lambda: pulumi_wasp.ExistingTable(
        stream_arn=_arn("dynamodb", "table/events/stream/2026-01-01T00:00:00.000")
    ),
    "function_arn": lambda: _arn("lambda", "function:legacy-worker"),
    "importer_arn": lambda: _arn("lambda", "function:legacy-importer"),
    "reports_arn": lambda: _arn("lambda", "function:legacy-reports"),
    "report_arn": lambda: _arn("lambda", "function:legacy-report"),
    "projector_arn": lambda: _arn("lambda", "function:audit-projector"),
    "clicks_arn": lambda: _arn("lambda", "function:legacy-clicks"),
    "verifier_arn": lambda: _arn("lambda", "function:partner-verifier"),
    "topic_arn": lambda: _arn("sns", "legacy-events"),
    "shared_acl_arn": lambda: f"arn:aws:wafv2:{REGION}:{ACCOUNT}:regional/webacl/shared/a1b2c3d4",
    **{
        f"{queue}_{part}": (lambda queue=queue, part=part: _arn("sqs", queue) if part == "arn" else _url(queue))
        for queue in ("queue", "audit", "billing", "inbox")
        for part in ("arn", "url")
    },
}


class Names(dict[str, Any]):
    """A block's names: what it defines, the package's public names, and :data:`GIVEN` made on first use."""

    def __missing__(self, name: str) -> Any:
        if name in GIVEN:
            self[name] = GIVEN[name]()
            return self[name]
        if hasattr(pulumi_wasp, name):
            return getattr(pulumi_wasp, name)
        raise KeyError(name)


def run(block: str) -> None:
    # Module-level names of exec'd code are looked up in ``locals``, which may be a mapping with __missing__.
    exec(compile(block, "README.md", "exec"), {"pulumi": pulumi, "lambda_": lambda_}, Names())


BLOCKS = example_blocks()


def test_the_sections_hold_an_example_block_per_component_and_the_alias_example():
    assert len(BLOCKS) >= 15


def constructed(block: str) -> set[tuple[str, str]]:
    """The components a block constructs by a literal name: ``(type, name)``."""
    calls = re.findall(r"\b([A-Z]\w+)\(\"([\w-]+)\"", block)
    return {
        (kind, name)
        for kind, name in calls
        if isinstance(getattr(pulumi_wasp, kind, None), type)
        and issubclass(getattr(pulumi_wasp, kind), pulumi.ComponentResource)
    }


def test_constructed_finds_the_components_a_block_names():
    block = (
        'api = RestApi("orders", RestApiArgs(routes=[Route("GET", "/x", fn)]))\nTable("t", TableArgs(hash_key="id"))'
    )
    assert constructed(block) == {("RestApi", "orders"), ("Table", "t")}


@pytest.mark.parametrize("block", BLOCKS, ids=[block.split("(", 1)[0].split()[-1] for block in BLOCKS])
def test_every_example_synthesizes_the_components_it_names(block):
    try:
        stack = synthesize(lambda: run(block))
    except ProgramError as error:
        pytest.fail(f"the README block\n{block}\nfails: {error}")
    expected = constructed(block)
    assert expected, "the block constructs a component"
    made = {(r.type.rsplit(":", 1)[-1], r.name) for r in stack if not r.custom}
    assert expected - made == set()
