"""The MCP server (stdio, the official ``mcp`` SDK): one tool per verb of the guide's AWS MCP
servers (Lambda tool, Step Functions, SNS/SQS, serverless), against the running local cloud."""

from __future__ import annotations

import functools
import urllib.error
from collections.abc import Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

from botocore.exceptions import BotoCoreError, ClientError, EndpointConnectionError
from mcp.server.mcpserver import MCPServer
from mcp.server.mcpserver.exceptions import ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from pulumi_wasp import __version__
from pulumi_wasp.localcloud.mcp import tools
from pulumi_wasp.localcloud.mcp.connection import START_HINT, Connection
from pulumi_wasp.localcloud.verbs import VerbError

NAME = "wasp-localcloud"
INSTRUCTIONS = """Drives the pulumi-wasp local cloud: a Pulumi program deployed into an AWS emulator on 127.0.0.1
with a local Lambda runtime (`wasp local serve`). Start with `status` or `list_functions`; names of functions,
queues, topics and state machines are the program's logical names (as listed) or AWS names, exactly."""

R = TypeVar("R")
READ_ONLY = ToolAnnotations(read_only_hint=True, open_world_hint=False)
WRITES = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=False)
DESTRUCTIVE = ToolAnnotations(read_only_hint=False, destructive_hint=True, open_world_hint=False)

FunctionName = Annotated[
    str,
    Field(description="function: logical name from list_functions (e.g. 'probe-function'), or its AWS name"),
]
QueueName = Annotated[
    str,
    Field(description="queue or DLQ: name from queue_depths (e.g. 'probe-queue', 'probe-dlq'), or its URL"),
]
Execution = Annotated[
    str, Field(description="execution ARN (as start_execution returns it) or execution name (e.g. 'mcp-3f2a9c1b7d4e')")
]
Attributes = Annotated[
    dict[str, str] | None,
    Field(description="message attributes, each a String attribute (e.g. {'type': 'order'}; default none)"),
]


def _tool_errors(action: Callable[..., R], conn: Connection) -> Callable[..., R]:
    """Anticipated failures as tool errors an agent can act on; anything else is a crash the SDK
    reports without its text."""

    @functools.wraps(action)
    def run(*args: Any, **kwargs: Any) -> R:
        try:
            return action(*args, **kwargs)
        except VerbError as exc:
            raise ToolError(str(exc)) from exc
        except ClientError as exc:
            error = exc.response.get("Error", {})
            operation = getattr(exc, "operation_name", "the call")
            raise ToolError(f"{operation}: {error.get('Code', 'error')}: {error.get('Message', exc)}") from exc
        except (EndpointConnectionError, urllib.error.URLError, ConnectionError) as exc:
            raise ToolError(
                f"the local cloud of {conn.endpoints_file} does not answer ({exc}); it has stopped: {START_HINT}"
            ) from exc
        except BotoCoreError as exc:
            raise ToolError(f"AWS SDK error: {exc}") from exc

    return run


