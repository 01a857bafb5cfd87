"""``wasp local mcp`` driven by the official SDK's own client over stdio (``stdio_client`` +
``ClientSession``), against the served tiny program (functions, queues, DLQs, logs, the preview)
and the served reference system (its saga: executions and their history)."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from mcp import ClientSession, StdioServerParameters, stdio_client
from mcp.types import CallToolResult, Tool

from pulumi_wasp.localcloud.client import wait_for
from tests.e2e.conftest import REPO, Served

TOOLS = {
    "list_functions",
    "invoke_function",
    "list_state_machines",
    "start_execution",
    "describe_execution",
    "get_execution_history",
    "publish_message",
    "send_message",
    "receive_messages",
    "purge_queue",
    "queue_depths",
    "redrive_dlq",
    "redrive_stream",
    "status",
    "logs",
    "policy_preview",
}
CALL_SECONDS = 60


class McpClient:
    """One ``wasp local mcp`` process and a ClientSession to it, on an event loop in a thread of
    its own, so that the (synchronous, time-limited) tests call tools directly."""

    def __init__(self, parameters: StdioServerParameters) -> None:
        self.parameters = parameters
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, name="mcp-client", daemon=True)
        self._session: ClientSession | None = None
        self._closing: asyncio.Event | None = None
        self._done: Any = None

    def __enter__(self) -> McpClient:
        self._thread.start()
        ready: asyncio.Future[None] = self._loop.create_future()
        self._done = asyncio.run_coroutine_threadsafe(self._connect(ready), self._loop)
        asyncio.run_coroutine_threadsafe(asyncio.wait_for(asyncio.shield(ready), CALL_SECONDS), self._loop).result()
        return self

    async def _connect(self, ready: asyncio.Future[None]) -> None:
        # The transport's task group is entered and left in this one task, as anyio requires.
        self._closing = asyncio.Event()
        try:
            async with stdio_client(self.parameters) as (read, write), ClientSession(read, write) as session:
                await session.initialize()
                self._session = session
                ready.set_result(None)
                await self._closing.wait()
        except BaseException as exc:
            if not ready.done():
                ready.set_exception(exc)
            raise

    def _run(self, coroutine: Any) -> Any:
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop).result(CALL_SECONDS)

    def tools(self) -> list[Tool]:
        assert self._session is not None
        return self._run(self._session.list_tools()).tools

    def call(self, tool: str, /, **arguments: Any) -> CallToolResult:
        assert self._session is not None
        return self._run(self._session.call_tool(tool, arguments))

    def ok(self, tool: str, /, **arguments: Any) -> dict[str, Any]:
        """A successful call's structured result."""
        result = self.call(tool, **arguments)
        assert not result.is_error, f"{tool} failed: {error_text(result)}"
        assert result.structured_content is not None
        return result.structured_content

    def __exit__(self, *exc: object) -> None:
        if self._closing is not None:
            self._loop.call_soon_threadsafe(self._closing.set)
        self._done.result(CALL_SECONDS)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(CALL_SECONDS)


def wasp_mcp(program: Path, state_dir: Path) -> StdioServerParameters:
    """``wasp local mcp`` of this tree for the local cloud of ``state_dir``."""
    return StdioServerParameters(
        command=sys.executable,
        args=["-m", "pulumi_wasp.localcloud", "--program", str(program), "mcp", "--state-dir", str(state_dir)],
        env={"PYTHONPATH": f"{REPO / 'components'}{os.pathsep}{REPO}"},
        cwd=REPO,
    )


def error_text(result: CallToolResult) -> str:
    return " ".join(getattr(block, "text", "") for block in result.content)


def failed(result: CallToolResult) -> str:
    """A tool error's text (the call must have failed)."""
    assert result.is_error, f"expected a tool error, got {result.structured_content}"
    return error_text(result)


@pytest.fixture(scope="module")
def mcp_tiny(tiny: Served) -> Iterator[McpClient]:
    with McpClient(wasp_mcp(Path(tiny.program), tiny.state_dir)) as client:
        yield client


@pytest.fixture(scope="module")
def mcp_served(served: Served) -> Iterator[McpClient]:
    with McpClient(wasp_mcp(Path(served.program), served.state_dir)) as client:
        yield client


def _depth(client: McpClient, kind: str, name: str) -> dict[str, Any]:
    return next(row for row in client.ok("queue_depths")[kind] if row["name"] == name)


