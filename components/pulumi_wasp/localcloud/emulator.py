"""The emulator: moto's server on 127.0.0.1 at a free port, in this process.

In-process on purpose: the patches of :mod:`pulumi_wasp.adapters.moto` must run inside the server
to route moto's Lambda and EventBridge deliveries to the local runtime and to keep DynamoDB's
concurrent writes isolated.
"""

from __future__ import annotations

import json
import logging
import os
import threading
import urllib.request
from functools import cache
from pathlib import Path
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from pulumi_wasp.adapters.moto import (
    KMS_DENIAL_CODES,
    MotoIamState,
    ThreadedMotoServer,
    install_dynamodb_isolation,
    install_execution_names,
    install_fast_paths,
    install_iam,
    uninstall_iam,
)
from pulumi_wasp.localcloud.iam import Authorizer, Credentials
from pulumi_wasp.localcloud.iam.requests import MAPPING_READS
from pulumi_wasp.localcloud.runtime.threads import call_within

REGION = "us-east-1"
ACCOUNT_ID = "123456789012"  # moto's default account, the one every ARN it returns carries
#: Fake credentials: moto accepts any, and nothing can reach a real account with these.
CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "localcloud",
    "AWS_SECRET_ACCESS_KEY": "localcloud",
    "AWS_SESSION_TOKEN": "localcloud",
}
#: The call a delivery to a target of this service makes (named in a denied delivery's error).
TARGET_OPERATIONS = {"lambda": "Invoke", "states": "StartExecution", "sns": "Publish", "sqs": "SendMessage"}
#: Lambda's answer (HTTP 502) to an invocation of a function whose environment variables it cannot decrypt, by the
#: state of the key ("Invoke", Errors: https://docs.aws.amazon.com/lambda/latest/api/API_Invoke.html); the denied
#: message is the one Lambda returns, KMS's own message after it.
ENVIRONMENT_KEY_ERRORS = {
    "denied": (
        "KMSAccessDeniedException",
        "Lambda was unable to decrypt the environment variables because KMS access was denied. Please check the "
        "function's KMS key settings. KMS Exception: AccessDeniedExceptionKMS Message: ",
    ),
    "missing": (
        "KMSNotFoundException",
        "Lambda couldn't decrypt the environment variables because the KMS key was not found. Check the function's "
        "KMS key settings.",
    ),
    "disabled": (
        "KMSDisabledException",
        "Lambda couldn't decrypt the environment variables because the KMS key used is disabled. Check the Lambda "
        "function's KMS key settings.",
    ),
    "invalid state": (
        "KMSInvalidStateException",
        "Lambda couldn't decrypt the environment variables because the state of the KMS key used is not valid for "
        "Decrypt. Check the function's KMS key settings.",
    ),
}
#: Behaviour moto only enables on request: Step Functions executes ASL instead of echoing.
MOTO_CONFIG = {"stepfunctions": {"execute_state_machine": True}}

# botocore 1.44 routes DynamoDB to account-based endpoints (<account>.ddb...), which an
# endpoint override keeps, but the streams client then fails; disabled restores the plain one.
_CLIENT_CONFIG = Config(
    retries={"mode": "standard", "max_attempts": 3},
    max_pool_connections=32,
    account_id_endpoint_mode="disabled",
    connect_timeout=5,
    read_timeout=70,  # above SQS's 20 s long polls and the longest function timeout we wait for
)


