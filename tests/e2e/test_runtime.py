"""The Lambda runtime's semantics, on small functions (tests/e2e/functions) in real execution
environments forked from the zygote: no emulator needed."""

from __future__ import annotations

import os
import re
import shutil
import signal
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from pulumi_wasp.localcloud.deploy.registry import FunctionSpec
from pulumi_wasp.localcloud.runtime.functions import Function, Zygote
from pulumi_wasp.localcloud.runtime.reload import CodeWatcher
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
        folder: str,
        handler: str,
        timeout: int = 3,
        concurrency: int | None = None,
        code: dict[str, Path] | None = None,
        **environment: str,
    ) -> Function:
        spec = FunctionSpec(
            name=f"{folder}-fn",
            arn=f"arn:aws:lambda:us-east-1:123456789012:function:{folder}-fn",
            handler=handler,
            code=code or archive(folder),
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


def wait_for_start(function: Function) -> None:
    """Until the function's invocation in flight has started (its START line is in the log)."""
    deadline = time.monotonic() + 10
    while "START RequestId" not in (function.log_path.read_text() if function.log_path.exists() else ""):
        assert time.monotonic() < deadline, "the invocation never started"
        time.sleep(0.02)


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
        wait_for_start(probe)
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


def wait_until_gone(pid: int) -> None:
    deadline = time.monotonic() + 5
    while alive(pid):
        assert time.monotonic() < deadline, f"process {pid} did not exit"
        time.sleep(0.02)


def test_an_environment_that_died_while_idle_is_replaced_unseen(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler")
    first = probe.invoke({})
    os.kill(first.result["pid"], signal.SIGKILL)
    wait_until_gone(first.result["pid"])
    second = probe.invoke({})
    assert not second.failed, second.payload
    assert second.result["pid"] != first.result["pid"] and second.init_ms is not None
    stats = probe.stats
    assert (stats.invocations, stats.errors, stats.cold_starts, stats.replaced) == (2, 0, 2, 1)
    assert stats.environments == 1
    assert "had exited while idle: replaced" in probe.log_path.read_text()


@pytest.mark.time_limit(20)
def test_an_invoke_over_the_concurrency_is_throttled_at_once_with_lambdas_reason(make_function: MakeFunction) -> None:
    probe = make_function("probe", "probe.handler.handler", concurrency=1)
    with ThreadPoolExecutor(1) as pool:
        busy = pool.submit(probe.invoke, {"action": "sleep", "seconds": 2})
        deadline = time.monotonic() + 10
        while probe.stats.environments == 0:  # the sleeping invocation holds the one slot
            assert time.monotonic() < deadline
            time.sleep(0.02)
        asked = time.monotonic()
        throttled = probe.invoke({})
        answered = time.monotonic() - asked
        assert not busy.result(timeout=10).failed
    assert throttled.status == 429 and answered < 0.5
    assert throttled.error == {
        "errorType": "TooManyRequestsException",
        "errorMessage": "Rate Exceeded.",
        "Reason": "ReservedFunctionConcurrentInvocationLimitExceeded",
        "Type": "User",
    }


# -- hot reload: each test edits its own copy of a function's folders -------------------------


def copied(tmp_path: Path, *folders: str) -> Path:
    """A copy of tests/e2e/functions/<folder> for each folder, to edit (never the committed ones)."""
    root = tmp_path / "code"
    for folder in folders:
        shutil.copytree(FUNCTIONS / folder, root / folder, ignore=shutil.ignore_patterns("__pycache__"))
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new))


@pytest.fixture
def watched_probe(make_function: MakeFunction, tmp_path: Path) -> tuple[Function, Path, CodeWatcher]:
    """The probe function run from an editable copy, its handler file, and a watcher of its folders."""
    code = copied(tmp_path, "probe")
    probe = make_function("probe", "probe.handler.handler", code={"probe": code / "probe"})
    return probe, code / "probe" / "handler.py", CodeWatcher([probe])


def test_a_code_change_reaches_the_next_invocation_in_a_new_environment(
    watched_probe: tuple[Function, Path, CodeWatcher],
) -> None:
    probe, handler, watcher = watched_probe
    before = probe.invoke({"action": "echo"})
    edit(handler, 'print(f"probe handled {action}")', 'print("reloaded"); action = "new"')
    [(function, path, how)] = watcher.scan()
    after = probe.invoke({"action": "echo"})
    assert (function, path, how) == (probe, handler, "changed")
    assert after.result["event"] == {"action": "echo"} and "reloaded" in probe.log_path.read_text()
    assert after.result["pid"] != before.result["pid"] and after.init_ms is not None
    assert (probe.stats.reloads, probe.stats.cold_starts, probe.stats.environments) == (1, 2, 1)
    assert f"RELOAD {handler} changed" in probe.log_path.read_text()
    assert watcher.scan() == [], "an unchanged folder reloads nothing"


@pytest.mark.time_limit(20)
def test_an_invocation_in_flight_finishes_on_the_old_code_and_its_environment_is_not_kept(
    watched_probe: tuple[Function, Path, CodeWatcher],
) -> None:
    probe, handler, watcher = watched_probe
    with ThreadPoolExecutor(1) as pool:
        running = pool.submit(probe.invoke, {"action": "sleep", "seconds": 1})
        wait_for_start(probe)
        edit(handler, '"calls": CALLS["count"],', '"calls": CALLS["count"], "version": 2,')
        assert len(watcher.scan()) == 1
        old = running.result(timeout=10)
    new = probe.invoke({})
    assert not old.failed and "version" not in old.result
    assert new.result["version"] == 2 and new.result["pid"] != old.result["pid"]
    assert probe.stats.environments == 1, "the environment of the old code ended after its invocation"


def test_a_shared_module_change_reloads_every_function_packaging_it(
    make_function: MakeFunction, tmp_path: Path
) -> None:
    code = copied(tmp_path, "twin_a", "probe")
    shared = code / "twin_a" / "shared"
    twin = make_function("twin_a", "twin.handler.handler", code={"shared": shared, "twin": code / "twin_a" / "twin"})
    probe = make_function("probe", "probe.handler.handler", code={"shared": shared, "probe": code / "probe"})
    alone = make_function("probe_alone", "probe.handler.handler", code={"probe": code / "probe"})
    watcher = CodeWatcher([twin, probe, alone])
    assert twin.invoke({}).result == {"shared": "twin_a"}
    edit(shared / "__init__.py", 'NAME = "twin_a"', 'NAME = "edited"')
    reloaded = {function.spec.name for function, _, _ in watcher.scan()}
    assert reloaded == {twin.spec.name, probe.spec.name}
    assert twin.invoke({}).result == {"shared": "edited"}


def test_a_syntax_error_is_lambdas_init_error_and_fixing_the_file_recovers(
    watched_probe: tuple[Function, Path, CodeWatcher],
) -> None:
    probe, handler, watcher = watched_probe
    good = handler.read_text()
    assert not probe.invoke({}).failed
    handler.write_text(good.replace("def handler(event, context):", "def handler(event, context)"))
    watcher.scan()
    broken = probe.invoke({})
    assert broken.function_error == "Unhandled"
    assert broken.error["errorType"] == "Runtime.UserCodeSyntaxError"
    assert broken.error["errorMessage"].startswith("Syntax error in module 'probe.handler': ")
    [frame] = broken.error["stackTrace"]  # the file as the task root holds it, as /var/task on AWS
    assert frame.endswith('/probe/handler.py" Line 11\n    def handler(event, context)')
    handler.write_text(good)
    watcher.scan()
    assert not probe.invoke({}).failed