def build(state_dir: Path) -> MCPServer:
    """The server with every tool, bound to the local cloud of ``state_dir``."""
    conn = Connection(state_dir)
    server = MCPServer(NAME, instructions=INSTRUCTIONS, version=__version__)

    def tool(annotations: ToolAnnotations) -> Callable[[Callable[..., R]], Callable[..., R]]:
        def register(action: Callable[..., R]) -> Callable[..., R]:
            server.add_tool(_tool_errors(action, conn), annotations=annotations, structured_output=True)
            return action

        return register

    @tool(READ_ONLY)
    def list_functions() -> dict[str, Any]:
        """List the Lambda functions of the served program.

        Returns {"functions": [{name (logical, use it in other tools), function_name (AWS name), handler,
        runtime, timeout_seconds, memory_mb, reserved_concurrency, invocations, errors, throttles}]}."""
        return tools.list_functions(conn)

    @tool(WRITES)
    def invoke_function(
        name: FunctionName,
        payload: Annotated[
            str, Field(description='the event as JSON text, e.g. \'{"orderId": "o-1"}\' (default "{}")')
        ] = "{}",
    ) -> dict[str, Any]:
        """Invoke a function synchronously (RequestResponse) with a JSON event and return its answer.

        Returns {function_name, status_code, function_error, payload}. A handler that raised is not a tool
        error: function_error is set (e.g. "Unhandled") and payload holds errorType, errorMessage and
        stackTrace. Malformed payload JSON is refused before anything is sent."""
        return tools.invoke_function(conn, name, payload)

    @tool(READ_ONLY)
    def logs(
        function: FunctionName,
        lines: Annotated[int, Field(ge=1, le=5000, description="how many of the last lines (default 50)")] = 50,
    ) -> dict[str, Any]:
        """The last lines of a function's log (START/END/REPORT lines, the handler's output, errors).

        Returns {function_name, log (file path), lines: [...]}; a function that has not run yet has no
        lines and a note saying so."""
        return tools.logs(conn, function, lines)

    @tool(READ_ONLY)
    def list_state_machines() -> dict[str, Any]:
        """List the Step Functions state machines of the served program.

        Returns {"state_machines": [{name, arn, recent_executions: {status: count} over the last 100}]}."""
        return tools.list_state_machines(conn)

    @tool(WRITES)
    def start_execution(
        state_machine: Annotated[str, Field(description="state machine: name from list_state_machines, or its ARN")],
        input: Annotated[
            str, Field(description='the execution input as JSON text, e.g. \'{"orderId": "o-1"}\' (default "{}")')
        ] = "{}",
        name: Annotated[
            str | None, Field(description="execution name (default: mcp-<random>); unique per state machine")
        ] = None,
        wait_seconds: Annotated[
            float,
            Field(
                ge=0, le=300, description="wait up to this long for the execution to end (default 30; 0: do not wait)"
            ),
        ] = 30,
    ) -> dict[str, Any]:
        """Start an execution of a state machine and wait for it to end (or wait_seconds to pass).

        Returns {executionArn, name, status (RUNNING, SUCCEEDED, FAILED, TIMED_OUT, ABORTED), startDate,
        stopDate, input, output, error, cause}. get_execution_history shows each state."""
        return tools.start_execution(conn, state_machine, input, name, wait_seconds)

    @tool(READ_ONLY)
    def describe_execution(execution: Execution) -> dict[str, Any]:
        """Describe an execution: its status, input, output, and error and cause when it failed.

        Returns {executionArn, stateMachineArn, name, status, startDate, stopDate, input, output, error, cause}."""
        return tools.describe_execution(conn, execution)

    @tool(READ_ONLY)
    def get_execution_history(
        execution: Execution,
        max_events: Annotated[int, Field(ge=1, le=1000, description="at most this many events (default 1000)")] = 1000,
    ) -> dict[str, Any]:
        """The events of an execution in order: each state entered and exited, each task scheduled,
        succeeded or failed (with error and cause), and how the execution ended.

        Returns {execution_arn, events: [{id, previousEventId, timestamp, type, <type>EventDetails}]}."""
        return tools.get_execution_history(conn, execution, max_events)

    @tool(WRITES)
    def publish_message(
        topic: Annotated[str, Field(description="SNS topic: logical name (status lists them) or ARN")],
        message: Annotated[str, Field(description='the message body, often JSON text, e.g. \'{"orderId": "o-1"}\'')],
        subject: Annotated[str | None, Field(description="optional subject")] = None,
        attributes: Attributes = None,
    ) -> dict[str, Any]:
        """Publish a message to an SNS topic; its subscriptions (queues, functions) receive it as on AWS,
        filter policies included. Returns {topic_arn, message_id}."""
        return tools.publish_message(conn, topic, message, subject, attributes or {})

    @tool(WRITES)
    def send_message(
        queue: QueueName,
        body: Annotated[str, Field(description='the message body, often JSON text, e.g. \'{"orderId": "o-1"}\'')],
        attributes: Attributes = None,
        delay_seconds: Annotated[int, Field(ge=0, le=900, description="delivery delay (default 0)")] = 0,
    ) -> dict[str, Any]:
        """Send a message to an SQS queue (or DLQ). A queue with a consumer function delivers it to the
        function as on AWS. Returns {queue_url, message_id}."""
        return tools.send_message(conn, queue, body, attributes or {}, delay_seconds)

    @tool(WRITES)
    def receive_messages(
        queue: QueueName,
        max_messages: Annotated[int, Field(ge=1, le=1000, description="at most this many messages (default 10)")] = 10,
        delete: Annotated[
            bool, Field(description="delete what is received (default false: the messages stay in the queue)")
        ] = False,
    ) -> dict[str, Any]:
        """Receive the messages of a queue or DLQ; by default they stay in it (made visible again at once).

        Each receive counts towards the queue's maxReceiveCount, as on AWS: peeking at a source queue
        can move a message to its DLQ. Returns {queue_url, messages: [{message_id, body, attributes}],
        in_queue (when not deleting), deleted}."""
        return tools.receive_messages(conn, queue, max_messages, delete)

    @tool(DESTRUCTIVE)
    def purge_queue(queue: QueueName) -> dict[str, Any]:
        """Delete every message of a queue or DLQ. Returns {queue_url, purged (messages there before)}."""
        return tools.purge_queue(conn, queue)

    @tool(READ_ONLY)
    def queue_depths() -> dict[str, Any]:
        """Every queue and dead-letter queue with its depth.

        Returns {queues: [{name, url, arn, visible, in_flight, delayed, dlq, max_receive_count}],
        dlqs: [{name, url, arn, visible, in_flight, delayed, sources (queues redriving to it)}]}.
        A DLQ with messages means something failed: receive_messages shows them, redrive_dlq moves them back."""
        return tools.queue_depths(conn)

    @tool(WRITES)
    def redrive_dlq(
        dlq: Annotated[str, Field(description="dead-letter queue: name from queue_depths (e.g. 'probe-dlq') or URL")],
        max_messages: Annotated[
            int | None, Field(ge=1, description="move at most this many (default: all that are visible now)")
        ] = None,
    ) -> dict[str, Any]:
        """Move the messages of a DLQ back to its source queue (the queue whose RedrivePolicy names it),
        each received, sent to the source with its attributes, then deleted from the DLQ.

        Returns {dlq_url, source, source_url, moved, failed: [{message_id, error}], left_in_dlq}. A DLQ of a
        Lambda destination, EventBridge target or stream has no source queue: that is an error naming it."""
        return tools.redrive_dlq(conn, dlq, max_messages)

    @tool(WRITES)
    def redrive_stream(
        target: Annotated[
            str,
            Field(
                description="stream consumer (e.g. 'clickstream', 'event-store-order-projector'), its on-failure "
                "queue (name from queue_depths or URL) or its re-drive function"
            ),
        ],
        max_messages: Annotated[
            int | None, Field(ge=1, le=1000, description="re-drive at most this many on-failure messages (default 10)")
        ] = None,
    ) -> dict[str, Any]:
        """Re-drive what a stream consumer's on-failure queue points at: each on-failure record's batch fetched
        again (from the stream, or an event store's table) and delivered to the consumer as its mapping would.

        Returns {function, received, redriven: [{shardId, startSequenceNumber, endSequenceNumber, records, from}],
        unfetchable: [{..., reason, fetched}], failed: [{..., error | batchItemFailures}], kept}. Unfetchable and
        failed messages stay in the queue."""
        return tools.redrive_stream(conn, target, max_messages)

    @tool(READ_ONLY)
    def status(
        executions: Annotated[
            int, Field(ge=1, le=100, description="recent executions per state machine (default 5)")
        ] = 5,
    ) -> dict[str, Any]:
        """The running local cloud at a glance.

        Returns {program, stack, serve_pid, speed, api_url, emulator_url, topics, buses and tables (logical name:
        ARN or name), functions: {AWS name: {invocations,
        errors, throttles, timeouts, cold_starts, init_ms, median_duration_ms, concurrency, log}},
        event_sources (delivery counts), unprocessed_messages (per queue ARN), schedules, recent_executions,
        not_created (resources the emulator could not create, with the reason)}."""
        return tools.status(conn, executions)

    @tool(READ_ONLY)
    def policy_preview(
        policy_config: Annotated[
            str | None,
            Field(description="policy pack config JSON, relative to the program directory (e.g. 'policy-config.json')"),
        ] = None,
        first_deploy: Annotated[
            bool, Field(description="preview as before the first deploy: computed values unknown (default false)")
        ] = False,
    ) -> dict[str, Any]:
        """Run the offline CrossGuard policy preview (wasp preview) over the served program and stack
        (about 10 s on a large program).

        Returns {program, stack, policy_config, resources (count), mandatory, advisory, diagnostics:
        [{policy, level, urn, type, name, message (with the fix)}], not_applicable, exempted}."""
        return tools.policy_preview(conn, policy_config, first_deploy)

    return server


def serve(state_dir: Path) -> int:
    """Serve over stdio until the client closes the stream."""
    build(state_dir).run("stdio")
    return 0
