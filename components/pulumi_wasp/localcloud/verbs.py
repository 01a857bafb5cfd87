"""Verbs against a running ``serve`` (the local stand-ins of the seed's MCP servers): they read
.localcloud/endpoints.json and use the emulator's AWS APIs and the control endpoint.

Names are exact: a resource's logical name as in endpoints.json, or its physical name (a function's name,
a queue's name or URL, a topic's or state machine's name or ARN). An unknown name is an error listing the
known ones, closest first. JSON arguments are checked before anything is sent.

Exit status: 0 done; 1 the cloud is not running, the call failed (an API error code, a function error, an
execution that did not succeed); 2 a usage error (an unknown name, malformed JSON); 130 Ctrl-C.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
import time
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.error import URLError

from pulumi_wasp.localcloud import STATE_DIR
from pulumi_wasp.localcloud.serve_lock import is_running
from pulumi_wasp.wording import counted

if TYPE_CHECKING:
    from pulumi_wasp.localcloud.client import Cloud

#: An execution in one of these states did not succeed: its verb exits 1.
UNSUCCESSFUL = ("FAILED", "TIMED_OUT", "ABORTED")


class VerbError(Exception):
    """A verb could not do what was asked (the message says why and what exists); ``code``: the exit status."""

    def __init__(self, message: str, code: int = 2) -> None:
        super().__init__(message)
        self.code = code


def _connect(args: argparse.Namespace) -> Cloud:
    from pulumi_wasp.localcloud.client import Cloud  # boto3: only once a verb runs (the CLI's help needs none)

    path = state_dir(args) / "endpoints.json"
    if not path.is_file():
        raise VerbError(f"the local cloud is not running ({path} is missing): start it with `wasp local serve`", 1)
    endpoints = json.loads(path.read_text())
    if "pid" in endpoints and not is_running(endpoints["pid"], endpoints.get("process_start")):
        raise VerbError(
            f"the local cloud is not running: the serve that wrote {path} (pid {endpoints['pid']}) has ended; "
            "start it again with `wasp local serve`",
            1,
        )
    return Cloud(endpoints)


def state_dir(args: argparse.Namespace) -> Path:
    """Where a local cloud of these arguments keeps its logs and endpoints.json."""
    return Path(args.state_dir) if args.state_dir else Path(args.program) / STATE_DIR


def _short(value: str) -> str:
    """A URL's or ARN's last part: the resource's own name."""
    return value.rstrip("/").rsplit("/", 1)[-1].rsplit(":", 1)[-1]


def resolve(kind: str, known: dict[str, str], wanted: str) -> str:
    """The value of ``wanted`` in ``known``: by key (logical name), by value (physical name, URL or ARN) or
    by the value's own name (a URL's or ARN's last part); exactly, never by a part of a name."""
    if wanted in known:
        return known[wanted]
    found = {value for value in known.values() if wanted in (value, _short(value))}
    if len(found) == 1:
        return found.pop()
    if found:
        raise VerbError(f"more than one {kind} is named {wanted!r}: {', '.join(sorted(found))}")
    raise VerbError(f"no {kind} matches {wanted!r}; known: {', '.join(closest_first(wanted, known))}")


def closest_first(wanted: str, names: Any) -> list[str]:
    """``names`` ordered by likeness to ``wanted``, the most alike first (ties alphabetically)."""
    return sorted(names, key=lambda name: (-difflib.SequenceMatcher(None, wanted, name).ratio(), name))


def json_argument(name: str, text: str | None) -> str:
    """``text`` (default ``{}``) once it is known to be JSON: else an error naming the argument and where."""
    if text is None:
        return "{}"
    try:
        json.loads(text)
    except json.JSONDecodeError as exc:
        raise VerbError(
            f"{name} is not valid JSON: {exc.msg} at line {exc.lineno} column {exc.colno} (character {exc.pos})"
        ) from None
    return text


def _print(data: Any) -> None:
    print(json.dumps(data, indent=2, default=str))


