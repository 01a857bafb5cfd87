"""Re-driving a stream consumer's on-failure queue in the running local cloud: the consumer's re-drive function (a
StreamProcessor's or EventStore projection's, see ``pulumi_wasp.components.stream_redrive``) found and invoked, its
report returned. The CLI verb ``redrive-stream`` and the MCP tool ``redrive_stream`` both use it."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud.verbs import VerbError, resolve
from pulumi_wasp.wording import counted

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.client import Cloud

#: What tells a re-drive function from other functions: the settings its component gives it.
MARKERS = ("ON_FAILURE_QUEUE_URL", "TARGET_FUNCTION")
#: Waited for the answer beyond the function's own timeout.
ANSWER_MARGIN_SECONDS = 30


def targets(cloud: Cloud) -> dict[str, tuple[str, int]]:
    """Every name a re-drive function answers to → (its function name, its timeout): the function's logical name
    (``clickstream-redrive-function``), its component's (``clickstream-redrive``), the consumer's
    (``clickstream``, ``event-store-order-projector``), and its on-failure queue's logical name and URL."""
    logical = {physical: name for name, physical in cloud.endpoints["functions"].items()}
    queue_names = {url: name for name, url in {**cloud.endpoints["queues"], **cloud.endpoints["dlqs"]}.items()}
    known: dict[str, tuple[str, int]] = {}
    for page in cloud.client("lambda").get_paginator("list_functions").paginate():
        for function in page["Functions"]:
            variables = (function.get("Environment") or {}).get("Variables") or {}
            if not all(variables.get(marker) for marker in MARKERS):
                continue
            name, url = function["FunctionName"], variables["ON_FAILURE_QUEUE_URL"]
            target = (name, int(function["Timeout"]))
            component = logical.get(name, name).removesuffix("-function")
            for alias in (logical.get(name, name), component, component.removesuffix("-redrive"), url):
                known[alias] = target
            if url in queue_names:
                known[queue_names[url]] = target
    return known


def redrive(cloud: Cloud, wanted: str, max_messages: int | None) -> dict[str, Any]:
    """Invoke the re-drive function ``wanted`` names (see :func:`targets`) over at most ``max_messages`` (the
    function's default when None); its report with ``function`` (the function's name)."""
    known = targets(cloud)
    if not known:
        raise VerbError(
            "the stack has no stream re-drive function: a StreamProcessor or EventStore projection creates one "
            "unless its redrive is None"
        )
    names = {alias: name for alias, (name, _) in known.items()}
    function = resolve("stream consumer or on-failure queue", names, wanted)
    timeout = next(seconds for name, seconds in known.values() if name == function)
    payload = {} if max_messages is None else {"maxMessages": max_messages}
    response = cloud.long_call_client("lambda", timeout + ANSWER_MARGIN_SECONDS).invoke(
        FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(payload).encode()
    )
    answer = response["Payload"].read().decode()
    if response.get("FunctionError"):
        raise VerbError(f"{function} failed ({response['FunctionError']}): {answer}", 1)
    return {"function": function, **json.loads(answer)}


def _range(entry: dict[str, Any]) -> str:
    return f"{entry['shardId']} {entry['startSequenceNumber']}..{entry['endSequenceNumber']}"


def report_lines(report: dict[str, Any]) -> list[str]:
    """The report as the verb prints it: one line per message, re-driven, unfetchable or failed again."""
    lines = [f"{report['function']}: {counted(report['received'], 'on-failure message')} received"]
    for entry in report["redriven"]:
        lines.append(f"  re-driven    {_range(entry)}: {entry['records']} records from the {entry['from']}")
    for entry in report["unfetchable"]:
        where = _range(entry) if "shardId" in entry else entry["messageId"]
        lines.append(f"  unfetchable  {where}: {entry['reason']} (kept in the queue)")
    for entry in report["failed"]:
        why = entry.get("error") or f"the consumer reported {entry['batchItemFailures']} as failed"
        lines.append(f"  failed again {_range(entry)}: {why} (kept in the queue)")
    if report.get("stopped"):
        lines.append(f"  stopped: {report['stopped']}")
    lines.append(f"{counted(len(report['redriven']), 'message')} re-driven, {report['kept']} kept in the queue")
    return lines
