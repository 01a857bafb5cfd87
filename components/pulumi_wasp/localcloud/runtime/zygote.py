"""The zygote: a process that imports the runtime's libraries once, then forks one execution
environment per request.

Why: a fresh interpreter spends most of a cold start importing boto3, Powertools and the
X-Ray SDK; a fork of a process that already did starts in a few milliseconds, and each fork
still imports the function's own modules from its own code folders (one process per
environment, so module-level state and same-named packages stay apart).

Run as ``python -m localcloud.runtime.zygote <control fd>``; every request on the control
socket (SOCK_SEQPACKET) is a JSON :class:`~localcloud.runtime.worker.WorkerSpec`, every
answer is ``{"pid": ...}`` with the new environment's socket attached (SCM_RIGHTS).
"""

from __future__ import annotations

import contextlib
import ctypes
import importlib
import json
import os
import signal
import socket
import sys

from pulumi_wasp.localcloud.runtime import worker

#: Imported before forking: what handlers of the reference system import at INIT.
PRELOAD = (
    "boto3",
    "botocore.session",
    "aws_xray_sdk.core",
    "aws_lambda_powertools",
    "aws_lambda_powertools.utilities.batch",
    "aws_lambda_powertools.utilities.data_classes",
    "aws_lambda_powertools.utilities.idempotency",
    "aws_lambda_powertools.utilities.parameters",
    "aws_lambda_powertools.utilities.parser",
    "aws_lambda_powertools.event_handler",
)
#: Services whose SDK models are loaded before forking (what the handlers call).
SDK_SERVICES = ("dynamodb", "sqs", "s3", "events", "secretsmanager", "sns", "kinesis", "stepfunctions", "lambda")
_PR_SET_PDEATHSIG = 1
MAX_MESSAGE = 1 << 20


def die_with_parent(sig: signal.Signals = signal.SIGKILL) -> None:
    """Ask Linux to send ``sig`` when the parent exits, so nothing outlives the local cloud."""
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, int(sig))


def _warm_sdk() -> None:
    """A default boto3 session whose loader already parsed the service models: a function's
    first client then costs milliseconds, not the ~80 ms of reading a model from disk. Only
    data is shared: credentials, region and endpoint are resolved from each environment's own
    variables when its clients are created (the zygote's config files are /dev/null)."""
    import boto3
    import botocore.session

    core = botocore.session.get_session()
    for service in SDK_SERVICES:
        core.create_client(
            service,
            region_name="us-east-1",
            endpoint_url="http://127.0.0.1:9",
            aws_access_key_id="-",
            aws_secret_access_key="-",  # noqa: S106 - a throwaway client, never used
        )
    boto3.setup_default_session(botocore_session=core)


def _fork(spec: worker.WorkerSpec, control: socket.socket) -> tuple[int, socket.socket]:
    parent_end, child_end = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
    zygote = os.getpid()
    pid = os.fork()
    if pid == 0:  # the execution environment
        code = 0
        try:
            control.close()
            parent_end.close()
            signal.signal(signal.SIGCHLD, signal.SIG_DFL)
            die_with_parent()
            if os.getppid() != zygote:  # the zygote died before prctl took effect
                os._exit(1)
            worker.serve(child_end, spec)
        except BaseException:  # whatever happens, a fork must never return into the zygote's loop
            code = 1
        finally:
            os._exit(code)
    child_end.close()
    return pid, parent_end


def main(control_fd: int) -> None:
    die_with_parent(signal.SIGTERM)
    # Forked environments are reaped by the kernel; the runtime sees their exit as a closed socket.
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for module in PRELOAD:
        with contextlib.suppress(ImportError):
            importlib.import_module(module)
    _warm_sdk()
    control = socket.socket(fileno=control_fd)
    while True:
        data = control.recv(MAX_MESSAGE)
        if not data:
            # The runtime went away: exit now, skipping the interpreter's slow teardown of
            # everything preloaded (its environments are gone already).
            os._exit(0)
        spec = worker.WorkerSpec(**json.loads(data))
        pid, channel = _fork(spec, control)
        socket.send_fds(control, [json.dumps({"pid": pid}).encode()], [channel.fileno()])
        channel.close()


if __name__ == "__main__":
    main(int(sys.argv[1]))