def invoke(cloud: Cloud, args: argparse.Namespace) -> int:
    name = resolve("function", cloud.endpoints["functions"], args.function)
    response = cloud.client("lambda").invoke(FunctionName=name, Payload=args.payload.encode())
    answer = response["Payload"].read().decode()
    error = response.get("FunctionError")
    print(f"{name}: {response['StatusCode']}{' ' + error if error else ''}")
    print(json.dumps(json.loads(answer), indent=2) if answer else "(no payload)")
    if error:
        print(f"error: {name} returned a function error ({error})", file=sys.stderr)
        return 1
    return 0


def _queues(cloud: Cloud) -> dict[str, str]:
    return {**cloud.endpoints["queues"], **cloud.endpoints["dlqs"]}


def send(cloud: Cloud, args: argparse.Namespace) -> int:
    url = resolve("queue", _queues(cloud), args.queue)
    message_id = cloud.client("sqs").send_message(QueueUrl=url, MessageBody=args.body)["MessageId"]
    print(f"sent {message_id} to {url}")
    return 0


def receive(cloud: Cloud, args: argparse.Namespace) -> int:
    url = resolve("queue", _queues(cloud), args.queue)
    messages = cloud.peek(url)
    for message in messages[: args.max]:
        _print(
            {
                "MessageId": message["MessageId"],
                "Body": message["Body"],
                "Attributes": message.get("MessageAttributes", {}),
            }
        )
    print(f"{counted(len(messages), 'message')} in {url} (left in the queue)")
    return 0


def publish(cloud: Cloud, args: argparse.Namespace) -> int:
    arn = resolve("topic", cloud.endpoints["topics"], args.topic)
    message_id = cloud.client("sns").publish(TopicArn=arn, Message=args.message)["MessageId"]
    print(f"published {message_id} to {arn}")
    return 0


def put_event(cloud: Cloud, args: argparse.Namespace) -> int:
    bus = resolve("bus", cloud.endpoints["buses"], args.bus)
    entry = {"EventBusName": bus, "Source": args.source, "DetailType": args.detail_type, "Detail": args.detail}
    response = cloud.client("events").put_events(Entries=[entry])
    _print(response["Entries"])
    failed = [e for e in response["Entries"] if e.get("ErrorCode")]
    for entry in failed:
        print(f"error: {entry['ErrorCode']}: {entry.get('ErrorMessage', '')}", file=sys.stderr)
    return 1 if failed else 0


def start(cloud: Cloud, args: argparse.Namespace) -> int:
    arn = resolve("state machine", cloud.endpoints["state_machines"], args.state_machine)
    sfn = cloud.client("stepfunctions")
    execution = sfn.start_execution(stateMachineArn=arn, name=f"cli-{uuid.uuid4().hex[:12]}", input=args.input)
    deadline = time.monotonic() + args.wait
    while (described := sfn.describe_execution(executionArn=execution["executionArn"]))["status"] == "RUNNING":
        if time.monotonic() > deadline:
            break
        time.sleep(0.2)
    return _history(cloud, execution["executionArn"], described, waited=args.wait)


def history(cloud: Cloud, args: argparse.Namespace) -> int:
    arn = _execution(cloud, args.execution)
    return _history(cloud, arn, cloud.client("stepfunctions").describe_execution(executionArn=arn))


def _execution(cloud: Cloud, wanted: str) -> str:
    """The ARN of the execution ``wanted`` names: its ARN, or its name among the state machines' executions."""
    if wanted.startswith("arn:"):
        return wanted
    sfn = cloud.client("stepfunctions")
    found: list[str] = []
    for arn in cloud.endpoints["state_machines"].values():
        for page in sfn.get_paginator("list_executions").paginate(stateMachineArn=arn):
            found += [e["executionArn"] for e in page["executions"] if e["name"] == wanted]
    if len(found) > 1:
        raise VerbError(f"more than one execution is named {wanted!r}, give its ARN: {', '.join(found)}")
    if not found:
        raise VerbError(f"no execution named {wanted!r} in the stack's state machines (an ARN or a name)")
    return found[0]


