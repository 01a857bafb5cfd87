"""Hot reload and the runtime's fidelity, served: an edited handler answers the next invocation
without a redeploy (in a copy of tests/e2e/programs/tiny, never the committed one), a synchronous
invoke over the concurrency is throttled at once while an asynchronous one is retried, and at 60×
local time a consumer using 80 % of its timeout is neither timed out nor given up."""

from __future__ import annotations

import contextlib
import json
import shutil
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_wasp.localcloud.client import Cloud, wait_for
from tests.e2e.conftest import TINY, Served, start_serve, stop_serve

E2E = Path(__file__).resolve().parent
#: A generous deadline for a reload to show (it takes about the watcher's poll plus a cold start;
#: `make bench` measures it).
RELOAD_DEADLINE_SECONDS = 10


@contextlib.contextmanager
def serve_a_copy(root: Path, *options: str) -> Iterator[Served]:
    """tiny served at AWS's timing from a copy laid out like the original (programs/, functions/)."""
    shutil.copytree(TINY, root / "programs" / "tiny")
    shutil.copytree(
        E2E / "functions" / "probe", root / "functions" / "probe", ignore=shutil.ignore_patterns("__pycache__")
    )
    served = start_serve(root / "programs" / "tiny", root / "state", 1, *options)
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


@pytest.fixture(scope="module")
def editable(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    with serve_a_copy(tmp_path_factory.mktemp("editable")) as served:
        yield served


def edit_probe(served: Served) -> Path:
    """Make the copy's probe handler answer ``"version": 2``; returns the file edited."""
    handler = Path(served.program).parent.parent / "functions" / "probe" / "handler.py"
    handler.write_text(
        handler.read_text().replace('"calls": CALLS["count"],', '"calls": CALLS["count"], "version": 2,')
    )
    return handler


def single_attempt(cloud: Cloud) -> Any:
    """A Lambda client that does not retry a throttle itself (botocore's standard mode would)."""
    credentials = cloud.endpoints["credentials"]
    return boto3.client(
        "lambda",
        endpoint_url=cloud.endpoints["emulator_url"],
        region_name=cloud.endpoints["region"],
        aws_access_key_id=credentials["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=credentials["AWS_SECRET_ACCESS_KEY"],
        config=Config(account_id_endpoint_mode="disabled", retries={"mode": "standard", "total_max_attempts": 1}),
    )


def invoke(cloud: Cloud, function: str, event: dict) -> dict:
    response = cloud.client("lambda").invoke(FunctionName=function, Payload=json.dumps(event).encode())
    return json.loads(response["Payload"].read())


@pytest.mark.time_limit(60)
def test_an_edited_handler_answers_the_next_invocation_without_a_redeploy(editable: Served) -> None:
    cloud = Cloud(editable.endpoints)
    function = cloud.outputs["function_name"]
    assert "version" not in invoke(cloud, function, {})
    handler = edit_probe(editable)
    edited = time.monotonic()
    wait_for(
        "the edited handler to answer",
        lambda: invoke(cloud, function, {}).get("version") == 2 or None,
        timeout=RELOAD_DEADLINE_SECONDS,
        interval=0.05,
    )
    print(f"hot reload: the edit answered after {time.monotonic() - edited:.2f} s")
    log = (editable.state_dir / "logs" / f"{function}.log").read_text()
    assert f"RELOAD {handler} changed" in log


@pytest.mark.time_limit(60)
def test_with_no_reload_an_edit_waits_for_a_redeploy(tmp_path: Path) -> None:
    with serve_a_copy(tmp_path, "--no-reload") as served:
        cloud = Cloud(served.endpoints)
        function = cloud.outputs["function_name"]
        assert "version" not in invoke(cloud, function, {})
        edit_probe(served)
        deadline = time.monotonic() + 2  # several poll intervals of a watcher, had there been one
        while time.monotonic() < deadline:
            assert "version" not in invoke(cloud, function, {}), "the warm environment kept the code it started with"
            time.sleep(0.1)
        assert "RELOAD" not in (served.state_dir / "logs" / f"{function}.log").read_text()


@pytest.mark.time_limit(60)
def test_a_synchronous_invoke_over_the_reserved_concurrency_is_throttled_at_once(tiny: Served) -> None:
    cloud = Cloud(tiny.endpoints)
    function = cloud.outputs["function_name"]  # reserved concurrency 2
    log = Path(cloud.status()["functions"][function]["log"])
    started = log.read_text().count("START RequestId") if log.exists() else 0
    lambda_ = single_attempt(cloud)  # made before the clock starts: a new client loads its model
    sleep = {"action": "sleep", "seconds": 5}
    with ThreadPoolExecutor(2) as pool:
        busy = [pool.submit(invoke, cloud, function, sleep) for _ in range(2)]
        wait_for("both slots taken", lambda: log.exists() and log.read_text().count("START RequestId") >= started + 2)
        asked = time.monotonic()
        with pytest.raises(ClientError) as raised:
            lambda_.invoke(FunctionName=function, Payload=b"{}")
        answered = time.monotonic() - asked
        marker = f"async-{uuid.uuid4().hex}"
        cloud.client("lambda").invoke(
            FunctionName=function, InvocationType="Event", Payload=json.dumps({"action": marker})
        )
        for future in busy:
            future.result(timeout=30)
    error = raised.value.response
    assert error["ResponseMetadata"]["HTTPStatusCode"] == 429 and answered < 1
    assert error["Error"]["Code"] == "TooManyRequestsException"
    assert error["Reason"] == "ReservedFunctionConcurrentInvocationLimitExceeded"
    wait_for("the throttled asynchronous event to run", lambda: f"probe handled {marker}" in log.read_text() or None)


@pytest.fixture(scope="module")
def timing(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    served = start_serve(E2E / "programs" / "timing", tmp_path_factory.mktemp("timing"), speed=60)
    try:
        yield served
    finally:
        left = stop_serve(served)
        assert not left, f"serve left processes behind: {sorted(left)}"


@pytest.mark.time_limit(90)
def test_at_60x_a_consumer_using_80_percent_of_its_timeout_is_neither_timed_out_nor_given_up(timing: Served) -> None:
    cloud = Cloud(timing.endpoints)
    work = 0.8 * 5  # the consumers' timeout is 5 s
    stream, queue = cloud.client("kinesis"), cloud.client("sqs")
    for n in range(2):  # the second record waits for the first: 4 s of wall time, 4 min of local time
        stream.put_record(
            StreamName=cloud.outputs["stream_name"], Data=json.dumps({"sleep": work, "n": n}), PartitionKey="k"
        )
    queue.send_message(QueueUrl=cloud.outputs["queue_url"], MessageBody=json.dumps({"sleep": work, "n": "queued"}))
    functions = cloud.status()["functions"]
    logs = {name: Path(f["log"]) for name, f in functions.items()}

    def processed() -> list[object] | None:
        lines = [line for log in logs.values() if log.exists() for line in log.read_text().splitlines()]
        done = [
            json.loads(line.split(" ", 1)[1].split(" with ")[0])["n"] for line in lines if line.startswith("processed ")
        ]
        return done if len(done) >= 3 else None

    wait_for("every record processed", processed, timeout=40)
    time.sleep(2)  # a redelivery of the queued message (were its visibility scaled) would show by now
    assert sorted(map(str, processed() or [])) == ["0", "1", "queued"], "each record processed once"
    text = "".join(log.read_text() for log in logs.values() if log.exists())
    assert "Task timed out" not in text
    assert cloud.peek(cloud.outputs["stream_on_failure_url"]) == []
    assert cloud.peek(cloud.outputs["queue_dlq_url"]) == []
    assert all(f["timeouts"] == 0 and f["errors"] == 0 for f in cloud.status()["functions"].values())
