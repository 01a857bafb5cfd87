"""Verbs against a running ``serve`` (the local stand-ins of the seed's MCP servers): they read
.localcloud/endpoints.json and use the emulator's AWS APIs and the control endpoint.

Names may be given as in endpoints.json (logical names), as physical names, or as any unique
part of either: ``invoke orders-api``, ``send inventory '{...}'``, ``logs reconcile -f``.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pulumi_wasp.localcloud import STATE_DIR

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.client import Cloud


class VerbError(Exception):
    """A verb could not do what was asked (the message says why and what exists)."""


def _connect(args: argparse.Namespace) -> Cloud:
    from pulumi_wasp.localcloud.client import Cloud  # boto3: only once a verb runs (the CLI's help needs none)

    path = state_dir(args) / "endpoints.json"
    if not path.is_file():
        raise VerbError(f"no running local cloud ({path} is missing): start one with `wasp local serve`")
    return Cloud(json.loads(path.read_text()))


def state_dir(args: argparse.Namespace) -> Path:
    """Where a local cloud of these arguments keeps its logs and endpoints.json."""
    return Path(args.state_dir) if args.state_dir else Path(args.program) / STATE_DIR


def resolve(kind: str, known: dict[str, str], wanted: str) -> str:
    """The value of ``wanted`` in ``known`` by key, value or unique substring of either."""
    if wanted in known:
        return known[wanted]
    if wanted in known.values():
        return wanted
    found = {value for key, value in known.items() if wanted in key or wanted in value}
    if len(found) != 1:
        raise VerbError(
            f"{'no' if not found else 'more than one'} {kind} matches {wanted!r}; known: {', '.join(sorted(known))}"
        )
    return found.pop()


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def invoke(cloud: Cloud, args: argparse.Namespace) -> None:
    name = resolve("function", cloud.endpoints["functions"], args.function)
    response = cloud.client("lambda").invoke(FunctionName=name, Payload=(args.payload or "{}").encode())
    payload = response["Payload"].read().decode()
    print(f"{name}: {response['StatusCode']}{' ' + response['FunctionError'] if response.get('FunctionError') else ''}")
    print(json.dumps(json.loads(payload), indent=2) if payload else "(no payload)")


def send(cloud: Cloud, args: argparse.Namespace) -> None:
    url = resolve("queue", {**cloud.endpoints["queues"], **cloud.endpoints["dlqs"]}, args.queue)
    message_id = cloud.client("sqs").send_message(QueueUrl=url, MessageBody=args.body)["MessageId"]
    print(f"sent {message_id} to {url}")


def receive(cloud: Cloud, args: argparse.Namespace) -> None:
    url = resolve("queue", {**cloud.endpoints["queues"], **cloud.endpoints["dlqs"]}, args.queue)
    messages = cloud.peek(url)
    for message in messages[: args.max]:
        _print(
            {
                "MessageId": message["MessageId"],
                "Body": message["Body"],
                "Attributes": message.get("MessageAttributes", {}),
            }
        )
    print(f"{len(messages)} message(s) in {url} (left in the queue)")


def publish(cloud: Cloud, args: argparse.Namespace) -> None:
    arn = resolve("topic", cloud.endpoints["topics"], args.topic)
    message_id = cloud.client("sns").publish(TopicArn=arn, Message=args.message)["MessageId"]
    print(f"published {message_id} to {arn}")


def put_event(cloud: Cloud, args: argparse.Namespace) -> None:
    bus = resolve("bus", cloud.endpoints["buses"], args.bus)
    entry = {"EventBusName": bus, "Source": args.source, "DetailType": args.detail_type, "Detail": args.detail}
    response = cloud.client("events").put_events(Entries=[entry])
    _print(response["Entries"])


def start(cloud: Cloud, args: argparse.Namespace) -> None:
    arn = resolve("state machine", cloud.endpoints["state_machines"], args.state_machine)
    sfn = cloud.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=f"cli-{uuid.uuid4().hex[:12]}", input=args.input or "{}")
    deadline = time.monotonic() + args.wait
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    _history(cloud, execution["executionArn"], described)


def history(cloud: Cloud, args: argparse.Namespace) -> None:
    described = cloud.client("stepfunctions").describe_execution(executionArn=args.execution)
    _history(cloud, args.execution, described)


def _history(cloud: Cloud, arn: str, described: dict[str, Any]) -> None:
    print(f"{arn}\n  status {described['status']}")
    for event in cloud.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]:
        name = event.get("stateEnteredEventDetails", {}).get("name", "")
        failure = event.get("taskFailedEventDetails") or event.get("executionFailedEventDetails") or {}
        detail = f" {failure.get('error')}" if failure else ""
        print(f"  {event['timestamp']:%H:%M:%S.%f}  {event['type']:<28} {name}{detail}")
    if described.get("output"):
        print(f"  output {described['output']}")


def logs(cloud: Cloud, args: argparse.Namespace) -> None:
    name = resolve("function", cloud.endpoints["functions"], args.function)
    path = state_dir(args) / "logs" / f"{name}.log"
    if not path.is_file():
        raise VerbError(f"{name} has not run yet (no {path})")
    with path.open() as log:
        lines = log.readlines()
        sys.stdout.writelines(lines[-args.lines :])
        while args.follow:
            line = log.readline()
            if line:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                time.sleep(0.2)


def fire(cloud: Cloud, args: argparse.Namespace) -> None:
    name = resolve("schedule", {s: s for s in cloud.endpoints["schedules"]}, args.schedule)
    cloud.fire(name)
    print(f"fired {name}")


def status(cloud: Cloud, args: argparse.Namespace) -> None:
    sqs = cloud.client("sqs")
    print("Queues                                                    visible  in flight")
    for kind in ("queues", "dlqs"):
        for name, url in sorted(cloud.endpoints[kind].items()):
            attributes = sqs.get_queue_attributes(QueueUrl=url, AttributeNames=["All"])["Attributes"]
            visible, hidden = (
                attributes["ApproximateNumberOfMessages"],
                attributes["ApproximateNumberOfMessagesNotVisible"],
            )
            flag = "  ← DLQ" if kind == "dlqs" and int(visible) + int(hidden) else ""
            print(f"  {name:<56} {visible:>7}  {hidden:>9}{flag}")
    runtime = cloud.status()
    print("Functions                                  invocations  errors  throttles  cold starts")
    for name, stats in sorted(runtime["functions"].items()):
        print(
            f"  {name:<42} {stats['invocations']:>9}  {stats['errors']:>6}  {stats['throttles']:>9}  {stats['cold_starts']:>11}"
        )
    sfn = cloud.client("stepfunctions")
    print("Recent executions")
    for name, arn in cloud.endpoints["state_machines"].items():
        for execution in sfn.list_executions(stateMachineArn=arn, maxResults=args.executions)["executions"]:
            print(f"  {name}  {execution['startDate']:%H:%M:%S}  {execution['status']:<9} {execution['executionArn']}")


def add_verbs(verbs: argparse._SubParsersAction) -> None:
    def verb(name: str, action: Any, help_text: str) -> argparse.ArgumentParser:
        parser = verbs.add_parser(name, help=help_text)
        parser.set_defaults(handler=lambda args: _dispatch(action, args))
        return parser

    verb("status", status, "queue and DLQ depths, function counters, recent executions").add_argument(
        "--executions", type=int, default=5, help="recent executions shown per state machine (default 5)"
    )
    parser = verb("invoke", invoke, "invoke a function synchronously through the emulator's Lambda API")
    parser.add_argument("function", help="a function's logical or physical name, or a unique part of either")
    parser.add_argument("payload", nargs="?", help="JSON event (default {})")
    parser = verb("send", send, "send a message to a queue")
    parser.add_argument("queue", help="a queue's (or DLQ's) name, or a unique part of it")
    parser.add_argument("body", help="the message body")
    parser = verb("receive", receive, "show the messages of a queue or DLQ (they stay in it)")
    parser.add_argument("queue", help="a queue's (or DLQ's) name, or a unique part of it")
    parser.add_argument("--max", type=int, default=10, help="messages shown at most (default 10)")
    parser = verb("publish", publish, "publish a message to a topic")
    parser.add_argument("topic", help="a topic's name or ARN, or a unique part of either")
    parser.add_argument("message", help="the message")
    parser = verb("put-event", put_event, "put an event on a bus")
    parser.add_argument("bus", help="a bus's name, or a unique part of it")
    parser.add_argument("detail_type", help="the event's detail-type")
    parser.add_argument("detail", help="JSON detail")
    parser.add_argument("--source", required=True, help="the event's source, as the bus's rules match it")
    parser = verb("start", start, "start a state machine execution and show its history")
    parser.add_argument("state_machine", help="a state machine's name or ARN, or a unique part of either")
    parser.add_argument("input", nargs="?", help="JSON input (default {})")
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for the end (default 30)")
    verb("history", history, "show an execution's history").add_argument("execution", help="execution ARN")
    parser = verb("logs", logs, "print (and follow) a function's log")
    parser.add_argument("function", help="a function's logical or physical name, or a unique part of either")
    parser.add_argument("-n", "--lines", type=int, default=40, help="last lines shown (default 40)")
    parser.add_argument("-f", "--follow", action="store_true", help="keep printing lines as they are written")
    verb("fire", fire, "deliver one run of a schedule now").add_argument(
        "schedule", help="a schedule's name, or a unique part of it"
    )


def _dispatch(action: Any, args: argparse.Namespace) -> int:
    try:
        action(_connect(args), args)
    except VerbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130
    return 0