def _history(cloud: Cloud, arn: str, described: dict[str, Any], waited: float | None = None) -> int:
    print(f"{arn}\n  status {described['status']}")
    for event in cloud.client("stepfunctions").get_execution_history(executionArn=arn, maxResults=1000)["events"]:
        name = event.get("stateEnteredEventDetails", {}).get("name", "")
        failure = event.get("taskFailedEventDetails") or event.get("executionFailedEventDetails") or {}
        detail = f" {failure.get('error')}" if failure else ""
        print(f"  {event['timestamp']:%H:%M:%S.%f}  {event['type']:<28} {name}{detail}")
    if described.get("output"):
        print(f"  output {described['output']}")
    if described["status"] in UNSUCCESSFUL:
        cause = " ".join(str(described[key]) for key in ("error", "cause") if described.get(key))
        print(f"error: the execution {described['status']}{': ' + cause if cause else ''}", file=sys.stderr)
        return 1
    if described["status"] == "RUNNING" and waited is not None:
        print(f"error: the execution is still RUNNING after --wait {waited:g} s", file=sys.stderr)
        return 1
    return 0


def logs(cloud: Cloud, args: argparse.Namespace) -> int:
    name = resolve("function", cloud.endpoints["functions"], args.function)
    path = state_dir(args) / "logs" / f"{name}.log"
    if not path.is_file():
        if not args.follow:
            raise VerbError(f"{name} has not run yet (no {path})", 1)
        print(f"{name} has not run yet: waiting for its first line (Ctrl-C stops)", file=sys.stderr, flush=True)
        while not path.is_file():
            _check_serving(cloud)
            time.sleep(FOLLOW_POLL_SECONDS)
    with path.open() as log:
        sys.stdout.writelines(log.readlines()[-args.lines :])
        sys.stdout.flush()
        while args.follow:
            line = log.readline()
            if line:
                sys.stdout.write(line)
                sys.stdout.flush()
            else:
                _check_serving(cloud)
                time.sleep(FOLLOW_POLL_SECONDS)
    return 0


#: How often ``logs -f`` looks for new lines (and checks that serve still runs).
FOLLOW_POLL_SECONDS = 0.2


def _check_serving(cloud: Cloud) -> None:
    pid = cloud.endpoints.get("pid")
    if pid is not None and not is_running(pid, cloud.endpoints.get("process_start")):
        raise VerbError(f"the local cloud stopped (serve pid {pid} has ended)", 1)


def fire(cloud: Cloud, args: argparse.Namespace) -> int:
    name = resolve("schedule", {s: s for s in cloud.endpoints["schedules"]}, args.schedule)
    cloud.fire(name)
    print(f"fired {name}")
    return 0


def status(cloud: Cloud, args: argparse.Namespace) -> int:
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
    return 0


def redrive_stream(cloud: Cloud, args: argparse.Namespace) -> int:
    from pulumi_wasp.localcloud import stream_redrive  # builds on resolve and VerbError

    report = stream_redrive.redrive(cloud, args.target, args.max)
    if args.json:
        _print(report)
    else:
        print("\n".join(stream_redrive.report_lines(report)))
    if report["unfetchable"] or report["failed"]:
        print(
            f"error: {counted(len(report['unfetchable']), 'message')} could not be fetched, "
            f"{counted(len(report['failed']), 'message')} failed again: they stay in the on-failure queue",
            file=sys.stderr,
        )
        return 1
    return 0


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