# -- the tools' contract -----------------------------------------------------------------------
def test_the_server_lists_exactly_the_guide_s_tools_each_with_a_schema_and_a_description(
    mcp_tiny: McpClient,
) -> None:
    tools = {tool.name: tool for tool in mcp_tiny.tools()}
    assert set(tools) == TOOLS
    for tool in tools.values():
        assert tool.input_schema["type"] == "object", tool.name
        assert len(tool.description or "") > 60 and "Returns" in (tool.description or ""), tool.name
        for name, schema in tool.input_schema.get("properties", {}).items():
            assert schema.get("description"), f"{tool.name}.{name} has no description"
    assert tools["invoke_function"].input_schema["required"] == ["name"]
    assert tools["logs"].input_schema["required"] == ["function"]


# -- functions -------------------------------------------------------------------------------
def test_list_functions_names_each_function_with_its_aws_name_and_counters(mcp_tiny: McpClient) -> None:
    functions = {f["name"]: f for f in mcp_tiny.ok("list_functions")["functions"]}
    probe = functions["probe-function"]
    assert probe["function_name"] == "localcloud-tiny-dev-probe"
    assert probe["handler"] == "probe.handler.handler" and probe["reserved_concurrency"] == 2
    assert {"invocations", "errors", "throttles"} <= set(probe)


def test_invoke_function_returns_the_handler_s_answer(mcp_tiny: McpClient) -> None:
    answer = mcp_tiny.ok("invoke_function", name="probe-function", payload='{"hello": "mcp"}')
    assert answer["function_name"] == "localcloud-tiny-dev-probe"
    assert (answer["status_code"], answer["function_error"]) == (200, None)
    assert answer["payload"]["event"] == {"hello": "mcp"}


def test_a_handler_error_is_returned_in_lambda_s_error_shape(mcp_tiny: McpClient) -> None:
    answer = mcp_tiny.ok("invoke_function", name="probe-function", payload='{"action": "fail", "message": "no stock"}')
    assert answer["function_error"] == "Unhandled"
    assert (answer["payload"]["errorType"], answer["payload"]["errorMessage"]) == ("ValueError", "no stock")


def test_an_unknown_function_is_a_tool_error_naming_the_known_ones(mcp_tiny: McpClient) -> None:
    text = failed(mcp_tiny.call("invoke_function", name="no-such-function"))
    assert "no function matches 'no-such-function'" in text and "probe-function" in text


def test_a_malformed_payload_is_refused_saying_where(mcp_tiny: McpClient) -> None:
    text = failed(mcp_tiny.call("invoke_function", name="probe-function", payload='{"hello": }'))
    assert "payload is not valid JSON" in text and "line 1, column 11" in text


def test_logs_returns_the_last_lines_of_a_function_s_log(mcp_tiny: McpClient) -> None:
    mcp_tiny.ok("invoke_function", name="probe-function", payload='{"action": "logged"}')
    answer = mcp_tiny.ok("logs", function="probe-function", lines=5)
    assert len(answer["lines"]) == 5 and answer["log"].endswith("localcloud-tiny-dev-probe.log")
    assert any(
        "probe handled logged" in line for line in mcp_tiny.ok("logs", function="probe-function", lines=50)["lines"]
    )


# -- queues ----------------------------------------------------------------------------------
def test_send_receive_and_purge_a_queue(mcp_tiny: McpClient) -> None:
    bodies = {f"mcp-{uuid.uuid4().hex[:8]}" for _ in range(2)}
    for body in bodies:
        sent = mcp_tiny.ok("send_message", queue="events-lost-dlq", body=body, attributes={"kind": "test"})
        assert sent["message_id"]
    peeked = mcp_tiny.ok("receive_messages", queue="events-lost-dlq")
    mine = [m for m in peeked["messages"] if m["body"] in bodies]
    assert len(mine) == 2 and all(m["attributes"] == {"kind": "test"} for m in mine)
    assert _depth(mcp_tiny, "dlqs", "events-lost-dlq")["visible"] == peeked["in_queue"]  # still there
    purged = mcp_tiny.ok("purge_queue", queue="events-lost-dlq")
    assert purged["purged"] >= 2
    assert _depth(mcp_tiny, "dlqs", "events-lost-dlq")["visible"] == 0


def test_receive_with_delete_takes_the_messages_out(mcp_tiny: McpClient) -> None:
    body = f"mcp-{uuid.uuid4().hex[:8]}"
    mcp_tiny.ok("send_message", queue="failing-job-dlq", body=body)
    taken = mcp_tiny.ok("receive_messages", queue="failing-job-dlq", max_messages=100, delete=True)
    assert body in {m["body"] for m in taken["messages"]} and taken["deleted"] == len(taken["messages"])
    assert body not in {m["body"] for m in mcp_tiny.ok("receive_messages", queue="failing-job-dlq")["messages"]}


