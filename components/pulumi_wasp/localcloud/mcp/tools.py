"""What each MCP tool does against the running local cloud, as plain functions returning JSON
values. A failure the caller can act on is a :class:`VerbError` naming the problem; the server
turns it into a tool error. Names resolve as in the CLI verbs: a logical name or a physical name, exactly
(an unknown one is an error listing the known ones, closest first)."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from collections import Counter
from datetime import datetime
from pathlib import Path
from typing import Any

from pulumi_wasp.localcloud.mcp.connection import Connection
from pulumi_wasp.localcloud.verbs import VerbError, resolve

#: SQS's largest receive and batch.
SQS_BATCH = 10
#: A message being moved by redrive_dlq stays hidden in the DLQ this long (it is deleted once sent).
REDRIVE_VISIBILITY_SECONDS = 30
#: How long policy_preview may take (the reference program previews in about 10 s).
PREVIEW_TIMEOUT_SECONDS = 300


def parse_json(argument: str, text: str) -> Any:
    """``text`` as JSON, or an error naming the argument and where the text stops being JSON."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise VerbError(
            f"{argument} is not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno} (character {exc.pos})"
        ) from None


def _plain(value: Any) -> Any:
    """JSON values only (boto3 answers carry datetimes and streaming bodies)."""
    return json.loads(json.dumps(value, default=lambda v: v.isoformat() if isinstance(v, datetime) else str(v)))


# -- functions ---------------------------------------------------------------------------------
def list_functions(conn: Connection) -> dict[str, Any]:
    cloud = conn.cloud()
    configurations: dict[str, dict[str, Any]] = {}
    for page in conn.client("lambda").get_paginator("list_functions").paginate():
        configurations.update((f["FunctionName"], f) for f in page["Functions"])
    counters = cloud.status()["functions"]
    functions = []
    for logical, physical in sorted(cloud.endpoints["functions"].items()):
        configuration, stats = configurations.get(physical, {}), counters.get(physical, {})
        functions.append(
            {
                "name": logical,
                "function_name": physical,
                "handler": configuration.get("Handler"),
                "runtime": configuration.get("Runtime"),
                "timeout_seconds": configuration.get("Timeout"),
                "memory_mb": configuration.get("MemorySize"),
                "reserved_concurrency": stats.get("concurrency"),
                "invocations": stats.get("invocations", 0),
                "errors": stats.get("errors", 0),
                "throttles": stats.get("throttles", 0),
            }
        )
    return {"functions": functions}


def function_name(conn: Connection, name: str) -> str:
    return resolve("function", conn.cloud().endpoints["functions"], name)


def invoke_function(conn: Connection, name: str, payload: str) -> dict[str, Any]:
    event = parse_json("payload", payload)
    function = function_name(conn, name)
    response = conn.client("lambda").invoke(
        FunctionName=function, InvocationType="RequestResponse", Payload=json.dumps(event).encode()
    )
    raw = response["Payload"].read().decode()
    try:
        answer = json.loads(raw) if raw else None
    except json.JSONDecodeError:
        answer = raw
    return {
        "function_name": function,
        "status_code": response["StatusCode"],
        "function_error": response.get("FunctionError"),
        "payload": answer,
    }


def logs(conn: Connection, function: str, lines: int) -> dict[str, Any]:
    name = function_name(conn, function)
    log = conn.cloud().status()["functions"].get(name, {}).get("log")
    path = Path(log) if log else conn.state_dir / "logs" / f"{name}.log"
    if not path.is_file():
        return {"function_name": name, "log": str(path), "lines": [], "note": f"{name} has not run yet"}
    with path.open(errors="replace") as file:
        tail = file.read().splitlines()[-lines:]
    return {"function_name": name, "log": str(path), "lines": tail}


# -- state machines ----------------------------------------------------------------------------
def list_state_machines(conn: Connection) -> dict[str, Any]:
    sfn = conn.client("stepfunctions")
    machines = []
    for name, arn in sorted(conn.cloud().endpoints["state_machines"].items()):
        executions = sfn.list_executions(stateMachineArn=arn, maxResults=100)["executions"]
        machines.append({"name": name, "arn": arn, "recent_executions": dict(Counter(e["status"] for e in executions))})
    return {"state_machines": machines}


def _execution_arn(conn: Connection, execution: str) -> str:
    """An execution's ARN from its ARN or its name (looked up in every state machine)."""
    if execution.startswith("arn:"):
        return execution
    sfn = conn.client("stepfunctions")
    found = [
        e["executionArn"]
        for arn in conn.cloud().endpoints["state_machines"].values()
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn)
        for e in page["executions"]
        if e["name"] == execution
    ]
    if len(found) != 1:
        raise VerbError(
            f"{'no' if not found else 'more than one'} execution is named {execution!r}: give its ARN "
            "(start_execution and list_state_machines name them)"
        )
    return found[0]


