"""Every private internal of moto the project relies on, and every change it makes to moto, in one
place. moto is pinned; tests/unit/adapters/test_moto.py pins each helper and tests/e2e/test_patches.py
each patch, so an upgrade that moves these internals fails there first.

Patches:

1. Lambda invocations (:func:`install_runtime_hooks`) run on the local runtime, which resolves what the caller named
   and decides the version that runs (an alias's AdditionalVersionWeights included: one decision for every path):
   moto would serve an alias's own version whatever its routing, answer ``$LATEST`` as every ExecutedVersion, and
   run nothing. ``LambdaBackend.invoke`` (the Invoke API; Step Functions' Lambda tasks call it) hands over
   FunctionName and Qualifier as the caller gave them (``LambdaResponse.invoke`` reads the request's Qualifier: moto
   read a ``qualifier`` botocore never sends, then the payload's own "qualifier" key): synchronous invocations run
   at once, ``Event`` ones and moto's internal callers (which pass no request headers; AWS's services invoke
   asynchronously) go to the runtime's asynchronous queue (retries, on-failure destination), ``DryRun`` ones are
   checked and run nothing, and what the runtime refuses (an unknown function, version or alias, a malformed name)
   is answered as Lambda's error. ``LambdaFunction.invoke`` is where moto's own deliveries end (SNS, S3,
   InvokeAsync): they are queued asynchronously too, under the ARN they named: moto resolves an alias to its version
   object before invoking, so ``LambdaBackend.send_sns_message`` and S3's ``_invoke_awslambda`` note the
   subscription's or notification's ARN for it (an alias's weights then apply to them as to any invocation). A
   synchronous answer keeps Lambda's error shape: 429 ``TooManyRequestsException`` (:class:`ThrottledError`), 502
   ``KMS…Exception`` when Lambda cannot decrypt the environment variables (:class:`EnvironmentKeyError`, pinned by
   tests/e2e/test_kms_functions.py), 500 ``ServiceException``.
2. ``Rule.send_to_targets`` (:func:`install_runtime_hooks`): moto delivers to SQS, log groups,
   archives and buses itself but raises NotImplementedError for Lambda, Step Functions and SNS
   targets; those are handed to the runtime (with the target's retry policy and DLQ), the rest
   stay with moto.
3. DynamoDB isolation (:func:`install_dynamodb_isolation`): moto's threaded server runs requests
   concurrently on one unlocked backend, so a conditional write's check and its write interleave
   with other writers, and TransactWriteItems copied every table it touched and put the copy back
   when cancelled, erasing the writes other threads made meanwhile (and costing time in proportion
   to the table's size). Each request now holds its backend's lock, and a transaction checks every
   condition before it applies anything, then undoes only its own changes if applying fails.
   Holding the lock never waits on another request: moto's only call-out from a DynamoDB write (its own
   stream event source mappings, which the local cloud does not create) reaches the runtime hooks, which
   queue the invocation.
4. Fast paths, the same answers for less CPU (:func:`install_fast_paths`). Step Functions created a
   boto3 client for every task it ran (about 10 ms of CPU each, most of a Lambda task's cost) and parsed
   the state machine's definition again for every execution (its ANTLR parser: about 40 ms for the
   order saga); the jsonpath parser (of EventBridge input transformers and Step Functions paths) built
   its grammar tables for every path it parsed. Clients are kept per endpoint and credentials, parsed
   definitions and paths per text: what moto builds from them is never mutated, and executions keep
   their state in their own environments. A DynamoDB Query of a table's partition read every item of
   the table (its cost grew with the data); it now reads the partition's items. A Query of a global
   secondary index read (and sorted) every item of the table too: it now reads the items holding the
   condition's hash key value, from an index of the table's items by that attribute, built at the first
   such Query and kept current by every write (Table.put_item and delete_item, the backend's in-place
   update_item, a cancelled transaction's undo). Every request listed its response class's methods
   (inspect.getmembers, about 2 % of the emulator's CPU) to find its action: they are listed once per
   class. The server found each request's service by trying some 300 URL patterns on its host name,
   under the lock every request takes (about 0.5 ms each); the answer per host name is kept.
5. IAM (:func:`install_iam`, tested end to end in tests/e2e/test_iam.py): moto's
   ``_authenticate_and_authorize_action``, the one point every service's request passes with its action
   known (S3's with its bucket/object ARN), asks the local cloud's :class:`Gate` instead of moto's own access
   control; SNS subscriptions, EventBridge's SQS targets and S3 notifications ask it before delivering to a
   queue, topic or function (a denied delivery is dropped, as AWS drops it); Step Functions' task clients sign
   as the state machine role. :class:`MotoIamState` reads roles' and resources' policies from the backends, and
   the customer-managed key of a queue, topic, stream, table, state machine, bucket or object (``encryption_key``) and a
   state machine's role; a denied key use answers in the service's KMS error (:data:`KMS_DENIAL_CODES`).
6. Step Functions execution names (:func:`install_execution_names`): AWS starts at most one execution of a name
   per state machine (the same running one for the same input, else ExecutionAlreadyExists), which is what a
   starter that names executions after an event id relies on to start once. moto checks the name and then appends
   the execution, unlocked, so two StartExecution calls at once both started one (and a call between another's
   append and its start read a status not set yet); each state machine's starts are now serialized.

Helpers: a version's or an alias's version and weights (:func:`version_routing`, the runtime's one input to the version
an invocation runs), EventBridge's pattern matcher and input-template renderer, the threaded server, the
in-memory DynamoDB tables (for the bench's observer, which reads them without requests), the
States Language parser, EventBridge's pattern parser and SNS's filter policy validation (for the
tests, which cross-check the project's own validators against them), and the ids of the messages
an SQS queue holds (for the delivery report: SQS can only list them by receiving, which would hide
them and count a receive).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import importlib
import json
import re
import threading
import weakref
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol, cast, runtime_checkable

from botocore.config import Config
from moto.awslambda.exceptions import LambdaClientError
from moto.awslambda.models import LambdaBackend, LambdaFunction, lambda_backends
from moto.awslambda.responses import LambdaResponse
from moto.awslambda.utils import make_function_arn
from moto.core import responses as moto_core_responses
from moto.core.authorization import ActionAuthenticatorMixin
from moto.core.exceptions import JsonRESTError, _RESTError
from moto.core.responses import BaseResponse
from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MockValidationException,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend, dynamodb_backends
from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table
from moto.dynamodb.responses import DynamoHandler
from moto.events.exceptions import InvalidEventPatternException
from moto.events.models import EventPattern, EventPatternParser, Rule
from moto.events.utils import EventMessageType, EventTemplateParser
from moto.iam.exceptions import NotFoundException as IAMNotFoundException
from moto.iam.models import iam_backends
from moto.kinesis.models import kinesis_backends
from moto.kms.models import kms_backends
from moto.moto_server.werkzeug_app import DomainDispatcherApplication
from moto.s3 import notifications as s3_notifications
from moto.s3.exceptions import S3ClientError
from moto.s3.models import s3_backends
from moto.secretsmanager.models import secretsmanager_backends
from moto.server import ThreadedMotoServer
from moto.settings import moto_server_port
from moto.sns.exceptions import SNSException
from moto.sns.models import Subscription, sns_backends
from moto.sqs.models import sqs_backends
from moto.stepfunctions.parser.asl.component.common.timeouts.timeout import TimeoutSeconds
from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser, ASLParserException
from moto.stepfunctions.parser.asl.utils import boto_client as sfn_boto_client
from moto.stepfunctions.responses import get_backend as stepfunctions_backend

if TYPE_CHECKING:
    from moto.stepfunctions.parser.asl.component.eval_component import EvalComponent
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

__all__ = [
    "KMS_DENIAL_CODES",
    "RUNTIME_TARGETS",
    "DynamoType",
    "Gate",
    "Hooks",
    "IamRequest",
    "LambdaRefusal",
    "MotoIamState",
    "RefusedError",
    "ServiceError",
    "ThreadedMotoServer",
    "ThrottledError",
    "asl_parse_errors",
    "aws_event",
    "dynamodb_backends",
    "event_pattern_errors",
    "filter_policy_errors",
    "install_dynamodb_isolation",
    "install_fast_paths",
    "install_iam",
    "install_runtime_hooks",
    "matches_event_pattern",
    "queue_message_ids",
    "render_input_template",
    "uninstall_dynamodb_isolation",
    "uninstall_fast_paths",
    "uninstall_iam",
    "uninstall_runtime_hooks",
]

# -- SQS helpers ------------------------------------------------------------------------------------


def queue_message_ids(account_id: str, region: str, queue_name: str) -> set[str]:
    """The ids of every message the queue holds (visible, in flight or delayed), read without a
    receive: nothing is hidden and no receive count changes."""
    queue = sqs_backends[account_id][region].get_queue(queue_name)
    return {message.id for message in list(queue._messages)}


# -- EventBridge helpers ----------------------------------------------------------------------------


def matches_event_pattern(pattern: dict[str, Any], event: dict[str, Any]) -> bool:
    """Whether ``event`` matches an EventBridge ``pattern`` (moto's own matcher, as its rules use)."""
    return bool(EventPattern(None, pattern).matches_event(cast(EventMessageType, event)))


def render_input_template(template: str | None, paths_map: dict[str, str], event: dict[str, Any]) -> str:
    """An InputTransformer's rendering of ``event`` (moto's renderer), as the JSON text the target
    gets: an object template gives the object, a string template (``"order <id> placed"``) the string.

    ``event`` is as delivered (:func:`aws_event`): EventBridge's predefined variables are filled in
    here, ``<aws.events.event.json>`` with that event and ``<aws.events.event.ingestion-time>`` with
    its time, because moto reads both from its internal ``ingestion-time`` field (a KeyError without it).
    """
    if template is not None:
        template = template.replace("<aws.events.event.json>", json.dumps(event)).replace(
            "<aws.events.event.ingestion-time>", str(event.get("time", ""))
        )
    internal = cast(EventMessageType, {**event, "ingestion-time": event.get("time", "")})
    rendered = EventTemplateParser.parse(input_template=cast(str, template), input_paths_map=paths_map, event=internal)
    return json.dumps(rendered)


def aws_event(event: dict[str, Any]) -> dict[str, Any]:
    """moto's event as EventBridge delivers it: ``time`` in ISO 8601, no internal fields."""
    delivered = {k: v for k, v in event.items() if k != "ingestion-time"}
    if isinstance(delivered.get("time"), (int, float)):
        delivered["time"] = datetime.fromtimestamp(delivered["time"], UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return delivered


def event_pattern_errors(pattern: str) -> list[str]:
    """What moto's EventBridge pattern parser rejects in the JSON ``pattern``; [] if it accepts it.

    moto checks the structure only (every leaf a non-empty list or an object), not the operators.
    """
    try:
        EventPatternParser(pattern).parse()
    except InvalidEventPatternException as error:
        return [error.message]
    return []


# -- SNS helper -------------------------------------------------------------------------------------


def filter_policy_errors(policy: dict[str, Any], scope: str) -> list[str]:
    """What moto's SNS Subscribe/SetSubscriptionAttributes validation rejects in ``policy``; [] if it accepts it.

    It is a private method of moto's SNS backend (keys, combinations, nesting, operators and operands).
    """
    try:
        sns_backends["123456789012"]["us-east-1"]._validate_filter_policy(policy, scope=scope)
    except SNSException as error:
        return [str(error.message) or error.code]
    return []


# -- Step Functions helper ------------------------------------------------------------------------


def asl_parse_errors(definition: str) -> list[str]:
    """What moto's States Language parser (LocalStack's ANTLR grammar) rejects in ``definition``; [] if it parses.

    It is the parser moto's CreateStateMachine runs: it checks the grammar (state types, the fields each
    accepts and their value shapes) and, building the program, some per-type rules (a Succeed state has
    no Next); not the transitions, reachability or terminal states. Like moto's CreateStateMachine, any
    exception of the build is a rejection.
    """
    try:
        AmazonStateLanguageParser.parse(definition)
    except ASLParserException as error:
        return list(error.errors) or [repr(error)]
    except Exception as error:  # the builder raises plain exceptions (ValueError, …)
        return [f"{type(error).__name__}: {error}"]
    return []


# -- patches 1 and 2: Lambda invocations and EventBridge targets to the local runtime ---------------

#: Target services the runtime delivers to (moto cannot).
RUNTIME_TARGETS = ("lambda", "states", "sns")


class Hooks(Protocol):
    """The local runtime as moto's Lambda paths see it. The hooks resolve the function a caller named and decide which
    version runs (an alias's weights included); moto only hands the request over."""

    def invoke(
        self, function_name: str, payload: str, qualifier: str | None = None
    ) -> tuple[int, str, str | None, str]:
        """Run one synchronous invocation of what a caller named (Invoke's FunctionName in any of its forms, and its
        Qualifier): (status, payload, function error or None, the version that ran). Raises a
        :class:`LambdaRefusal` for a request Lambda refuses before running anything."""

    def invoke_async(self, function_name: str, payload: str, qualifier: str | None = None) -> str:
        """Queue an asynchronous invocation of what a caller named (kept as named: an alias is routed per attempt);
        returns its request id. Raises a :class:`LambdaRefusal` as :meth:`invoke` does."""

    def target(self, function_name: str, qualifier: str | None = None) -> Any:
        """What a caller named, resolved and checked as :meth:`invoke` resolves and checks it, without running anything
        (a ``DryRun`` invocation). Raises a :class:`LambdaRefusal` as :meth:`invoke` does."""

    def deliver(self, rule_arn: str, target: dict[str, Any], event: dict[str, Any]) -> None:
        """Deliver a matched event to a Lambda, Step Functions or SNS target."""


@runtime_checkable
class LambdaRefusal(Protocol):
    """An exception a hook raises when Lambda refuses a request before running anything (no such function, version
    or alias; a malformed name): Lambda's error code and HTTP status, and its message as ``str(error)``. The caller
    gets that error."""

    lambda_error_code: str
    lambda_status: int


class ThrottledError(LambdaClientError):
    """Lambda's answer to a synchronous call beyond the function's concurrency: 429 with the
    limit reached as ``Reason`` (botocore reads it into ``TooManyRequestsException.Reason``)."""

    code = 429

    def __init__(self, message: str, reason: str) -> None:
        super().__init__("TooManyRequestsException", message)
        self.description = json.dumps({"__type": self.error_type, "message": message, "Reason": reason, "Type": "User"})


class EnvironmentKeyError(LambdaClientError):
    """Lambda's answer (502) when it could not decrypt the function's environment variables: ``error_type`` is
    KMSAccessDeniedException, KMSDisabledException, KMSNotFoundException or KMSInvalidStateException."""

    code = 502


class ServiceError(LambdaClientError):
    """Lambda's answer when the service itself failed (here: the local cloud is stopping)."""

    code = 500

    def __init__(self, message: str) -> None:
        super().__init__("ServiceException", message)


class RefusedError(LambdaClientError):
    """Lambda's answer to a request a hook refused (:class:`LambdaRefusal`)."""

    def __init__(self, refusal: LambdaRefusal) -> None:
        super().__init__(refusal.lambda_error_code, str(refusal))
        self.code = refusal.lambda_status


_original: dict[str, Callable[..., Any]] = {}
#: The ARN a moto delivery in progress on this thread invoked (its subscription's or notification's, an alias's
#: included): moto resolves it to the version object before invoking, which forgets the alias.
_delivery = threading.local()


@contextlib.contextmanager
def _delivering_to(function_arn: str) -> Iterator[None]:
    _delivery.arn = function_arn
    try:
        yield
    finally:
        _delivery.arn = None


def install_runtime_hooks(hooks: Hooks) -> None:
    """Route moto's Lambda invocations and its unsupported EventBridge targets to ``hooks``.

    Installed after :func:`install_iam` and uninstalled before it (the runtime starts after the emulator and stops
    first): the S3 delivery wraps IAM's gate of it."""
    if "invoke" in _original:
        raise RuntimeError("moto is already patched: one local cloud per process")
    _original["invoke"] = LambdaFunction.invoke
    _original["send_to_targets"] = Rule.send_to_targets
    _original["backend_invoke"] = LambdaBackend.invoke
    _original["send_sns_message"] = LambdaBackend.send_sns_message
    _original["s3_deliver_to_lambda"] = s3_notifications._invoke_awslambda
    _original["response_invoke"] = LambdaResponse.invoke

    def response_invoke(self: LambdaResponse) -> Any:
        # moto reads the qualifier as ``qualifier`` from the query string, where botocore sends ``Qualifier``, and
        # failing that from the payload's JSON (an event's own "qualifier" key): it now gets the request's.
        self.querystring = {**self.querystring, "qualifier": [self.querystring.get("Qualifier", [None])[0]]}
        return _original["response_invoke"](self)

    def invoke(self: LambdaFunction, body: str, request_headers: Any, response_headers: dict[str, str]) -> bytes:
        # Only moto's own deliveries get here (SNS, S3, InvokeAsync, EventBridge notifications, its event source
        # mappings): asynchronous on AWS, as the ARN they named (the version object's when nothing else is known).
        invoked = getattr(_delivery, "arn", None) or self.function_arn
        response_headers["x-amz-request-id"] = hooks.invoke_async(invoked, body or "{}")
        return b""

    def send_to_targets(self: Rule, original_event: EventMessageType, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        ours = [t for t in self.targets if t["Arn"].split(":")[2] in RUNTIME_TARGETS]
        if ours:
            event = aws_event(dict(original_event))
            for target in ours:
                hooks.deliver(self.arn, target, event)
        if len(ours) < len(self.targets):
            rest = copy.copy(self)
            rest.targets = [t for t in self.targets if t not in ours]
            _original["send_to_targets"](rest, original_event, transform_input)

    def backend_invoke(
        self: LambdaBackend,
        function_name: str,
        qualifier: str | None,
        body: Any,
        headers: Any,
        response_headers: Any,
    ) -> bytes:
        # The Invoke API (and moto's internal callers, which pass no headers: asynchronous, as AWS's services invoke).
        payload = body or "{}"
        invocation_type = headers.get("x-amz-invocation-type") if headers else "Event"
        try:
            if invocation_type == "Event":
                response_headers["x-amz-request-id"] = hooks.invoke_async(function_name, payload, qualifier)
                result = b""
            elif invocation_type == "DryRun":  # Lambda checks the request and runs nothing (204)
                hooks.target(function_name, qualifier)
                result = b""
            else:
                result = _answer(hooks.invoke(function_name, payload, qualifier), response_headers)
        except Exception as error:
            if isinstance(error, LambdaRefusal):
                raise RefusedError(error) from error
            raise
        response_headers["Content-Length"] = str(len(result))
        return result

    def send_sns_message(
        self: LambdaBackend, function_name: str, message: str, subject: str | None = None, qualifier: str | None = None
    ) -> None:
        arn = make_function_arn(self.region_name, self.account_id, function_name)
        with _delivering_to(f"{arn}:{qualifier}" if qualifier else arn):
            _original["send_sns_message"](self, function_name, message, subject=subject, qualifier=qualifier)

    def s3_deliver_to_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        with _delivering_to(fn_arn):
            _original["s3_deliver_to_lambda"](account_id, event_body, fn_arn, region_name)

    LambdaFunction.invoke = invoke  # type: ignore[method-assign,assignment]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign,assignment]
    LambdaBackend.invoke = backend_invoke  # type: ignore[method-assign,assignment]
    LambdaBackend.send_sns_message = send_sns_message  # type: ignore[method-assign]
    s3_notifications._invoke_awslambda = s3_deliver_to_lambda
    LambdaResponse.invoke = response_invoke  # type: ignore[method-assign]


def _answer(answer: tuple[int, str, str | None, str], response_headers: dict[str, str]) -> bytes:
    """A synchronous invocation's response, or Lambda's error for one that did not run (throttled, aborted)."""
    status, result, function_error, version = answer
    if status == 429:
        throttled = json.loads(result)
        raise ThrottledError(
            throttled.get("errorMessage", "Rate Exceeded."),
            throttled.get("Reason", "ReservedFunctionConcurrentInvocationLimitExceeded"),
        )
    if status == 502:
        refused = json.loads(result)
        raise EnvironmentKeyError(refused["errorType"], refused["errorMessage"])
    if status >= 500:
        raise ServiceError(json.loads(result).get("errorMessage", "Service error."))
    response_headers["x-amz-executed-version"] = version
    if function_error:
        response_headers["x-amz-function-error"] = function_error
    return result.encode()


def version_routing(account: str, region: str, function_name: str, qualifier: str) -> tuple[str, dict[str, float]]:
    """The version a published version or an alias (``qualifier``) of the function serves, and the alias's
    AdditionalVersionWeights (version → share; {} for a version or an unweighted alias), read from the emulator at
    each call (CodeDeploy moves them). KeyError when the function has no such version or alias."""
    backend = lambda_backends[account][region]
    try:
        if qualifier.isdigit():
            return str(backend.get_function(function_name, qualifier).version), {}
        alias = backend.get_alias(qualifier, function_name)
    except LambdaClientError as error:
        raise KeyError(f"no version or alias {qualifier!r} of {function_name!r} in the emulator") from error
    routing: Any = alias.routing_config
    weights: dict[str, Any] = (routing.get("AdditionalVersionWeights") if isinstance(routing, dict) else None) or {}
    return str(alias.function_version), {str(version): float(share) for version, share in weights.items()}


def uninstall_runtime_hooks() -> None:
    if "invoke" in _original:
        LambdaFunction.invoke = _original.pop("invoke")  # type: ignore[method-assign]
        Rule.send_to_targets = _original.pop("send_to_targets")  # type: ignore[method-assign]
        LambdaBackend.invoke = _original.pop("backend_invoke")  # type: ignore[method-assign]
        LambdaBackend.send_sns_message = _original.pop("send_sns_message")  # type: ignore[method-assign]
        s3_notifications._invoke_awslambda = _original.pop("s3_deliver_to_lambda")
        LambdaResponse.invoke = _original.pop("response_invoke")  # type: ignore[method-assign]


# -- patch 3: DynamoDB isolation ------------------------------------------------------------------

_locks: dict[tuple[str, str], threading.RLock] = {}
_locks_guard = threading.Lock()


def _lock_of(backend: DynamoDBBackend) -> threading.RLock:
    """One lock per backend (account, region): a table lives in exactly one, and a transaction
    may span its tables. Keyed by name, so a backend reset keeps its lock."""
    return _locks_for(backend.account_id, backend.region_name)


def _locks_for(account_id: str, region: str) -> threading.RLock:
    with _locks_guard:
        return _locks.setdefault((account_id, region), threading.RLock())


def install_dynamodb_isolation() -> None:
    """Serialize each backend's DynamoDB requests (reads too: moto's items are mutated in place and
    serialized after the backend returns) and make TransactWriteItems all-or-nothing without
    copying tables. Idempotent: the fix holds for the life of the process."""
    if "call_action" in _original:
        return
    _original["call_action"] = DynamoHandler.call_action
    _original["transact_write_items"] = DynamoDBBackend.transact_write_items

    def call_action(self: DynamoHandler) -> Any:
        with _lock_of(self.dynamodb_backend):
            return _original["call_action"](self)

    DynamoHandler.call_action = call_action  # type: ignore[method-assign]
    DynamoDBBackend.transact_write_items = _transact_write_items  # type: ignore[method-assign]


def uninstall_dynamodb_isolation() -> None:
    if "call_action" in _original:
        DynamoHandler.call_action = _original.pop("call_action")  # type: ignore[method-assign]
        DynamoDBBackend.transact_write_items = _original.pop("transact_write_items")  # type: ignore[method-assign]


_OPERATIONS = {"ConditionCheck", "Put", "Delete", "Update"}
#: A cancellation reason of a transaction item: (code, message, item) or all None when it passed.
_Reason = tuple[str, str, dict[str, Any] | None] | tuple[None, None, None]
_PASSED: _Reason = (None, None, None)


@dataclass
class _Operation:
    kind: str
    spec: dict[str, Any]
    table: Table
    key: dict[str, Any]

    @property
    def name(self) -> str:
        return str(self.spec["TableName"])


@dataclass
class _Before:
    """An item as it was before the transaction wrote it (None: absent), and its stream's length."""

    table: Table
    hash_key: DynamoType
    range_key: DynamoType | None
    item: Item | None
    stream_records: list[Any] | None
    stream_length: int


def _transact_write_items(self: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    """DynamoDB's TransactWriteItems: every condition is checked against the items as they are
    (no two operations may touch one item), then all are applied, or none."""
    if len(transact_items) > 100:
        raise TooManyTransactionsException()
    with _lock_of(self):
        operations = _operations(self, transact_items)
        reasons = [_check(self, operation) for operation in operations]
        if any(code is not None for code, _, _ in reasons):
            raise TransactionCanceledException(reasons)
        applied: list[_Before] = []
        for index, operation in enumerate(operations):
            applied.append(_before(self, operation))
            try:
                _apply(self, operation)
            except Exception as error:
                _undo(applied)
                if isinstance(error, MockValidationException):
                    raise
                reasons = [_PASSED] * len(operations)
                reasons[index] = (type(error).__name__, str(getattr(error, "message", error)), None)
                raise TransactionCanceledException(reasons) from error


def _operations(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> list[_Operation]:
    """The transaction's operations with their tables and keys; raises moto's validation errors."""
    operations: list[_Operation] = []
    targets: set[tuple[str, str]] = set()
    for entry in transact_items:
        if len(entry) > 1:
            raise TransactWriteSingleOpException
        kind, spec = next(iter(entry.items()))
        if kind not in _OPERATIONS:
            raise MockValidationException(f"Unsupported transaction operation {kind}")
        table = backend.get_table(spec["TableName"])
        if kind == "Put":
            key = {table.hash_key_attr: spec["Item"][table.hash_key_attr]}
            if table.range_key_attr is not None:
                key[table.range_key_attr] = spec["Item"][table.range_key_attr]
        else:
            key = spec["Key"]
        target = (str(spec["TableName"]), str(dict(sorted(key.items()))))
        if target in targets:
            raise MultipleTransactionsException()
        targets.add(target)
        operations.append(_Operation(kind, spec, table, key))
    return operations


def _check(backend: DynamoDBBackend, operation: _Operation) -> _Reason:
    """The operation's cancellation reason against the current item, or ``_PASSED``."""
    expression = operation.spec.get("ConditionExpression")
    if expression is None:
        return _PASSED
    current = backend.get_item(operation.name, operation.key)
    condition = get_filter_expression(
        expression, operation.spec.get("ExpressionAttributeNames"), operation.spec.get("ExpressionAttributeValues")
    )
    if condition.expr(current):
        return _PASSED
    wanted = operation.spec.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
    old = current.to_json()["Attributes"] if wanted and current else None
    return ("ConditionalCheckFailed", str(ConditionalCheckFailed(item=old).message), old)


def _before(backend: DynamoDBBackend, operation: _Operation) -> _Before:
    hash_key, range_key = backend.get_keys_value(operation.table, operation.key)
    item = operation.table.get_item(hash_key, range_key)
    shard = operation.table.stream_shard
    records = shard.items if shard is not None else None
    return _Before(
        operation.table, hash_key, range_key, copy.deepcopy(item), records, len(records) if records is not None else 0
    )


def _apply(backend: DynamoDBBackend, operation: _Operation) -> None:
    # The conditions were checked under the same lock: moto's own writes re-check them, and pass.
    spec = operation.spec
    condition: dict[str, Any] = {
        "condition_expression": spec.get("ConditionExpression"),
        "expression_attribute_names": spec.get("ExpressionAttributeNames"),
        "expression_attribute_values": spec.get("ExpressionAttributeValues"),
    }
    if operation.kind == "Put":
        backend.put_item(operation.name, spec["Item"], **condition)
    elif operation.kind == "Delete":
        backend.delete_item(operation.name, operation.key, **condition)
    elif operation.kind == "Update":
        backend.update_item(operation.name, operation.key, update_expression=spec["UpdateExpression"], **condition)


def _undo(applied: list[_Before]) -> None:
    """Put back exactly the items the transaction wrote, and drop the stream records it added."""
    for before in reversed(applied):
        items: Any = before.table.items
        if before.range_key is not None:
            items = items[before.hash_key]
            key: DynamoType = before.range_key
        else:
            key = before.hash_key
        if before.item is None:
            items.pop(key, None)
        else:
            items[key] = before.item
        if before.stream_records is not None:
            del before.stream_records[before.stream_length :]
        _reindex(before.table, before.hash_key, before.range_key)


# -- patch 4: fast paths ---------------------------------------------------------------------------


class _SharedClients:
    """Stands in for the ``boto3`` module in moto's Step Functions client factory: ``client(...)``
    returns one client per service, region, endpoint and credentials. botocore clients are safe to
    share between threads; the factory passes the same configuration on every call."""

    def __init__(self, boto3_module: Any) -> None:
        self._boto3 = boto3_module
        self._clients: dict[tuple[Any, ...], Any] = {}
        self._lock = threading.Lock()

    def client(self, *args: Any, **kwargs: Any) -> Any:
        key = (
            args,
            *(kwargs.get(name) for name in ("service_name", "region_name", "endpoint_url")),
            *(kwargs.get(name) for name in ("aws_access_key_id", "aws_secret_access_key", "aws_session_token")),
        )
        with self._lock:  # creating clients is not thread-safe, and each is made once
            if key not in self._clients:
                self._clients[key] = self._boto3.client(*args, **kwargs)
            return self._clients[key]


#: Parsed texts kept: far more than the state machines and paths of any one deployment.
_PARSED_KEPT = 1024


@functools.lru_cache(maxsize=_PARSED_KEPT)
def _parsed_definition_cached(definition: str) -> EvalComponent:
    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser

    return AmazonStateLanguageParser.parse(definition)[0]


# lru_cache lets concurrent misses each compute: executions started together would all parse.
_parse_lock = threading.Lock()


def _parsed_definition(definition: str) -> EvalComponent:
    with _parse_lock:
        return _parsed_definition_cached(definition)


def _evaluation_entrypoint(self: ExecutionWorker) -> EvalComponent:
    return _parsed_definition(self._evaluation_details.state_machine_details.definition)


class _Candidates:
    """A table as moto's Query sees it: every attribute the table's, but ``all_items`` only the items that can
    match (moto then checks its key conditions on them, sorts and pages them as it did over the whole table)."""

    def __init__(self, table: Table, items: list[Item]) -> None:
        self._table, self._items = table, items

    def __getattr__(self, name: str) -> Any:
        return getattr(self._table, name)

    def all_items(self) -> list[Item]:
        return self._items


def _partition(table: Table, hash_key: DynamoType) -> list[Item]:
    entry: Any = table.items.get(hash_key)  # .get: the table's defaultdict must not grow
    if entry is None:
        return []
    return list(entry.values()) if table.range_key_attr else [entry]


#: The types a key attribute can have; an item whose indexed attribute has another type is always a candidate.
_KEY_TYPES = frozenset({"S", "N", "B"})
_ItemKey = tuple[DynamoType, DynamoType | None]


class _AttributeIndex:
    """A table's items by the value of one attribute (the hash key of a global secondary index), kept current by
    every write of the table (:func:`_reindex`). Built at the first Query on it: one walk of the table."""

    def __init__(self, attribute: str, items: list[Item]) -> None:
        self.attribute = attribute
        self._by_value: dict[DynamoType, dict[_ItemKey, Item]] = {}
        self._value_of: dict[_ItemKey, DynamoType | None] = {}
        self._unkeyed: dict[_ItemKey, Item] = {}  # the attribute of a type no key has: moto decides on them
        for item in items:
            self.update((item.hash_key, item.range_key), item)

    def update(self, key: _ItemKey, item: Item | None) -> None:
        """The item now stored under ``key`` (None: none)."""
        if key in self._value_of:
            old = self._value_of.pop(key)
            if old is None:
                del self._unkeyed[key]
            else:
                bucket = self._by_value[old]
                del bucket[key]
                if not bucket:
                    del self._by_value[old]
        value = item.attrs.get(self.attribute) if item is not None else None
        if item is None or value is None:
            return
        if value.type in _KEY_TYPES:
            self._by_value.setdefault(value, {})[key] = item
            self._value_of[key] = value
        else:
            self._unkeyed[key] = item
            self._value_of[key] = None

    def candidates(self, value: DynamoType) -> list[Item]:
        return [*self._by_value.get(value, {}).values(), *self._unkeyed.values()]


#: Per table: its attribute indexes by attribute name (a table deleted and created again is a new object).
_attribute_indexes: weakref.WeakKeyDictionary[Table, dict[str, _AttributeIndex]] = weakref.WeakKeyDictionary()


def _table_lock(table: Table) -> threading.RLock:
    return _locks_for(table.account_id, table.region_name)


def _indexed(table: Table, attribute: str, value: DynamoType) -> list[Item]:
    with _table_lock(table):
        indexes = _attribute_indexes.setdefault(table, {})
        if attribute not in indexes:
            indexes[attribute] = _AttributeIndex(attribute, table.all_items())
        return indexes[attribute].candidates(value)


def _reindex(table: Table, hash_key: DynamoType, range_key: DynamoType | None) -> None:
    """After a write of the item under (hash_key, range_key): every index of its table follows it."""
    indexes = _attribute_indexes.get(table)
    if not indexes:
        return
    with _table_lock(table):
        entry: Any = table.items.get(hash_key)  # .get: the table's defaultdict must not grow
        item = entry.get(range_key) if entry is not None and table.range_key_attr else entry
        for index in indexes.values():
            index.update((hash_key, range_key), item)


def _table_put_item(self: Table, *args: Any, **kwargs: Any) -> Item:
    item: Item = _original["table_put_item"](self, *args, **kwargs)
    _reindex(self, item.hash_key, item.range_key)
    return item


def _table_delete_item(self: Table, hash_key: DynamoType, range_key: DynamoType | None) -> Item | None:
    try:
        return cast("Item | None", _original["table_delete_item"](self, hash_key, range_key))
    finally:
        _reindex(self, hash_key, range_key)


def _backend_update_item(
    self: DynamoDBBackend, table_name: str, key: dict[str, Any], *args: Any, **kwargs: Any
) -> Item:
    """moto updates the stored item in place (a new item goes through Table.put_item)."""
    try:
        item: Item = _original["backend_update_item"](self, table_name, key, *args, **kwargs)
    except Exception:
        # A failure may come after part of the update was applied: the indexes follow what is stored.
        table = self.tables.get(table_name)
        if table is not None and table in _attribute_indexes:
            try:
                _reindex(table, *self.get_keys_value(table, key))
            except Exception:  # a key moto could not read either: rebuilt at the next Query
                _attribute_indexes.pop(table, None)
        raise
    _reindex(self.get_table(table_name), item.hash_key, item.range_key)
    return item


def _query_candidates(table: Table, hash_key: DynamoType | None, index_name: str | None, kwargs: dict[str, Any]) -> Any:
    """What moto's Query of ``table`` reads: the partition when the condition names the table's hash key (a table
    or local index Query, a global index on the same hash key), the items holding the condition's value of a
    global index's hash key, else the whole table (a Query without a key condition)."""
    conditions = kwargs.get("hash_key_conditions") or []
    if index_name is None:
        return table if hash_key is None else _Candidates(table, _partition(table, hash_key))
    if not conditions:
        return table
    attribute, value = conditions[0]
    if attribute == table.hash_key_attr:
        return _Candidates(table, _partition(table, value))
    return _Candidates(table, _indexed(table, attribute, value))


#: Table.query's positional parameters before ``index_name``.
_QUERY_ARGS_BEFORE_INDEX = 6


def _table_query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
    index_name = args[_QUERY_ARGS_BEFORE_INDEX] if len(args) > _QUERY_ARGS_BEFORE_INDEX else kwargs.get("index_name")
    return _original["table_query"](_query_candidates(self, hash_key, index_name, kwargs), hash_key, *args, **kwargs)


@functools.cache
def _method_names(clazz: type) -> frozenset[str]:
    # A response class's methods are fixed once imported (patches replace methods, never add actions).
    return frozenset(_original["method_names"](clazz))


_backend_by_host: dict[str | None, Any] = {}


def _backend_for_host(self: DomainDispatcherApplication, host: str | None) -> Any:
    # A pure function of the host name (the patterns and moto's modules are fixed); the caller holds self.lock.
    if host not in _backend_by_host:
        _backend_by_host[host] = _original["backend_for_host"](self, host)
    return _backend_by_host[host]


def install_fast_paths() -> None:
    """Reuse Step Functions' clients, parsed state machine definitions and parsed jsonpath
    expressions; query a table's partition, not the table; find a host's service once. Idempotent:
    holds for the life of the process."""
    if "sfn_boto3" in _original:
        return
    # Imported here: Step Functions' parser imports much of moto (EC2, Batch: about a second).
    import jsonpath_ng.ext
    from moto.stepfunctions.parser.asl.utils import boto_client, json_path
    from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

    _original["sfn_boto3"] = boto_client.boto3
    _original["evaluation_entrypoint"] = ExecutionWorker._get_evaluation_entrypoint
    _original["jsonpath_parse"] = jsonpath_ng.ext.parse
    _original["table_query"] = Table.query
    _original["table_put_item"] = Table.put_item
    _original["table_delete_item"] = Table.delete_item
    _original["backend_update_item"] = DynamoDBBackend.update_item
    _original["backend_for_host"] = DomainDispatcherApplication.get_backend_for_host
    _original["method_names"] = moto_core_responses.method_names_from_class
    cached_parse = functools.lru_cache(maxsize=_PARSED_KEPT)(jsonpath_ng.ext.parse)
    boto_client.boto3 = _SharedClients(boto_client.boto3)  # type: ignore[assignment]
    ExecutionWorker._get_evaluation_entrypoint = _evaluation_entrypoint  # type: ignore[method-assign]
    # EventBridge's template parser imports parse when it runs; Step Functions' paths at import.
    jsonpath_ng.ext.parse = cached_parse
    json_path.parse = cached_parse
    Table.query = _table_query  # type: ignore[method-assign]
    Table.put_item = _table_put_item  # type: ignore[method-assign]
    Table.delete_item = _table_delete_item  # type: ignore[method-assign]
    DynamoDBBackend.update_item = _backend_update_item  # type: ignore[method-assign]
    DomainDispatcherApplication.get_backend_for_host = _backend_for_host  # type: ignore[method-assign]
    moto_core_responses.method_names_from_class = _method_names  # type: ignore[assignment]


def uninstall_fast_paths() -> None:
    if "sfn_boto3" in _original:
        import jsonpath_ng.ext
        from moto.stepfunctions.parser.asl.utils import boto_client, json_path
        from moto.stepfunctions.parser.backend.execution_worker import ExecutionWorker

        boto_client.boto3 = _original.pop("sfn_boto3")  # type: ignore[assignment]
        ExecutionWorker._get_evaluation_entrypoint = _original.pop("evaluation_entrypoint")  # type: ignore[method-assign]
        jsonpath_ng.ext.parse = json_path.parse = _original.pop("jsonpath_parse")
        Table.query = _original.pop("table_query")  # type: ignore[method-assign]
        Table.put_item = _original.pop("table_put_item")  # type: ignore[method-assign]
        Table.delete_item = _original.pop("table_delete_item")  # type: ignore[method-assign]
        DynamoDBBackend.update_item = _original.pop("backend_update_item")  # type: ignore[method-assign]
        _attribute_indexes.clear()
        DomainDispatcherApplication.get_backend_for_host = _original.pop("backend_for_host")  # type: ignore[method-assign]
        moto_core_responses.method_names_from_class = _original.pop("method_names")
        _method_names.cache_clear()
        _backend_by_host.clear()
        _parsed_definition_cached.cache_clear()


# -- patch 4: IAM -----------------------------------------------------------------------------------


class Gate(Protocol):
    """The local cloud's IAM, as the emulator asks it (:class:`pulumi_wasp.localcloud.iam.Authorizer`)."""

    def request(self, access_key: str, request: IamRequest) -> str | None:
        """None when the caller may make ``request``; otherwise AWS's denial message."""

    def delivery(self, service: str, action: str, resource: str, source_arn: str, region: str) -> str | None:
        """None when ``service`` (``sns.amazonaws.com``) may deliver to ``resource`` for ``source_arn``."""

    def role_access_key(self, role_arn: str) -> tuple[str, str]:
        """Access key id and secret of a session of ``role_arn`` (Step Functions' task credentials)."""


@dataclass(frozen=True)
class IamRequest:
    """What IAM needs of one request to the emulator."""

    #: moto's service name (``dynamodb``, ``stepfunctions``, ``awslambda``...).
    service: str
    #: The API operation (``PutItem``, ``Invoke``).
    operation: str
    params: Mapping[str, Any]
    region: str
    account: str
    path: str = ""
    method: str = "POST"
    #: S3 only: the bucket or object ARN moto authorizes.
    s3_resource: str = ""
    #: S3 only: the request's headers (the key a PutObject names); empty for every other service.
    headers: Mapping[str, str] = field(default_factory=dict)


#: Error code and HTTP status of a denial, per moto service name (what the service itself answers).
DENIAL_CODES: dict[str, tuple[str, int]] = {
    "sqs": ("AccessDenied", 403),
    "sns": ("AuthorizationError", 403),
    "s3": ("AccessDenied", 403),
    "cloudwatch": ("AccessDenied", 403),
    "iam": ("AccessDenied", 403),
    "sts": ("AccessDenied", 403),
    "awslambda": ("AccessDeniedException", 403),
    "xray": ("AccessDeniedException", 403),
}
_DEFAULT_DENIAL = ("AccessDeniedException", 400)
#: moto's names of the services whose REST protocol answers JSON errors whatever the request's body.
_REST_JSON = frozenset({"awslambda", "xray", "scheduler", "apigateway"})
GLOBAL = "global"  # moto's region key of global services (IAM, S3's buckets)
_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/")


class _QueryAccessDeniedError(_RESTError):
    """A query-protocol denial: ``<ErrorResponse><Error><Code>…`` XML."""

    def __init__(self, code: str, status: int, message: str) -> None:
        super().__init__(code, message)
        self.code = status


class _S3AccessDeniedError(S3ClientError):
    code = "AccessDenied"


def access_key_of(headers: Any, query: dict[str, Any]) -> str:
    """The access key id a request is signed with (SigV4 header or presigned query); '' when unsigned."""
    found = _CREDENTIAL.search(headers.get("Authorization", "") or "")
    if found:
        return found.group(1)
    credential = query.get("X-Amz-Credential") or query.get("AWSAccessKeyId") or [""]
    return str(credential[0]).split("/", 1)[0]


def _request_params(response: BaseResponse) -> dict[str, Any]:
    body = response.body
    if isinstance(body, dict):  # DynamoDB's handler has parsed it already
        return body
    if isinstance(body, bytes):
        body = body.decode(errors="replace") if response.service_name != "s3" else ""
    if isinstance(body, str) and body.lstrip().startswith("{"):
        try:
            parsed = json.loads(body)
        except json.JSONDecodeError:
            parsed = None
        if isinstance(parsed, dict):
            return parsed
    return {key: values[0] for key, values in response.querystring.items() if values}


def _json_protocol(response: BaseResponse) -> bool:
    content_type = response.headers.get("Content-Type", "") or ""
    return "json" in content_type or bool(response.headers.get("X-Amz-Target")) or response.service_name in _REST_JSON


#: What a service answers when the KMS call it makes with a resource's key for the caller is denied (the message
#: is KMS's: "… is not authorized to perform: kms:GenerateDataKey on resource: arn:aws:kms:…"); S3 answers
#: its AccessDenied (403) with that message.
KMS_DENIAL_CODES: dict[str, tuple[str, int]] = {
    "sqs": ("KMS.AccessDeniedException", 400),
    "sns": ("KMSAccessDenied", 400),
    "kinesis": ("KMSAccessDeniedException", 400),
    "stepfunctions": ("KmsAccessDeniedException", 400),
    # DynamoDB's "KMS key access denied error: … (Service: AWSKMS; … Error Code: AccessDeniedException …)"
    # (https://github.com/aws/aws-cdk/issues/10010): its plain denial's code and status.
    "dynamodb": ("AccessDeniedException", 400),
}


def _denial(response: BaseResponse, message: str) -> Exception:
    service = response.service_name or ""
    code, status = DENIAL_CODES.get(service, _DEFAULT_DENIAL)
    if service in KMS_DENIAL_CODES and " to perform: kms:" in message:
        code, status = KMS_DENIAL_CODES[service]
    if service == "s3":
        return _S3AccessDeniedError("AccessDenied", message)
    if _json_protocol(response):
        error = JsonRESTError(code, message)
        error.code = status
        return error
    return _QueryAccessDeniedError(code, status, message)


def install_iam(gate: Gate) -> None:
    """Authorize every request to the emulator, and every SNS, EventBridge and S3 delivery to a queue, topic or
    function, through ``gate``; Step Functions' tasks sign with their state machine role's credentials.
    Replaces moto's own access control (it stays off: its request counter is never consulted)."""
    if "authorize" in _original:
        raise RuntimeError("IAM is already installed: one local cloud per process")
    _original["authorize"] = ActionAuthenticatorMixin._authenticate_and_authorize_action
    _original["subscription_publish"] = Subscription.publish
    _original["send_to_sqs_queue"] = Rule._send_to_sqs_queue
    _original["s3_send_sqs"] = s3_notifications._send_sqs_message
    _original["s3_send_sns"] = s3_notifications._send_sns_message
    _original["s3_invoke_lambda"] = s3_notifications._invoke_awslambda
    _original["boto_client_for"] = sfn_boto_client.boto_client_for

    def authorize(self: BaseResponse, iam_request_cls: type, resource: str = "*") -> None:
        access_key = access_key_of(self.headers, self.querystring)
        request = IamRequest(
            service=self.service_name or "",
            operation=self._get_action() or "",
            params=_request_params(self),
            region=self.region,
            account=self.current_account,
            path=self.path,
            method=self.method,
            s3_resource=resource if self.service_name == "s3" else "",
            headers=self.headers if self.service_name == "s3" else {},
        )
        message = gate.request(access_key, request)
        if message is not None:
            raise _denial(self, message)

    def subscription_publish(self: Subscription, message: str, message_id: str, *args: Any, **kwargs: Any) -> None:
        if self.protocol in ("sqs", "lambda"):
            action = "sqs:SendMessage" if self.protocol == "sqs" else "lambda:InvokeFunction"
            region = self.endpoint.split(":")[3]
            if gate.delivery("sns.amazonaws.com", action, self.endpoint, self.topic.arn, region) is not None:
                return  # as on AWS: the message is not delivered (the denial is logged)
        _original["subscription_publish"](self, message, message_id, *args, **kwargs)

    def send_to_sqs_queue(self: Rule, resource_id: str, event: dict[str, Any], group_id: str | None = None) -> None:
        queue = f"arn:aws:sqs:{self.region_name}:{self.account_id}:{resource_id}"
        if gate.delivery("events.amazonaws.com", "sqs:SendMessage", queue, self.arn, self.region_name) is not None:
            return
        _original["send_to_sqs_queue"](self, resource_id, event, group_id)

    def s3_send_sqs(account_id: str, event_body: Any, queue_name: str, region_name: str) -> None:
        queue = f"arn:aws:sqs:{region_name}:{account_id}:{queue_name}"
        if gate.delivery("s3.amazonaws.com", "sqs:SendMessage", queue, bucket_arn_of(event_body), region_name) is None:
            _original["s3_send_sqs"](account_id, event_body, queue_name, region_name)

    def s3_send_sns(account_id: str, event_body: Any, topic_arn: str, region_name: str) -> None:
        if gate.delivery("s3.amazonaws.com", "sns:Publish", topic_arn, bucket_arn_of(event_body), region_name) is None:
            _original["s3_send_sns"](account_id, event_body, topic_arn, region_name)

    def s3_invoke_lambda(account_id: str, event_body: Any, fn_arn: str, region_name: str) -> None:
        source = bucket_arn_of(event_body)
        if gate.delivery("s3.amazonaws.com", "lambda:InvokeFunction", fn_arn, source, region_name) is None:
            _original["s3_invoke_lambda"](account_id, event_body, fn_arn, region_name)

    def boto_client_for(region: str, service: str, state_credentials: Any = None) -> Any:
        role_arn = getattr(state_credentials, "role_arn", None)
        if not role_arn:
            return _original["boto_client_for"](region=region, service=service, state_credentials=state_credentials)
        # moto's own client (parameters unvalidated, no retries, its timeouts), signed as the role's session;
        # made through the factory's boto3, which the fast paths share per credentials (one client per role).
        access_key, secret = gate.role_access_key(role_arn)
        return sfn_boto_client.boto3.client(  # type: ignore[call-overload]
            service,
            region_name=region,
            aws_access_key_id=access_key,
            aws_secret_access_key=secret,
            endpoint_url=f"http://localhost:{moto_server_port()}",
            config=Config(
                parameter_validation=False,
                retries={"max_attempts": 0, "total_max_attempts": 1},
                connect_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
                read_timeout=TimeoutSeconds.DEFAULT_TIMEOUT_SECONDS,
            ),
        )

    ActionAuthenticatorMixin._authenticate_and_authorize_action = authorize  # type: ignore[method-assign,assignment]
    Subscription.publish = subscription_publish  # type: ignore[method-assign]
    Rule._send_to_sqs_queue = send_to_sqs_queue  # type: ignore[method-assign]
    s3_notifications._send_sqs_message = s3_send_sqs
    s3_notifications._send_sns_message = s3_send_sns
    s3_notifications._invoke_awslambda = s3_invoke_lambda
    for module in _sfn_client_modules():
        module.boto_client_for = boto_client_for  # type: ignore[attr-defined]


def uninstall_iam() -> None:
    if "authorize" in _original:
        ActionAuthenticatorMixin._authenticate_and_authorize_action = _original.pop("authorize")  # type: ignore[method-assign]
        Subscription.publish = _original.pop("subscription_publish")  # type: ignore[method-assign]
        Rule._send_to_sqs_queue = _original.pop("send_to_sqs_queue")  # type: ignore[method-assign]
        s3_notifications._send_sqs_message = _original.pop("s3_send_sqs")
        s3_notifications._send_sns_message = _original.pop("s3_send_sns")
        s3_notifications._invoke_awslambda = _original.pop("s3_invoke_lambda")
        original = _original.pop("boto_client_for")
        for module in _sfn_client_modules():
            module.boto_client_for = original  # type: ignore[attr-defined]


#: Step Functions' modules that imported ``boto_client_for`` by name (its Lambda tasks and SDK integrations).
_SFN_CLIENT_USERS = (
    "state_task.lambda_eval_utils",
    "state_task.service.state_task_service_aws_sdk",
    "state_task.service.state_task_service_dynamodb",
    "state_task.service.state_task_service_events",
    "state_task.service.state_task_service_sfn",
    "state_task.service.state_task_service_sns",
    "state_task.service.state_task_service_sqs",
    "state_task.service.state_task_service_unsupported",
    "state_map.item_reader.eval.resource_eval_s3",
    "state_map.result_writer.resource_eval.resource_eval_s3",
)


def _sfn_client_modules() -> list[Any]:
    base = "moto.stepfunctions.parser.asl.component.state.exec."
    return [sfn_boto_client, *(importlib.import_module(base + name) for name in _SFN_CLIENT_USERS)]


def bucket_arn_of(event_body: Any) -> str:
    """The ARN of the bucket an S3 notification is from: its records' bucket, or the bucket named by the
    ``s3:TestEvent`` moto sends (as S3 does) when a notification configuration is put; '' for any other body."""
    try:
        return str(event_body["Records"][0]["s3"]["bucket"]["arn"])
    except (KeyError, IndexError, TypeError):
        pass
    if isinstance(event_body, dict) and event_body.get("Event") == "s3:TestEvent" and event_body.get("Bucket"):
        return f"arn:aws:s3:::{event_body['Bucket']}"
    return ""


class MotoIamState:
    """The emulator's IAM and resource-policy state, read from moto's backends at each call (never copied)."""

    def __init__(self, account: str) -> None:
        self.account = account
        # Per region, the ARN of the AWS-managed aws/dynamodb key once moto has created it: it never changes, and
        # every item request on a keyed table compares against it.
        self._dynamodb_managed_keys: dict[str, str] = {}

    def role_documents(self, account: str, role_name: str) -> list[str] | None:
        try:
            role = iam_backends[account][GLOBAL].get_role(role_name)
        except IAMNotFoundException:
            return None
        documents = list(role.policies.values())
        for policy in role.managed_policies.values():
            documents.extend(v.document for v in policy.versions if v.is_default)
        return documents

    def resource_policy(self, arn: str) -> str | None:
        parts = arn.split(":", 5)
        if len(parts) < 6:
            return None
        _, _, service, region, account, resource = parts
        if service == "sqs":
            queue = sqs_backends[account][region].queues.get(resource)
            return queue.policy if queue is not None else None
        if service == "sns":
            topic = sns_backends[account][region].topics.get(arn)
            return topic.policy if topic is not None else None
        if service == "lambda":
            try:
                function = lambda_backends[account][region].get_function(arn)
            except LambdaClientError:
                return None
            return json.dumps(function.policy.get_policy()["Policy"]) if function.policy.statements else None
        if service == "kms":
            key = self._key(arn)
            return key.policy if key is not None else None
        if service == "s3":
            bucket = s3_backends[self.account][GLOBAL].buckets.get(resource.split("/", 1)[0])
            policy = bucket.policy if bucket is not None else None
            return policy.decode() if isinstance(policy, bytes) else policy
        return None

    def secret_arn(self, region: str, secret_id: str) -> str | None:
        found = secretsmanager_backends[self.account][region].secrets.get(secret_id)
        return found.arn if found is not None else None

    def encryption_key(self, resource_arn: str, writing: bool) -> str | None:
        # One lookup in the resource's backend; only the operations that use a key ask (iam/requests.py).
        _, _, service, region, account, name = resource_arn.split(":", 5)
        key_id: Any = None
        if service == "sqs":
            key_id = getattr(sqs_backends[account][region].queues.get(name), "kms_master_key_id", None)
        elif service == "sns":
            key_id = getattr(sns_backends[account][region].topics.get(resource_arn), "kms_master_key_id", None)
        elif service == "kinesis":
            stream = kinesis_backends[account][region].streams.get(name.removeprefix("stream/"))
            key_id = stream.key_id if stream is not None and stream.encryption_type == "KMS" else None
        elif service == "states":
            machine = self._state_machine(resource_arn)
            encryption = machine.encryptionConfiguration if machine is not None else {}
            key_id = encryption.get("kmsKeyId") if encryption.get("type") == "CUSTOMER_MANAGED_KMS_KEY" else None
        elif service == "s3":
            key_id, region = self._s3_key(name, writing)
        elif service == "dynamodb":
            key_id = self._table_key(account, region, name)
        if not key_id or str(key_id).startswith("alias/aws/"):
            return None
        return self.key_arn(region, str(key_id)) or str(key_id)

    def _table_key(self, account: str, region: str, path: str) -> str | None:
        """The customer-managed key of the table in ``path`` (``table/<name>``, its indexes' and streams' paths
        too: both are encrypted with the table's key, "DynamoDB encryption at rest usage notes",
        https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/encryption.usagenotes.html); None for an
        AWS-owned key (SSE not enabled) or the AWS-managed ``aws/dynamodb`` key, which moto fills in for SSE
        enabled without a key (as the key ARN, not the alias) and whose policy admits every principal of the
        account through DynamoDB."""
        table = dynamodb_backends[account][region].tables.get(path.removeprefix("table/").split("/", 1)[0])
        sse = getattr(table, "sse_specification", None) or {}
        key_id = sse.get("KMSMasterKeyId") if sse.get("Enabled") is True else None
        if not key_id:
            return None
        key_arn = self.key_arn(region, str(key_id)) or str(key_id)
        return None if key_arn == self._dynamodb_managed_key(region) else key_arn

    def _dynamodb_managed_key(self, region: str) -> str | None:
        known = self._dynamodb_managed_keys.get(region)
        if known is None:
            known = self.key_arn(region, "alias/aws/dynamodb")
            if known is not None:
                self._dynamodb_managed_keys[region] = known
        return known

    def _s3_key(self, path: str, writing: bool) -> tuple[Any, str]:
        """A bucket's default key (``writing``), or the key its object was encrypted with; and the bucket's region
        (S3 ARNs carry none)."""
        bucket_name, _, object_key = path.partition("/")
        bucket = s3_backends[self.account][GLOBAL].buckets.get(bucket_name)
        if bucket is None:
            return None, ""
        if writing:
            default = ((bucket.encryption or {}).get("Rule") or {}).get("ApplyServerSideEncryptionByDefault") or {}
            key_id = default.get("KMSMasterKeyID") if default.get("SSEAlgorithm") == "aws:kms" else None
        else:
            stored = bucket.keys.get(object_key) if object_key else None
            key_id = stored.kms_key_id if stored is not None and stored.encryption == "aws:kms" else None
        return key_id, bucket.region_name

    def key_arn(self, region: str, key_id: str) -> str | None:
        backend = kms_backends[self.account][region]
        try:
            return str(backend.describe_key(key_id).arn)
        except (JsonRESTError, KeyError):  # moto raises a bare KeyError for the ARN of a key it does not hold
            return None

    def function_role(self, function_arn: str) -> str:
        account, region = function_arn.split(":")[4], function_arn.split(":")[3]
        return str(lambda_backends[account][region].get_function(function_arn).role)

    def state_machine_role(self, state_machine_arn: str) -> str:
        machine = self._state_machine(state_machine_arn)
        if machine is None:
            raise LookupError(f"no state machine {state_machine_arn} in the emulator")
        return str(machine.roleArn)

    @staticmethod
    def _state_machine(arn: str) -> Any:
        """The machine ``arn`` names, or the version a version's ARN (``...:stateMachine:name:3``) names, or the version
        an alias's ARN (``...:stateMachine:name:live``) routes to: a version keeps the role and key it was published
        with (moto snapshots ``roleArn`` and ``encryptionConfiguration`` on publish, as AWS's immutable versions: "State
        machine versions", https://docs.aws.amazon.com/step-functions/latest/dg/concepts-state-machine-version.html).
        A weighted alias's version is the one with the larger weight (the first listed on a tie): AWS draws one per
        execution, while this is asked before the start, and moto cannot start an alias to draw one. From the backend
        that serves the requests (moto's executing one with execute_state_machine, its plain one otherwise); None for
        what it does not hold (the request itself then fails as AWS's does)."""
        parts = arn.split(":")
        region, account, machine_arn = parts[3], parts[4], ":".join(parts[:7])
        machine = next((m for m in stepfunctions_backend(account, region).state_machines if m.arn == machine_arn), None)
        if machine is None or len(parts) == 7:
            return machine
        qualifier = parts[7]
        if not qualifier.isdecimal():
            alias = machine.aliases.get(qualifier)
            if alias is None:
                return None
            routed = max(alias.routing_configuration, key=lambda route: route["weight"])
            qualifier = str(routed["stateMachineVersionArn"]).rsplit(":", 1)[1]
        return machine.versions.get(int(qualifier))

    def key_state(self, key_arn: str) -> str | None:
        """KMS's KeyState of the key (``Enabled``, ``Disabled``, ``PendingDeletion``...); None when there is none."""
        key = self._key(key_arn)
        return str(key.key_state) if key is not None else None

    @staticmethod
    def _key(key_arn: str) -> Any:
        _, _, _, region, account, resource = key_arn.split(":", 5)
        return kms_backends[account][region].keys.get(resource.removeprefix("key/"))


# -- patch 6: Step Functions execution names --------------------------------------------------------

_start_locks: dict[str, threading.Lock] = {}
_start_locks_guard = threading.Lock()


def _start_lock(state_machine_arn: str) -> threading.Lock:
    with _start_locks_guard:
        return _start_locks.setdefault(state_machine_arn, threading.Lock())


def _start_execution(self: Any, state_machine_arn: str, *args: Any, **kwargs: Any) -> Any:
    # The name check and the append of moto's start_execution, atomic per state machine as on AWS.
    with _start_lock(state_machine_arn):
        return _original["sfn_start_execution"](self, state_machine_arn, *args, **kwargs)


def install_execution_names() -> None:
    """One execution per name and state machine, also under concurrent StartExecution calls. Idempotent."""
    if "sfn_start_execution" in _original:
        return
    from moto.stepfunctions.parser.models import StepFunctionsParserBackend

    _original["sfn_start_execution"] = StepFunctionsParserBackend.start_execution
    StepFunctionsParserBackend.start_execution = _start_execution  # type: ignore[method-assign]


def uninstall_execution_names() -> None:
    if "sfn_start_execution" in _original:
        from moto.stepfunctions.parser.models import StepFunctionsParserBackend

        StepFunctionsParserBackend.start_execution = _original.pop("sfn_start_execution")  # type: ignore[method-assign]
        _start_locks.clear()