def test_queue_depths_pair_each_queue_with_its_dlq(mcp_tiny: McpClient) -> None:
    depths = mcp_tiny.ok("queue_depths")
    probe = next(q for q in depths["queues"] if q["name"] == "probe-queue")
    assert probe["dlq"] == "probe-dlq" and probe["max_receive_count"] >= 1
    dlqs = {d["name"]: d for d in depths["dlqs"]}
    assert dlqs["probe-dlq"]["sources"] == ["probe-queue"]
    assert {"visible", "in_flight", "delayed"} <= set(dlqs["probe-dlq"])


def test_redrive_moves_a_dlq_s_messages_back_to_its_source_queue(mcp_tiny: McpClient) -> None:
    def invocations() -> int:
        functions = mcp_tiny.ok("list_functions")["functions"]
        return next(f["invocations"] for f in functions if f["name"] == "probe-function")

    before = invocations()
    for n in range(3):
        mcp_tiny.ok("send_message", queue="probe-dlq", body=json.dumps({"n": n}))
    redriven = mcp_tiny.ok("redrive_dlq", dlq="probe-dlq")
    assert (redriven["source"], redriven["failed"], redriven["left_in_dlq"]) == ("probe-queue", [], 0)
    assert redriven["moved"] >= 3
    wait_for("the probe to consume the redriven messages", lambda: invocations() > before, timeout=30)


def test_redriving_a_dlq_no_queue_feeds_is_a_tool_error_saying_why(mcp_tiny: McpClient) -> None:
    text = failed(mcp_tiny.call("redrive_dlq", dlq="failing-job-dlq"))
    assert "no queue names" in text and "RedrivePolicy" in text


def test_an_unknown_queue_is_a_tool_error_naming_the_known_ones(mcp_tiny: McpClient) -> None:
    text = failed(mcp_tiny.call("send_message", queue="nowhere", body="x"))
    assert "no queue matches 'nowhere'" in text and "probe-queue" in text


# -- the cloud as a whole --------------------------------------------------------------------
def test_status_shows_the_served_program_its_resources_and_what_was_not_created(
    mcp_tiny: McpClient, tiny: Served
) -> None:
    status = mcp_tiny.ok("status")
    assert Path(status["program"]) == Path(tiny.program).resolve() and status["stack"] == "dev"
    assert "localcloud-tiny-dev-probe" in status["functions"]
    assert status["buses"] and status["buses"] == tiny.endpoints["buses"]
    assert status["not_created"] == tiny.endpoints["not_created"]


def test_publish_message_publishes_to_a_topic_named_as_status_lists_it(mcp_served: McpClient) -> None:
    topics = mcp_served.ok("status")["topics"]
    [topic] = [name for name in topics if "order-events" in name]
    published = mcp_served.ok("publish_message", topic=topic, message="{}", attributes={"type": "mcp.test"})
    assert published["topic_arn"] == topics[topic] and published["message_id"]


def test_an_unknown_topic_is_a_tool_error_naming_the_known_ones(mcp_tiny: McpClient) -> None:
    text = failed(mcp_tiny.call("publish_message", topic="no-such-topic", message="x"))
    assert "no topic matches 'no-such-topic'" in text


@pytest.mark.time_limit(120)
def test_policy_preview_runs_the_pack_over_the_served_program(mcp_tiny: McpClient) -> None:
    report = mcp_tiny.ok("policy_preview")
    assert report["stack"] == "dev" and report["resources"] > 10
    assert report["mandatory"] + report["advisory"] == len(report["diagnostics"])
    for diagnostic in report["diagnostics"]:
        assert {"policy", "level", "urn", "message"} <= set(diagnostic)


def test_a_missing_policy_config_is_a_tool_error_naming_the_file(mcp_tiny: McpClient) -> None:
    text = failed(mcp_tiny.call("policy_preview", policy_config="no-such-config.json"))
    assert "policy_config: no file" in text and "no-such-config.json" in text


# -- state machines (the reference system's saga) ----------------------------------------------
@pytest.mark.time_limit(90)
def test_start_describe_and_trace_an_execution(mcp_served: McpClient) -> None:
    [saga] = mcp_served.ok("list_state_machines")["state_machines"]
    name = f"mcp-{uuid.uuid4().hex[:8]}"
    started = mcp_served.ok("start_execution", state_machine=saga["name"], input="{}", name=name, wait_seconds=45)
    assert started["name"] == name and started["status"] in {"SUCCEEDED", "FAILED"}
    described = mcp_served.ok("describe_execution", execution=name)
    assert (described["executionArn"], described["status"]) == (started["executionArn"], started["status"])
    history = mcp_served.ok("get_execution_history", execution=started["executionArn"])
    types = [event["type"] for event in history["events"]]
    assert types[0] == "ExecutionStarted"
    assert types[-1] == {"SUCCEEDED": "ExecutionSucceeded", "FAILED": "ExecutionFailed"}[started["status"]]
    assert any("stateEnteredEventDetails" in event for event in history["events"])