def _execution(described: dict[str, Any]) -> dict[str, Any]:
    keys = ("executionArn", "stateMachineArn", "name", "status", "startDate", "stopDate", "error", "cause")
    execution = {key: described[key] for key in keys if key in described}
    for key in ("input", "output"):
        if key in described:
            try:
                execution[key] = json.loads(described[key])
            except (TypeError, json.JSONDecodeError):
                execution[key] = described[key]
    return _plain(execution)


def start_execution(
    conn: Connection, state_machine: str, input: str, name: str | None, wait_seconds: float
) -> dict[str, Any]:
    document = parse_json("input", input)
    arn = resolve("state machine", conn.cloud().endpoints["state_machines"], state_machine)
    sfn = conn.client("stepfunctions")
    # moto needs a name: unnamed executions of one machine collide.
    started = sfn.start_execution(
        stateMachineArn=arn, name=name or f"mcp-{uuid.uuid4().hex[:12]}", input=json.dumps(document)
    )
    deadline = time.monotonic() + wait_seconds
    while (described := sfn.describe_execution(executionArn=started["executionArn"]))["status"] == "RUNNING":
        if time.monotonic() >= deadline:
            break
        time.sleep(0.2)
    return _execution(described)


def describe_execution(conn: Connection, execution: str) -> dict[str, Any]:
    arn = _execution_arn(conn, execution)
    return _execution(conn.client("stepfunctions").describe_execution(executionArn=arn))


def get_execution_history(conn: Connection, execution: str, max_events: int) -> dict[str, Any]:
    arn = _execution_arn(conn, execution)
    events = conn.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=max_events)["events"]
    return _plain({"execution_arn": arn, "events": events})


# -- topics and queues -------------------------------------------------------------------------
def publish_message(
    conn: Connection, topic: str, message: str, subject: str | None, attributes: dict[str, str]
) -> dict[str, Any]:
    arn = resolve("topic", conn.cloud().endpoints["topics"], topic)
    request: dict[str, Any] = {"TopicArn": arn, "Message": message, "MessageAttributes": _attributes(attributes)}
    if subject:
        request["Subject"] = subject
    if arn.endswith(".fifo"):
        request |= {"MessageGroupId": "mcp", "MessageDeduplicationId": uuid.uuid4().hex}
    return {"topic_arn": arn, "message_id": conn.client("sns").publish(**request)["MessageId"]}


def _attributes(attributes: dict[str, str]) -> dict[str, dict[str, str]]:
    return {key: {"DataType": "String", "StringValue": value} for key, value in attributes.items()}


def _queues(conn: Connection) -> dict[str, str]:
    endpoints = conn.cloud().endpoints
    return {**endpoints["queues"], **endpoints["dlqs"]}


def queue_url(conn: Connection, queue: str) -> str:
    return resolve("queue", _queues(conn), queue)


def send_message(
    conn: Connection, queue: str, body: str, attributes: dict[str, str], delay_seconds: int
) -> dict[str, Any]:
    url = queue_url(conn, queue)
    request: dict[str, Any] = {
        "QueueUrl": url,
        "MessageBody": body,
        "MessageAttributes": _attributes(attributes),
        "DelaySeconds": delay_seconds,
    }
    if url.endswith(".fifo"):
        request |= {"MessageGroupId": "mcp", "MessageDeduplicationId": uuid.uuid4().hex}
        del request["DelaySeconds"]  # FIFO queues take no per-message delay
    return {"queue_url": url, "message_id": conn.client("sqs").send_message(**request)["MessageId"]}


def _message(message: dict[str, Any]) -> dict[str, Any]:
    return {
        "message_id": message["MessageId"],
        "body": message["Body"],
        "attributes": {
            k: v.get("StringValue", v.get("BinaryValue")) for k, v in message.get("MessageAttributes", {}).items()
        },
    }


def receive_messages(conn: Connection, queue: str, max_messages: int, delete: bool) -> dict[str, Any]:
    url = queue_url(conn, queue)
    cloud = conn.cloud()
    if not delete:
        messages = cloud.peek(url)
        shown = [_message(m) for m in messages[:max_messages]]
        return {"queue_url": url, "messages": shown, "in_queue": len(messages), "deleted": 0}
    sqs = conn.client("sqs")
    received: list[dict[str, Any]] = []
    while len(received) < max_messages:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(SQS_BATCH, max_messages - len(received)),
            MessageAttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        entries = [{"Id": str(i), "ReceiptHandle": m["ReceiptHandle"]} for i, m in enumerate(batch)]
        sqs.delete_message_batch(QueueUrl=url, Entries=entries)
        received.extend(batch)
    return {"queue_url": url, "messages": [_message(m) for m in received], "deleted": len(received)}