def add_verbs(verbs: argparse._SubParsersAction) -> None:
    def verb(name: str, action: Any, help_text: str, json_args: tuple[str, ...] = ()) -> argparse.ArgumentParser:
        parser = verbs.add_parser(name, help=help_text, description=help_text[0].upper() + help_text[1:] + ".")
        parser.set_defaults(handler=lambda args: _dispatch(action, args, json_args))
        return parser

    function = "a function's logical name (endpoints.json) or its physical name"
    queue = "a queue's or DLQ's logical name, its name or its URL"
    verb("status", status, "queue and DLQ depths, function counters, recent executions").add_argument(
        "--executions", type=int, default=5, help="recent executions shown per state machine (default 5)"
    )
    parser = verb("invoke", invoke, "invoke a function synchronously through the emulator's Lambda API", ("payload",))
    parser.add_argument("function", help=function)
    parser.add_argument("payload", nargs="?", help="JSON event (default {})")
    parser = verb("send", send, "send a message to a queue")
    parser.add_argument("queue", help=queue)
    parser.add_argument("body", help="the message body, sent as given (any text)")
    parser = verb("receive", receive, "show the messages of a queue or DLQ (they stay in it)")
    parser.add_argument("queue", help=queue)
    parser.add_argument("--max", type=int, default=10, help="messages shown at most (default 10)")
    parser = verb("publish", publish, "publish a message to a topic")
    parser.add_argument("topic", help="a topic's logical name, its name or its ARN")
    parser.add_argument("message", help="the message, sent as given (any text)")
    parser = verb("put-event", put_event, "put an event on a bus", ("detail",))
    parser.add_argument("bus", help="a bus's logical name or its name")
    parser.add_argument("detail_type", help="the event's detail-type")
    parser.add_argument("detail", help="JSON detail")
    parser.add_argument("--source", required=True, help="the event's source, as the bus's rules match it")
    parser = verb("start", start, "start a state machine execution and show its history", ("input",))
    parser.add_argument("state_machine", help="a state machine's logical name, its name or its ARN")
    parser.add_argument("input", nargs="?", help="JSON input (default {})")
    parser.add_argument("--wait", type=float, default=30, help="seconds to wait for the end (default 30)")
    verb("history", history, "show an execution's history").add_argument(
        "execution", help="an execution's ARN, or its name (looked up in the stack's state machines)"
    )
    parser = verb("logs", logs, "print (and follow) a function's log")
    parser.add_argument("function", help=function)
    parser.add_argument("-n", "--lines", type=int, default=40, help="last lines shown (default 40)")
    parser.add_argument(
        "-f", "--follow", action="store_true", help="keep printing lines as they are written (Ctrl-C stops)"
    )
    verb("fire", fire, "deliver one run of a schedule now").add_argument("schedule", help="a schedule's name")
    parser = verb(
        "redrive-stream",
        redrive_stream,
        "re-drive what a stream consumer's on-failure queue points at (fetched again, delivered to the consumer)",
    )
    parser.add_argument(
        "target",
        help="a stream consumer (e.g. clickstream, event-store-order-projector), its on-failure queue or its "
        "re-drive function",
    )
    parser.add_argument(
        "--max",
        type=_positive,
        default=None,
        help="on-failure messages re-driven at most (default: the function's, 10)",
    )
    parser.add_argument("--json", action="store_true", help="the re-drive function's report as JSON")
    # Imported here: the fault verbs build on this module (resolve, VerbError).
    from pulumi_wasp.localcloud import faults

    faults.add_verb_options(verb("fault", faults.fault_verb, "inject faults into a function; --list, --clear"))
    verb(
        "report", faults.report_verb, "per queue and stream: delivered, processed, retried, parked, in flight"
    ).add_argument("--json", action="store_true", help="the report as JSON")


def _dispatch(action: Any, args: argparse.Namespace, json_args: tuple[str, ...]) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        for name in json_args:  # before anything is sent, before the cloud is even looked for
            setattr(args, name, json_argument(name, getattr(args, name)))
        return int(action(_connect(args), args) or 0)  # a verb returning None is done (0)
    except VerbError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return exc.code
    except ClientError as exc:
        error = exc.response.get("Error", {})
        print(f"error: {exc.operation_name}: {error.get('Code')}: {error.get('Message')}", file=sys.stderr)
        return 1
    except (BotoCoreError, URLError, ConnectionRefusedError) as exc:  # the endpoints exist but do not answer
        print(f"error: the local cloud does not answer: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130