class Emulator:
    """A started moto server; :meth:`client` gives boto3 clients pointed at it."""

    def __init__(self, region: str = REGION, log_file: Path | None = None, iam: bool = True) -> None:
        """``iam``: enforce IAM (the default, as AWS does; localcloud/README.md "IAM"): requests signed with
        a role's credentials (:meth:`role_credentials`) are authorized against its policies."""
        self.region = region
        self.account_id = ACCOUNT_ID
        self._log_file = log_file
        self._server: ThreadedMotoServer | None = None
        self.url = ""
        self.iam = Authorizer(Credentials(ACCOUNT_ID), MotoIamState(ACCOUNT_ID)) if iam else None
        self._environ_before: dict[str, str | None] = {}

    def start(self) -> Emulator:
        _route_request_log(self._log_file)
        install_dynamodb_isolation()
        install_fast_paths()
        install_execution_names()
        if self.iam is not None:
            _route_denials(self._log_file)
            install_iam(self.iam)
        # Port 0: the OS picks a free port and the bound socket keeps it (no probe-then-bind race).
        self._server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
        self._server.start()
        host, port = self._server.get_host_and_port()
        self.url = f"http://{host}:{port}"
        # Step Functions' interpreter calls Lambda back through http://localhost:$MOTO_PORT.
        # AWS-managed IAM policies exist to attach (0.4 s of parsing at the first IAM call); the
        # config endpoint does not take this setting, the IAM backend reads it when created.
        # Both are process-wide: stop() puts back what was there, so an embedding process's own moto
        # (a test's mock_aws) does not parse every managed policy for each new account backend.
        self._set_environ({"MOTO_PORT": str(port), "MOTO_IAM_LOAD_MANAGED_POLICIES": "true"})
        request = urllib.request.Request(  # noqa: S310 - a loopback URL we just bound
            f"{self.url}/moto-api/config",
            data=json.dumps(MOTO_CONFIG).encode(),
            method="POST",
            headers={"Content-Type": "application/json"},
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            response.read()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Stop serving (the serving loop polls every 0.5 s; requests in flight are daemon threads
        and are not waited for)."""
        if self._server is not None:
            call_within(self._server.stop, timeout, "emulator shutdown")
            self._server = None
        for name, value in self._environ_before.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        self._environ_before = {}
        if self.iam is not None:
            uninstall_iam()
            mean = self.iam.seconds / self.iam.decisions * 1e6 if self.iam.decisions else 0.0
            logging.getLogger("localcloud.iam").info(
                "%d decisions (mean %.0f µs each), %d denied", self.iam.decisions, mean, self.iam.denied
            )

    def _set_environ(self, values: dict[str, str]) -> None:
        for name, value in values.items():
            self._environ_before.setdefault(name, os.environ.get(name))
            os.environ[name] = value

    def __enter__(self) -> Emulator:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def client(self, service: str) -> Any:
        """A boto3 client for ``service`` on the emulator (thread-safe, cached per service)."""
        return _client(self.url, self.region, service)

    def environment(self) -> dict[str, str]:
        """What a process needs for its boto3 clients to reach the emulator and nothing else."""
        return {
            **CREDENTIALS,
            "AWS_ENDPOINT_URL": self.url,
            "AWS_REGION": self.region,
            "AWS_DEFAULT_REGION": self.region,
            "AWS_ACCOUNT_ID_ENDPOINT_MODE": "disabled",
            # No shared config or credentials file of the user's may leak in.
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }

    def function_credentials(self, function_arn: str, session_name: str) -> dict[str, str]:
        """The credential variables Lambda gives the function's execution environments: a session of its
        execution role (read from the emulator) named ``session_name``; none when IAM is not enforced
        (the administrator's of :meth:`environment` stay)."""
        if self.iam is None:
            return {}
        role = MotoIamState(self.account_id).function_role(function_arn)
        return self.iam.credentials.issue(role, session_name)

    def authorize_delivery(self, source_arn: str, target: dict[str, Any]) -> None:
        """Raise AccessDeniedException (a ClientError, as the service's own call would) when IAM does not
        let the rule or schedule ``source_arn`` deliver to ``target``; nothing when IAM is not enforced."""
        if self.iam is None:
            return
        denial = self.iam.check_target(source_arn, target, self.region)
        if denial is not None:
            error = {"Error": {"Code": "AccessDeniedException", "Message": denial.message}}
            raise ClientError(error, TARGET_OPERATIONS.get(str(target["Arn"]).split(":")[2], "Deliver"))

    def authorize_mapping_read(self, function_arn: str, source_arn: str) -> None:
        """Raise the service's KMS denial (a ClientError) when the function's role may not decrypt what its event
        source mapping reads from ``source_arn`` under a customer-managed key; nothing when IAM is not enforced."""
        if self.iam is None:
            return
        denial = self.iam.check_mapping_read(function_arn, source_arn, self.region)
        if denial is not None:
            service = source_arn.split(":")[2]
            code, _ = KMS_DENIAL_CODES[service]
            raise ClientError({"Error": {"Code": code, "Message": denial.message}}, MAPPING_READS[service])

    def environment_key_error(self, function_arn: str, key: str) -> tuple[str, str] | None:
        """Lambda's error (type, message) for an invocation of the function whose environment variables are under
        the customer-managed ``key`` when it cannot decrypt them (:data:`ENVIRONMENT_KEY_ERRORS`): the key is
        missing, not enabled, or its use denied to the execution role; None when it can, or IAM is not enforced."""
        if self.iam is None:
            return None
        state = MotoIamState(self.account_id)
        key_arn = state.key_arn(function_arn.split(":")[3], key)
        key_state = state.key_state(key_arn) if key_arn else None
        if key_arn is None or key_state is None:
            return ENVIRONMENT_KEY_ERRORS["missing"]
        if key_state == "Disabled":
            return ENVIRONMENT_KEY_ERRORS["disabled"]
        if key_state != "Enabled":  # PendingDeletion, PendingImport, Unavailable...
            return ENVIRONMENT_KEY_ERRORS["invalid state"]
        denial = self.iam.check_environment_key(function_arn, key_arn, self.region)
        if denial is None:
            return None
        error_type, message = ENVIRONMENT_KEY_ERRORS["denied"]
        return error_type, message + denial.message

    def authorize_log_group_key(self, log_group_name: str, key: str) -> None:
        """Raise CloudWatch Logs' AccessDeniedException (a ClientError, as CreateLogGroup answers) when the key
        is not in the emulator or its policy does not let CloudWatch Logs use it for the log group; nothing when
        IAM is not enforced. AWS's message names the log group only (CreateLogGroup in
        https://github.com/hashicorp/terraform-provider-aws/issues/29282, AssociateKmsKey in
        https://github.com/ministryofjustice/modernisation-platform/issues/7870); the local cloud's reason (naming
        the key) follows it."""
        if self.iam is None:
            return
        arn = f"arn:aws:logs:{self.region}:{self.account_id}:log-group:{log_group_name}"
        state = MotoIamState(self.account_id)
        key_arn = state.key_arn(self.region, key)
        key_state = state.key_state(key_arn) if key_arn else None
        if key_arn is None or key_state is None:
            reason: str | None = f"the key {key} is not in the emulator"
        elif key_state != "Enabled":  # a disabled key, or one pending deletion, encrypts nothing
            reason = f"the key {key_arn} is {key_state}"
        else:
            reason = getattr(self.iam.check_log_group_key(arn, key_arn, self.region), "message", None)
        if reason is not None:
            message = f"The specified KMS key does not exist or is not allowed to be used with Arn '{arn}' ({reason})"
            raise ClientError({"Error": {"Code": "AccessDeniedException", "Message": message}}, "CreateLogGroup")


_CLIENTS_LOCK = threading.Lock()


@cache
def _client(url: str, region: str, service: str) -> Any:
    with _CLIENTS_LOCK:  # creating clients is not thread-safe; using them is
        return _session(region).client(service, endpoint_url=url, config=_CLIENT_CONFIG)  # type: ignore[call-overload]


@cache
def _session(region: str) -> boto3.session.Session:
    # One session for every client: its loader reads botocore's model index once.
    return boto3.session.Session(
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=CREDENTIALS["AWS_SESSION_TOKEN"],
        region_name=region,
    )


def _route_denials(log_file: Path | None) -> None:
    """Every IAM denial, one line each, to ``iam.log`` beside the emulator's log."""
    _route("localcloud.iam", log_file.with_name("iam.log") if log_file else None, "%(asctime)s %(message)s")


def _route_request_log(log_file: Path | None) -> None:
    """The server's request log and moto's own messages (e.g. a failed execution's trace) go to
    a file, or nowhere, never over the user's terminal."""
    for name in ("werkzeug", "moto"):
        _route(name, log_file)


def _route(name: str, log_file: Path | None, format: str | None = None) -> None:
    logger = logging.getLogger(name)
    logger.propagate = False
    for handler in list(logger.handlers):
        logger.removeHandler(handler)
        handler.close()
    if log_file is None:
        logger.addHandler(logging.NullHandler())
        return
    log_file.parent.mkdir(parents=True, exist_ok=True)
    handler = logging.FileHandler(log_file)
    if format is not None:
        handler.setFormatter(logging.Formatter(format))
    logger.addHandler(handler)
    logger.setLevel(logging.INFO)