def _depth(sqs: Any, url: str) -> dict[str, Any]:
    attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
    return {
        "visible": int(attributes["ApproximateNumberOfMessages"]),
        "in_flight": int(attributes["ApproximateNumberOfMessagesNotVisible"]),
        "delayed": int(attributes.get("ApproximateNumberOfMessagesDelayed", 0)),
        "arn": attributes["QueueArn"],
        "redrive_policy": json.loads(attributes["RedrivePolicy"]) if "RedrivePolicy" in attributes else None,
    }


def purge_queue(conn: Connection, queue: str) -> dict[str, Any]:
    url = queue_url(conn, queue)
    sqs = conn.client("sqs")
    before = _depth(sqs, url)
    sqs.purge_queue(QueueUrl=url)
    return {"queue_url": url, "purged": before["visible"] + before["in_flight"] + before["delayed"]}


def queue_depths(conn: Connection) -> dict[str, Any]:
    endpoints, sqs = conn.cloud().endpoints, conn.client("sqs")
    depths = {
        kind: {name: _depth(sqs, url) | {"url": url} for name, url in endpoints[kind].items()}
        for kind in ("queues", "dlqs")
    }
    name_of = {d["arn"]: name for kind in depths.values() for name, d in kind.items()}
    rows: dict[str, list[dict[str, Any]]] = {"queues": [], "dlqs": []}
    for kind, queues in depths.items():
        for name, depth in sorted(queues.items()):
            row = {"name": name, **{k: v for k, v in depth.items() if k != "redrive_policy"}}
            if kind == "queues":
                policy = depth["redrive_policy"]
                target = policy["deadLetterTargetArn"] if policy else None
                row |= {
                    "dlq": name_of.get(target, target),
                    "max_receive_count": policy and int(policy["maxReceiveCount"]),
                }
            else:
                row["sources"] = sorted(
                    source for source, d in depths["queues"].items() if _dead_letter_target(d) == depth["arn"]
                )
            rows[kind].append(row)
    return rows


def _dead_letter_target(depth: dict[str, Any]) -> str | None:
    policy = depth.get("redrive_policy")
    return policy["deadLetterTargetArn"] if policy else None


def redrive_dlq(conn: Connection, dlq: str, max_messages: int | None) -> dict[str, Any]:
    """receive → send to the source queue → delete (moto has no StartMessageMoveTask)."""
    endpoints, sqs = conn.cloud().endpoints, conn.client("sqs")
    url = resolve("dead-letter queue", endpoints["dlqs"], dlq)
    dlq_depth = _depth(sqs, url)
    sources = {
        name: u for name, u in endpoints["queues"].items() if _dead_letter_target(_depth(sqs, u)) == dlq_depth["arn"]
    }
    if len(sources) != 1:
        raise VerbError(
            f"{'no queue' if not sources else 'more than one queue'} names {url} as its dead-letter queue "
            f"(RedrivePolicy){': ' + ', '.join(sorted(sources)) if sources else ''}; its messages came from "
            "a Lambda destination, an EventBridge target or a stream and have no queue to go back to. "
            "receive_messages shows them"
        )
    [(source, source_url)] = sources.items()
    # Bounded by what is there now: a message that fails again and comes back is not moved twice.
    limit = dlq_depth["visible"] if max_messages is None else min(max_messages, dlq_depth["visible"])
    moved, failures = 0, list[dict[str, str]]()
    while moved + len(failures) < limit:
        batch = sqs.receive_message(
            QueueUrl=url,
            MaxNumberOfMessages=min(SQS_BATCH, limit - moved - len(failures)),
            VisibilityTimeout=REDRIVE_VISIBILITY_SECONDS,
            MessageAttributeNames=["All"],
            AttributeNames=["All"],
        ).get("Messages", [])
        if not batch:
            break
        sent = sqs.send_message_batch(
            QueueUrl=source_url, Entries=[_redriven(source_url, i, m) for i, m in enumerate(batch)]
        )
        ok = {int(entry["Id"]) for entry in sent.get("Successful", [])}
        if ok:
            sqs.delete_message_batch(
                QueueUrl=url, Entries=[{"Id": str(i), "ReceiptHandle": batch[i]["ReceiptHandle"]} for i in sorted(ok)]
            )
        for failed in sent.get("Failed", []):
            message = batch[int(failed["Id"])]
            failures.append(
                {"message_id": message["MessageId"], "error": f"{failed['Code']}: {failed.get('Message', '')}"}
            )
            sqs.change_message_visibility(QueueUrl=url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0)
        moved += len(ok)
    return {
        "dlq_url": url,
        "source": source,
        "source_url": source_url,
        "moved": moved,
        "failed": failures,
        "left_in_dlq": _depth(sqs, url)["visible"],
    }