def test_an_unknown_execution_is_a_tool_error(mcp_served: McpClient) -> None:
    assert "no execution is named 'never-started'" in failed(
        mcp_served.call("describe_execution", execution="never-started")
    )


# -- no local cloud ----------------------------------------------------------------------------
@pytest.fixture
def mcp_nowhere(tmp_path: Path) -> Iterator[tuple[McpClient, Path]]:
    with McpClient(wasp_mcp(tmp_path, tmp_path)) as client:
        yield client, tmp_path / "endpoints.json"


def test_without_a_running_cloud_every_tool_says_how_to_start_one(mcp_nowhere: tuple[McpClient, Path]) -> None:
    client, endpoints = mcp_nowhere
    text = failed(client.call("list_functions"))
    assert "no running local cloud" in text and str(endpoints) in text and "wasp local serve" in text


def test_endpoints_left_by_a_stopped_serve_are_refused(mcp_nowhere: tuple[McpClient, Path], tiny: Served) -> None:
    client, endpoints = mcp_nowhere
    endpoints.write_text(json.dumps({**tiny.endpoints, "pid": _finished_pid()}))
    assert "which has stopped" in failed(client.call("queue_depths"))


def test_a_non_loopback_endpoint_is_refused(mcp_nowhere: tuple[McpClient, Path], tiny: Served) -> None:
    client, endpoints = mcp_nowhere
    endpoints.write_text(json.dumps({**tiny.endpoints, "emulator_url": "http://10.1.2.3:4566"}))
    text = failed(client.call("status"))
    assert "emulator_url http://10.1.2.3:4566 is not a loopback address" in text


def _finished_pid() -> int:
    """The pid of a process that has exited (and been reaped)."""
    done = subprocess.Popen(["true"])
    done.wait()
    return done.pid


# -- the official AWS Lambda and Step Functions tool MCP servers, pointed at the local cloud ----------
def aws_server(module: str, endpoints: dict[str, Any], config: Path, **settings: str) -> StdioServerParameters:
    """One of AWS's MCP servers, reaching the local cloud only (as README.md shows): the emulator as
    its endpoint and the fake credentials in a profile of their own (the server names a profile, and
    a named profile ignores credentials in the environment)."""
    credentials = endpoints["credentials"]
    config.write_text(
        "[profile localcloud]\n"
        f"aws_access_key_id = {credentials['AWS_ACCESS_KEY_ID']}\n"
        f"aws_secret_access_key = {credentials['AWS_SECRET_ACCESS_KEY']}\n"
        f"region = {endpoints['region']}\n"
    )
    environment = {
        "AWS_ENDPOINT_URL": endpoints["emulator_url"],
        "AWS_PROFILE": "localcloud",
        "AWS_REGION": endpoints["region"],  # AWS's servers default to us-east-1 over the profile's region
        "AWS_CONFIG_FILE": str(config),
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
    }
    return StdioServerParameters(command=sys.executable, args=["-m", module], env={**environment, **settings})


def test_the_official_lambda_tool_server_invokes_a_local_function(tiny: Served, tmp_path: Path) -> None:
    server = "awslabs.lambda_tool_mcp_server.server"
    prefix = {"FUNCTION_PREFIX": "localcloud-tiny-dev-"}
    with McpClient(aws_server(server, tiny.endpoints, tmp_path / "aws-config", **prefix)) as official:
        assert {"probe", "slow"} <= {tool.name for tool in official.tools()}
        answer = official.call("probe", parameters={"hello": "official"})
    assert not answer.is_error, error_text(answer)
    assert '"hello": "official"' in error_text(answer)


@pytest.mark.time_limit(90)
def test_the_official_step_functions_tool_server_runs_a_local_state_machine(served: Served, tmp_path: Path) -> None:
    server = "awslabs.stepfunctions_tool_mcp_server.server"
    prefix = {"STATE_MACHINE_PREFIX": "order-platform-dev-"}
    with McpClient(aws_server(server, served.endpoints, tmp_path / "aws-config", **prefix)) as official:
        assert {tool.name for tool in official.tools()} == {"order_fulfilment"}
        # Not an order: the saga's first step refuses it, and the server reports the execution's end.
        answer = official.call("order_fulfilment", parameters={"probe": "official"})
    assert not answer.is_error, error_text(answer)
    assert "State machine order-platform-dev-order-fulfilment execution failed with status: FAILED" in error_text(
        answer
    )
