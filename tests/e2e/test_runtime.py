"""The Lambda runtime's semantics, on small functions (tests/e2e/functions) in real execution
environments forked from the zygote: no emulator needed."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pulumi_wasp.localcloud.deploy.registry import FunctionSpec
from pulumi_wasp.localcloud.runtime.functions import Function, Zygote
from tests.e2e.conftest import alive

FUNCTIONS = Path(__file__).resolve().parent / "functions"
EMULATOR = {"AWS_ENDPOINT_URL": "http://127.0.0.1:9", "AWS_REGION": "us-east-1"}


@pytest.fixture(scope="module")
def zygote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Zygote]:
    state = tmp_path_factory.mktemp("runtime")
    (state / "logs").mkdir()
    zygote = Zygote(state / "logs" / "runtime.log")
    zygote.start()
    yield zygote
    zygote.stop()


MakeFunction = Callable[..., Function]


def archive(folder: str) -> dict[str, Path]:
    """A function folder as its archive lays it out: packages at the root, or the folder itself."""
    root = FUNCTIONS / folder
    packages = [p for p in root.iterdir() if p.is_dir() and p.name != "__pycache__"]
    return {p.name: p for p in packages} if (root / "shared").is_dir() else {folder: root}


@pytest.fixture
def make_function(zygote: Zygote, tmp_path: Path) -> Iterator[MakeFunction]:
    made: list[Function] = []
    (tmp_path / "logs").mkdir()

    def make(
        folder: str, handler: str, timeout: int = 3, concurrency: int | None = None, **environment: str
    ) -> Function:
        spec = FunctionSpec(
            name=f"{folder}-fn",
            arn=f"arn:aws:lambda:us-east-1:123456789012:function:{folder}-fn",
            handler=handler,
            code=archive(folder),
            environment=environment,
            timeout_seconds=timeout,
            memory_mb=128,
            reserved_concurrency=concurrency,
            log_group=f"/aws/lambda/{folder}-fn",
            logical_name=folder,
        )
        made.append(Function(spec, zygote, tmp_path, EMULATOR))
        return made[-1]

    yield make
    for function in made:
        function.close()


def test_a_warm_environment_is_reused_and_only_the_cold_start_reports_init(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler")
    first, second = probe.invoke({"n": 1}), probe.invoke({"n": 2})
    assert first.init_ms is not None and first.init_ms > 0 and second.init_ms is None
    assert first.result["pid"] == second.result["pid"] and second.result["calls"] == 2
    assert probe.stats.cold_starts == 1 and probe.stats.invocations == 2


def test_the_handler_sees_its_own_environment_and_the_emulator(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler", GREETING="hi")
    env = probe.invoke({}).result["env"]
    assert env == {
        "GREETING": "hi",
        "AWS_ENDPOINT_URL": "http://127.0.0.1:9",
        "POWERTOOLS_TRACE_DISABLED": "true",
        "AWS_LAMBDA_FUNCTION_NAME": "probe-fn",
    }


def test_a_raised_exception_comes_back_in_lambdas_error_shape(make_function: MakeFunction) -> None:
    failed = make_function("probe", "probe.handler.handler").invoke({"action": "fail", "message": "no stock"})
    assert failed.function_error == "Unhandled"
    error = failed.error
    assert (error["errorType"], error["errorMessage"]) == ("ValueError", "no stock")
    assert "in handler" in error["stackTrace"][-1] and "localcloud" not in "".join(error["stackTrace"])


def test_an_import_failure_is_an_init_error_and_the_next_call_starts_cold_again(make_function: MakeFunction) -> None:
    broken = make_function("broken", "broken.handler.handler")
    for _ in range(2):
        failed = broken.invoke({})
        assert failed.error["errorType"] == "ConfigurationError"
        assert "REQUIRED_SETTING" in failed.error["errorMessage"]
    assert broken.stats.cold_starts == 0 and broken.stats.errors == 2


@pytest.mark.time_limit(20)
def test_the_timeout_is_enforced_and_the_environment_replaced(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler", timeout=1)
    before = probe.invoke({}).result["pid"]
    started = time.monotonic()
    timed_out = probe.invoke({"action": "sleep", "seconds": 5})
    assert time.monotonic() - started < 2.5
    assert timed_out.error["errorType"] == "Sandbox.Timedout" and "1.00 seconds" in timed_out.error["errorMessage"]
    assert probe.invoke({}).result["pid"] != before


def test_an_exiting_handler_is_a_runtime_exit_error(make_function: MakeFunction) -> None:
    exited = make_function("probe", "probe.handler.handler").invoke({"action": "exit"})
    assert exited.error["errorType"] == "Runtime.ExitError"


@pytest.mark.time_limit(20)
def test_reserved_concurrency_caps_environments_and_throttles_the_rest(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler", concurrency=2)
    sleep = {"action": "sleep", "seconds": 0.5}
    with ThreadPoolExecutor(4) as pool:
        statuses = sorted(r.status for r in pool.map(lambda _: probe.invoke(sleep), range(4)))
    assert statuses == [200, 200, 429, 429]
    with ThreadPoolExecutor(4) as pool:
        waited = list(pool.map(lambda _: probe.invoke(sleep, wait_for_slot=5), range(4)))
    assert all(r.status == 200 for r in waited)
    assert probe.stats.peak_concurrency == 2 and probe.stats.throttles == 2


@pytest.mark.time_limit(20)
def test_closing_ends_the_invocation_in_flight_and_the_one_waiting_for_a_slot_at_once(
    make_function: MakeFunction, zygote: Zygote
) -> None:
    probe = make_function("probe", "probe.handler.handler", timeout=60, concurrency=1)
    before = set(zygote.pids)
    with ThreadPoolExecutor(2) as pool:
        running = pool.submit(probe.invoke, {"action": "sleep", "seconds": 50})
        deadline = time.monotonic() + 10
        while "START RequestId" not in (probe.log_path.read_text() if probe.log_path.exists() else ""):
            assert time.monotonic() < deadline, "the sleeping invocation never started"
            time.sleep(0.05)
        [environment] = set(zygote.pids) - before
        waiting = pool.submit(probe.invoke, {}, wait_for_slot=60)
        time.sleep(0.2)
        closed_at = time.monotonic()
        probe.close()
        ended = [running.result(timeout=5), waiting.result(timeout=5)]
    assert time.monotonic() - closed_at < 2
    for invocation in ended:
        assert invocation.aborted and invocation.status == 500
        assert invocation.error["errorType"] == "ServiceException"
    assert environment not in zygote.pids
    deadline = time.monotonic() + 2
    while alive(environment):
        assert time.monotonic() < deadline, f"the environment {environment} outlived close()"
        time.sleep(0.05)
    assert probe.invoke({}).aborted, "a closed function runs nothing more"
    assert (probe.stats.errors, probe.stats.timeouts, probe.stats.environments) == (0, 0, 0)


def test_functions_with_same_named_packages_each_import_their_own(make_function: MakeFunction) -> None:
    a = make_function("twin_a", "twin.handler.handler")
    b = make_function("twin_b", "twin.handler.handler")
    assert (a.invoke({}).result, b.invoke({}).result) == ({"shared": "twin_a"}, {"shared": "twin_b"})


def test_each_function_logs_to_its_own_file_in_lambdas_format(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler")
    request_id = probe.invoke({}).request_id
    log = probe.log_path.read_text()
    assert f"START RequestId: {request_id} Version: $LATEST" in log
    assert "probe handled echo" in log
    assert re.search(rf"REPORT RequestId: {request_id}\tDuration: [\d.]+ ms\t.*Init Duration: [\d.]+ ms", log)