def redrive_stream(conn: Connection, target: str, max_messages: int | None) -> dict[str, Any]:
    """The stream consumer's re-drive function invoked (see localcloud.stream_redrive); its report."""
    from pulumi_wasp.localcloud import stream_redrive

    return stream_redrive.redrive(conn.cloud(), target, max_messages)


def _redriven(source_url: str, index: int, message: dict[str, Any]) -> dict[str, Any]:
    attributes = {
        key: {k: v for k, v in value.items() if k in ("DataType", "StringValue", "BinaryValue")}
        for key, value in message.get("MessageAttributes", {}).items()
    }
    entry: dict[str, Any] = {"Id": str(index), "MessageBody": message["Body"], "MessageAttributes": attributes}
    if source_url.endswith(".fifo"):
        group = message.get("Attributes", {}).get("MessageGroupId", "redrive")
        entry |= {"MessageGroupId": group, "MessageDeduplicationId": message["MessageId"]}
    return entry


# -- the cloud as a whole ----------------------------------------------------------------------
def status(conn: Connection, executions: int) -> dict[str, Any]:
    cloud = conn.cloud()
    endpoints, runtime = cloud.endpoints, cloud.status()
    sfn = conn.client("stepfunctions")
    recent = [
        {"state_machine": name, **_execution(e)}
        for name, arn in sorted(endpoints["state_machines"].items())
        for e in sfn.list_executions(stateMachineArn=arn, maxResults=executions)["executions"]
    ]
    return {
        "program": endpoints.get("program"),
        "stack": endpoints.get("stack"),
        "serve_pid": endpoints.get("pid"),
        "speed": runtime["speed"],
        "api_url": endpoints.get("api_url"),
        "emulator_url": endpoints["emulator_url"],
        "topics": endpoints["topics"],
        "buses": endpoints["buses"],
        "tables": endpoints["tables"],
        "functions": runtime["functions"],
        "event_sources": runtime["sources"],
        "unprocessed_messages": {arn: q["unprocessed"] for arn, q in runtime["queues"].items() if q["unprocessed"]},
        "schedules": runtime["schedules"],
        "recent_executions": recent,
        "not_created": endpoints.get("not_created", []),
    }


def policy_preview(conn: Connection, policy_config: str | None, first_deploy: bool) -> dict[str, Any]:
    """The offline policy preview (``wasp preview --json``) over the served program, in a process
    of its own: the synthesis engine keeps Pulumi's runtime state process-wide."""
    endpoints = conn.cloud().endpoints
    program, stack = endpoints.get("program"), endpoints.get("stack")
    if not program or not stack:
        raise VerbError(f"{conn.endpoints_file} names no program and stack (written by an older serve): restart serve")
    command = [sys.executable, "-m", "pulumi_wasp.preview", "--program", program, "--stack", stack, "--json"]
    if policy_config:
        config = Path(program, policy_config)
        if not config.is_file():
            raise VerbError(f"policy_config: no file {config}")
        command += ["--policy-config", str(config)]
    if first_deploy:
        command.append("--first-deploy")
    try:
        done = subprocess.run(  # noqa: S603 - this interpreter, the preview module, paths from endpoints.json
            command, cwd=program, capture_output=True, text=True, timeout=PREVIEW_TIMEOUT_SECONDS, check=False
        )
    except subprocess.TimeoutExpired:
        raise VerbError(f"the preview of {program} took longer than {PREVIEW_TIMEOUT_SECONDS} s") from None
    if done.returncode not in (0, 1):  # 1: mandatory violations, still a report
        raise VerbError(f"the preview of {program} failed: {done.stderr.strip() or f'exit {done.returncode}'}")
    report = json.loads(done.stdout)
    diagnostics = report["diagnostics"]
    return {
        "program": program,
        "stack": stack,
        "policy_config": command[command.index("--policy-config") + 1] if policy_config else None,
        "resources": len(report["resources"]),
        "mandatory": sum(d["level"] == "mandatory" for d in diagnostics),
        "advisory": sum(d["level"] == "advisory" for d in diagnostics),
        "diagnostics": diagnostics,
        "not_applicable": report["not_applicable"],
        "exempted": report["exempted"],
    }
