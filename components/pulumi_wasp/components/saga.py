"""Saga: a Step Functions state machine generated from ordered steps and their compensations.

Each step is a Lambda task; when one fails (after its retries), the compensations of the steps
that completed run in reverse order, then an optional "on failure" task, then the machine
fails. A compensation that fails itself is never retried in a loop: a human is notified and
the machine fails. :func:`definition` is the generator, a pure function of the args.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import pulumi
from pulumi_aws import cloudwatch, sfn
from pulumi_aws import iam as iam_resources

from pulumi_wasp.components import defaults
from pulumi_wasp.components.function import ExistingFunction, ServerlessFunction, ServerlessFunctionArgs
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import (
    KeyPolicyGrant,
    customer_key_arn,
    log_delivery_key_policy,
    log_group_key_policy,
)
from pulumi_wasp.components.shared.logs import log_group
from pulumi_wasp.components.shared.tokens import component_type

LAMBDA_INVOKE = "arn:aws:states:::lambda:invoke"
LAMBDA_INVOKE_CALLBACK = "arn:aws:states:::lambda:invoke.waitForTaskToken"
SNS_PUBLISH = "arn:aws:states:::sns:publish"

#: States the generator adds; step names must differ from them.
SUCCEEDED = "SagaSucceeded"
FAILED = "SagaFailed"
NOTIFY = "NotifyCompensationFailed"
COMPENSATION_FAILED = "CompensationFailed"
RESERVED_STATES = (SUCCEEDED, FAILED, NOTIFY, COMPENSATION_FAILED)

#: A state name is also a key of ``$.results``: it must be a plain JSONPath member name.
_STATE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,79}$")
_LOG_LEVELS = ("ALL", "ERROR", "FATAL")
_MAX_TIMEOUT_SECONDS = 31_536_000  # one year, Step Functions' limit for a STANDARD execution
_MAX_RETRY_DELAY_SECONDS = 31_622_400  # Step Functions' limit of a retrier's MaxDelaySeconds


@dataclass(frozen=True, kw_only=True)
class Retry:
    """The Retry rule of a task: transient errors, retried with exponential backoff and jitter."""

    #: defaults.SAGA_RETRY_ERRORS: Lambda's service-side faults and States.Timeout. Handler
    #: errors are not retried: they are the failures the saga compensates.
    errors: Sequence[str] = defaults.SAGA_RETRY_ERRORS
    #: defaults.SAGA_RETRY_INTERVAL_SECONDS (1): the first delay.
    interval_seconds: int = defaults.SAGA_RETRY_INTERVAL_SECONDS
    #: defaults.SAGA_RETRY_MAX_ATTEMPTS (3): retries after the first attempt.
    max_attempts: int = defaults.SAGA_RETRY_MAX_ATTEMPTS
    #: defaults.SAGA_RETRY_BACKOFF_RATE (2): each delay doubles (jitter: defaults.SAGA_RETRY_JITTER).
    backoff_rate: float = defaults.SAGA_RETRY_BACKOFF_RATE
    #: None (default: no cap of our own, Step Functions' limit): the longest single delay, so that many attempts (e.g. to
    #: wait out a burst's throttling) keep a known total wait within the saga's timeout.
    max_delay_seconds: int | None = None

    def validate(self, owner: str) -> None:
        if not self.errors:
            raise ValueError(f"{owner}.retry.errors is empty: name the errors to retry (or use max_attempts=0)")
        if "States.ALL" in self.errors and len(self.errors) > 1:
            raise ValueError(f"{owner}.retry.errors: States.ALL must appear alone (Step Functions' rule)")
        if self.interval_seconds < 1:
            raise ValueError(f"{owner}.retry.interval_seconds must be ≥ 1, got {self.interval_seconds}")
        if self.max_attempts < 0:
            raise ValueError(f"{owner}.retry.max_attempts must be ≥ 0, got {self.max_attempts}")
        if self.backoff_rate < 1:
            raise ValueError(f"{owner}.retry.backoff_rate must be ≥ 1, got {self.backoff_rate}")
        limit = _MAX_RETRY_DELAY_SECONDS
        if self.max_delay_seconds is not None and not self.interval_seconds <= self.max_delay_seconds <= limit:
            raise ValueError(
                f"{owner}.retry.max_delay_seconds must be {self.interval_seconds} (interval_seconds)..{limit}, "
                f"got {self.max_delay_seconds}"
            )

    def asl(self) -> dict[str, Any]:
        return {
            "ErrorEquals": list(self.errors),
            "IntervalSeconds": self.interval_seconds,
            "MaxAttempts": self.max_attempts,
            "BackoffRate": self.backoff_rate,
            "JitterStrategy": defaults.SAGA_RETRY_JITTER,
            **({"MaxDelaySeconds": self.max_delay_seconds} if self.max_delay_seconds is not None else {}),
        }


@dataclass(frozen=True, kw_only=True)
class _Task:
    """A state that invokes a function: exactly one of ``function_arn``, ``existing_function`` or ``function``.

    The state machine's role invokes it, so an existing function's role needs nothing (``role`` is not used).
    Its timeout must be below the task's ``timeout_seconds``, or the task times out while the function still runs
    and a retry invokes it again: checked for ``function``, a :class:`ServerlessFunction`, an
    ``aws.lambda_.Function`` once known and ``ExistingFunction.timeout_seconds``; not for a bare ARN (logged).
    """

    name: str
    #: The ARN of a function the component does not create (nothing of it is checked).
    function_arn: pulumi.Input[str] | None = None
    #: A function the component does not create, as a resource or an ARN (see :class:`ExistingFunction`).
    existing_function: ExistingFunction | None = None
    #: The function to create for this task (named after the saga and the state).
    function: ServerlessFunctionArgs | None = None
    #: defaults.SAGA_TASK_TIMEOUT_SECONDS (30): must be below the saga's timeout.
    timeout_seconds: int = defaults.SAGA_TASK_TIMEOUT_SECONDS
    retry: Retry = field(default_factory=Retry)

    def validate_function(self, owner: str) -> None:
        given = [key for key in ("function_arn", "existing_function", "function") if getattr(self, key) is not None]
        if len(given) != 1:
            raise ValueError(
                f"{owner}: set exactly one of function_arn or existing_function (an existing function) or function "
                f"(the args to create one); {', '.join(given) if given else 'none'} given"
            )
        if self.existing_function is not None:
            self.existing_function.validate(f"{owner}.existing_function")
        message = self.timeout_problem(self.function_timeout(), owner)
        if message:
            raise ValueError(message)

    def function_timeout(self) -> pulumi.Input[int] | None:
        """The function's timeout: plain, an Output (an ``aws.lambda_.Function``), or None (a bare ARN)."""
        if self.function is not None:
            return self.function.timeout_seconds
        if self.existing_function is not None:
            return self.existing_function.timeout()
        return None

    def timeout_problem(self, function_timeout: object, owner: str) -> str | None:
        if not isinstance(function_timeout, int) or function_timeout < self.timeout_seconds:
            return None
        return (
            f"{owner}: the function's timeout ({function_timeout} s) must be below the task's timeout_seconds "
            f"({self.timeout_seconds}): the task would time out while the function runs, and a retry invoke it again"
        )


@dataclass(frozen=True, kw_only=True)
class Compensation(_Task):
    """Undoes a step. It receives the saga's state (``$``: the input, ``$.results``, ``$.error``)
    and must be idempotent and succeed when there is nothing to undo."""


@dataclass(frozen=True, kw_only=True)
class Step(_Task):
    """One forward step: a Lambda task whose result is kept at ``$.results.<name>.Payload``.

    Every step names its ``compensation`` or says why it needs none (``no_compensation``).
    """

    compensation: Compensation | None = None
    #: Why this step needs no compensation (e.g. "read-only"); required when compensation is None.
    no_compensation: str | None = None
    #: Invoke with ``.waitForTaskToken``: the function gets ``{"input", "taskToken"}`` and the
    #: step waits (up to ``timeout_seconds``) until someone calls SendTaskSuccess/Failure; the
    #: result at ``$.results.<name>`` is then what SendTaskSuccess sent.
    wait_for_task_token: bool = False
    #: Callback steps only: fail unless SendTaskHeartbeat arrives this often.
    heartbeat_seconds: int | None = None


@dataclass(frozen=True, kw_only=True)
class ParallelStep:
    """Steps that run concurrently as one Parallel state and are compensated as a unit.

    Results are at ``$.results.<name>.<branch>``. When the Parallel state fails, other branches
    may already have completed, so its own compensation unit runs first (every branch's
    compensation, concurrently), then those of the steps before it.
    """

    name: str
    branches: Sequence[Step]
    #: Name of the compensating Parallel state; ``Compensate<name>`` when empty.
    compensation_name: str = ""

    @property
    def compensation_state(self) -> str:
        return self.compensation_name or f"Compensate{self.name}"

    @property
    def compensations(self) -> list[Compensation]:
        return [b.compensation for b in self.branches if b.compensation is not None]


@dataclass(frozen=True, kw_only=True)
class FinalTask(_Task):
    """A task that concludes the saga (e.g. conclude the order as confirmed or cancelled).

    The function gets ``{**payload, "saga": <the saga's state>}``.
    """

    #: Constant fields of the payload, e.g. ``{"outcome": "cancelled"}``.
    payload: Mapping[str, Any] = field(default_factory=dict)


AnyStep = Step | ParallelStep
_T = TypeVar("_T", bound=_Task)


@dataclass(kw_only=True)
class SagaArgs:
    """Arguments of :class:`Saga`."""

    #: The forward steps, in order (at least one).
    steps: Sequence[AnyStep]
    #: Runs after the last step; if it fails, every step is compensated.
    on_success: FinalTask | None = None
    #: Runs after the compensations, before the machine fails.
    on_failure: FinalTask | None = None
    #: defaults.SAGA_TIMEOUT_SECONDS (300, the seed's): the whole execution's limit.
    timeout_seconds: int = defaults.SAGA_TIMEOUT_SECONDS
    #: defaults.SAGA_LOG_LEVEL (ALL): every transition is logged; OFF is not offered (policy sfn-logging).
    log_level: str = defaults.SAGA_LOG_LEVEL
    #: defaults.SAGA_LOG_EXECUTION_DATA (False): inputs and outputs carry PII.
    include_execution_data: bool = defaults.SAGA_LOG_EXECUTION_DATA
    #: Topic told when a compensation fails; the stack's alarm topic when None. Without either,
    #: the machine just fails (the ExecutionsFailed alarm still fires).
    notify_topic_arn: pulumi.Input[str] | None = None
    comment: str = ""
    #: ExecutionsFailed, ExecutionThrottled, ExecutionsAborted and ExecutionsTimedOut ≥ 1 alarms.
    alarms: bool = True
    #: Log retention; the stack context's when None.
    log_retention_days: int | None = None
    #: The ARN of a customer-managed key for the state machine (definition and execution history:
    #: ``CUSTOMER_MANAGED_KMS_KEY``, data keys reused for defaults.SAGA_KMS_DATA_KEY_REUSE_SECONDS) and its log
    #: group. Default None: AWS-owned encryption for the machine, CloudWatch Logs' for the group (no key policy to
    #: keep, no KMS cost). The machine's role is granted kms:GenerateDataKey and kms:Decrypt for this machine's
    #: data (its encryption context) and a data key for its log delivery; the key policy is yours, must delegate to
    #: IAM (the account's ``:root``) and let CloudWatch Logs use the key for the log group and its log delivery
    #: decrypt: the saga cannot edit it, logs so and lists the statements in ``required_key_policy``. Starting an
    #: execution needs nothing of the key (``iam.states_start``); reading one (DescribeExecution,
    #: GetExecutionHistory) needs kms:Decrypt: grant readers ``iam.kms_read_executions(key, saga.arn)``.
    kms_key_arn: pulumi.Input[str] | None = None
    #: Tags of every child (state machine, role, log group, alarms, the functions created for tasks), merged over
    #: the stack context's; a task's ``function.tags`` are merged over these for its function.
    tags: Mapping[str, str] = field(default_factory=dict)
    context: StackContext | None = None
    #: Keyword arguments of ``aws.sfn.StateMachine`` merged over the machine's defaults (``tags`` merge, other
    #: keys replace); turning tracing or logging off warns naming sfn-tracing or sfn-logging.
    state_machine_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.cloudwatch.LogGroup`` merged over the execution log group's defaults; dropping
    #: the retention warns naming log-group-retention.
    log_group_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.iam.Role`` merged over the state machine role's defaults (the stack context's
    #: name prefix, path and permissions boundary, the trust policy for this account's state machines).
    role_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not self.steps:
            raise ValueError("SagaArgs.steps is empty: a saga needs at least one step")
        customer_key_arn(self.kms_key_arn, "SagaArgs.kms_key_arn")
        if not 1 <= self.timeout_seconds <= _MAX_TIMEOUT_SECONDS:
            raise ValueError(f"SagaArgs.timeout_seconds must be 1..{_MAX_TIMEOUT_SECONDS}, got {self.timeout_seconds}")
        if self.log_level not in _LOG_LEVELS:
            raise ValueError(f"SagaArgs.log_level must be one of {', '.join(_LOG_LEVELS)}, got {self.log_level!r}")
        for step in self.steps:
            if isinstance(step, ParallelStep):
                owner = f"SagaArgs.steps[{step.name}]"
                if len(step.branches) < 2:
                    raise ValueError(f"{owner}.branches: a parallel step needs at least two branches (use a Step)")
                for branch in step.branches:
                    if not isinstance(branch, Step):
                        raise ValueError(f"{owner}.branches: each branch must be a Step, got {type(branch).__name__}")
                    self._validate_step(branch, f"{owner}.branches[{branch.name}]")
            else:
                self._validate_step(step, f"SagaArgs.steps[{step.name}]")
        for attribute in ("on_success", "on_failure"):
            task = getattr(self, attribute)
            if task is not None:
                self._validate_task(f"SagaArgs.{attribute}", task)
                if "saga" in task.payload or "saga.$" in task.payload:
                    raise ValueError(f"SagaArgs.{attribute}.payload: the key 'saga' is reserved for the saga's state")
        names = state_names(self)
        for state in names:
            if not _STATE_NAME.match(state):
                raise ValueError(
                    f"SagaArgs: state name {state!r} must be a letter then letters, digits or underscores, at most 80 "
                    "(it is also a key of $.results)"
                )
        duplicates = sorted({n for n in names if names.count(n) > 1})
        if duplicates:
            raise ValueError(
                f"SagaArgs: state names must be unique, duplicated: {duplicates} (reserved: {list(RESERVED_STATES)})",
            )

    def _validate_step(self, step: Step, owner: str) -> None:
        if step.compensation is None and not (step.no_compensation or "").strip():
            raise ValueError(f"{owner}: set compensation=Compensation(...) or no_compensation='<why none is needed>'")
        if step.compensation is not None and step.no_compensation is not None:
            raise ValueError(f"{owner}: set either compensation or no_compensation, not both")
        self._validate_task(owner, step)
        if step.compensation is not None:
            self._validate_task(f"{owner}.compensation", step.compensation)
        if step.heartbeat_seconds is not None:
            if not step.wait_for_task_token:
                raise ValueError(f"{owner}.heartbeat_seconds needs wait_for_task_token=True")
            if not 1 <= step.heartbeat_seconds < step.timeout_seconds:
                raise ValueError(
                    f"{owner}.heartbeat_seconds must be 1..timeout_seconds-1, got {step.heartbeat_seconds}",
                )

    def _validate_task(self, owner: str, task: _Task) -> None:
        if not 1 <= task.timeout_seconds < self.timeout_seconds:
            raise ValueError(
                f"{owner}.timeout_seconds must be 1..{self.timeout_seconds - 1} (below SagaArgs.timeout_seconds, "
                f"or the execution times out without compensating), got {task.timeout_seconds}"
            )
        task.retry.validate(owner)
        task.validate_function(owner)

    def tasks(self) -> Iterator[tuple[str, _Task]]:
        """Every task of the machine with the arg that names it (``SagaArgs.steps[Reserve].compensation``)."""
        for step in self.steps:
            owner = f"SagaArgs.steps[{step.name}]"
            branches = (
                [(f"{owner}.branches[{b.name}]", b) for b in step.branches]
                if isinstance(step, ParallelStep)
                else [(owner, step)]
            )
            for arg, single in branches:
                yield arg, single
                if single.compensation is not None:
                    yield f"{arg}.compensation", single.compensation
        for attribute in ("on_success", "on_failure"):
            task = getattr(self, attribute)
            if task is not None:
                yield f"SagaArgs.{attribute}", task

    def function_arns(self) -> list[pulumi.Input[str]]:
        """Every function the machine invokes, each once: what its role may invoke (the tasks' ``function_arn``:
        :class:`Saga` resolves ``existing_function`` and ``function`` to it first)."""
        arns: list[pulumi.Input[str]] = [task.function_arn for _, task in self.tasks() if task.function_arn is not None]
        unique: list[pulumi.Input[str]] = []
        for arn in arns:
            if not any(arn is seen or (isinstance(arn, str) and arn == seen) for seen in unique):
                unique.append(arn)
        return unique


def state_names(args: SagaArgs) -> list[str]:
    """Every state name of the machine (duplicates kept, so validation can find them)."""
    names = list(RESERVED_STATES)
    for step in args.steps:
        names.append(step.name)
        singles: list[Step] = list(step.branches) if isinstance(step, ParallelStep) else [step]
        if isinstance(step, ParallelStep):
            names += [b.name for b in singles]
            if step.compensations:
                names.append(step.compensation_state)
        names += [s.compensation.name for s in singles if s.compensation is not None]
    names += [task.name for task in (args.on_success, args.on_failure) if task is not None]
    return names


# -- the generator ------------------------------------------------------------------------------
def _catch(result_path: str, next_state: str) -> list[dict[str, Any]]:
    return [{"ErrorEquals": ["States.ALL"], "ResultPath": result_path, "Next": next_state}]


def _branch(name: str, task: dict[str, Any]) -> dict[str, Any]:
    """A Parallel branch of one task."""
    return {"StartAt": name, "States": {name: {**task, "End": True}}}


def _step_task(step: Step) -> dict[str, Any]:
    """The Task of a forward step, without its transitions."""
    if step.wait_for_task_token:
        state: dict[str, Any] = {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE_CALLBACK,
            "Parameters": {
                "FunctionName": step.function_arn,
                "Payload": {"input.$": "$", "taskToken.$": "$$.Task.Token"},
            },
            "TimeoutSeconds": step.timeout_seconds,
        }
        if step.heartbeat_seconds is not None:
            state["HeartbeatSeconds"] = step.heartbeat_seconds
    else:
        state = {
            "Type": "Task",
            "Resource": LAMBDA_INVOKE,
            "Parameters": {"FunctionName": step.function_arn, "Payload.$": "$"},
            "TimeoutSeconds": step.timeout_seconds,
            "ResultSelector": {"Payload.$": "$.Payload"},
        }
    state["Retry"] = [step.retry.asl()]
    return state


def _compensation_task(compensation: Compensation) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": compensation.function_arn, "Payload.$": "$"},
        "TimeoutSeconds": compensation.timeout_seconds,
        "ResultPath": None,
        "Retry": [compensation.retry.asl()],
    }


def _final_task(task: FinalTask) -> dict[str, Any]:
    return {
        "Type": "Task",
        "Resource": LAMBDA_INVOKE,
        "Parameters": {"FunctionName": task.function_arn, "Payload": {**task.payload, "saga.$": "$"}},
        "TimeoutSeconds": task.timeout_seconds,
        "Retry": [task.retry.asl()],
    }


def _forward_state(step: AnyStep, next_state: str, on_error: str) -> dict[str, Any]:
    if isinstance(step, Step):
        state = _step_task(step)
    else:
        state = {
            "Type": "Parallel",
            "Branches": [_branch(b.name, _step_task(b)) for b in step.branches],
            "ResultSelector": {f"{b.name}.$": f"$[{index}]" for index, b in enumerate(step.branches)},
        }
    return {**state, "ResultPath": f"$.results.{step.name}", "Catch": _catch("$.error", on_error), "Next": next_state}


def _undo_state(step: AnyStep, next_state: str, on_error: str) -> tuple[str, dict[str, Any]] | None:
    """The state that compensates ``step`` (a Parallel of every branch's compensation for a
    ParallelStep), or None when it needs none."""
    if isinstance(step, Step):
        if step.compensation is None:
            return None
        name, state = step.compensation.name, _compensation_task(step.compensation)
    else:
        if not step.compensations:
            return None
        name = step.compensation_state
        state = {
            "Type": "Parallel",
            "Branches": [_branch(c.name, _compensation_task(c)) for c in step.compensations],
            "ResultPath": None,
        }
    return name, {**state, "Catch": _catch("$.compensationError", on_error), "Next": next_state}


def definition(args: SagaArgs, notify_topic_arn: pulumi.Input[str] | None = None) -> dict[str, Any]:
    """The Amazon States Language document of the saga, as a dict (ARNs may be Outputs).

    Forward: step 1 → … → step N → on_success → SagaSucceeded. A step that fails after its
    retries is caught (``$.error``) and enters the compensation chain at the compensation of the
    last completed step; the chain runs backwards to the first step, then on_failure, then
    SagaFailed. A compensation (or on_failure) that fails goes to NotifyCompensationFailed
    (with ``notify_topic_arn``) and CompensationFailed: nothing ever loops.
    """
    args.validate()
    human = NOTIFY if notify_topic_arn is not None else COMPENSATION_FAILED
    failure_entry = args.on_failure.name if args.on_failure else FAILED

    # The compensation chain, built forwards: after step i completed, a failure enters at
    # chain[i], whose Next leads back through the earlier compensations.
    undo_states: dict[str, Any] = {}
    chain: list[str] = []
    head = failure_entry
    for step in args.steps:
        undo = _undo_state(step, head, human)
        if undo is not None:
            head, undo_states[undo[0]] = undo[0], undo[1]
        chain.append(head)

    states: dict[str, Any] = {}
    finish = args.on_success.name if args.on_success else SUCCEEDED
    for index, step in enumerate(args.steps):
        next_state = args.steps[index + 1].name if index + 1 < len(args.steps) else finish
        # A failed Parallel may have completed some branches: its own unit is compensated too.
        completed = index if isinstance(step, Step) else index + 1
        on_error = chain[completed - 1] if completed else failure_entry
        states[step.name] = _forward_state(step, next_state, on_error)
    if args.on_success is not None:
        states[args.on_success.name] = {
            **_final_task(args.on_success),
            "ResultSelector": {"Payload.$": "$.Payload"},
            "ResultPath": f"$.results.{args.on_success.name}",
            "Catch": _catch("$.error", chain[-1]),
            "Next": SUCCEEDED,
        }
    # Compensations in the order they run (last step's first): the document reads top-down.
    states.update(reversed(undo_states.items()))
    if args.on_failure is not None:
        states[args.on_failure.name] = {
            **_final_task(args.on_failure),
            "ResultPath": None,
            "Catch": _catch("$.compensationError", human),
            "Next": FAILED,
        }
    # Only a compensation or on_failure can fail while compensating: without one, the states that
    # handle it would be unreachable, which Step Functions rejects (MISSING_TRANSITION_TARGET).
    compensating = bool(undo_states) or args.on_failure is not None
    if compensating and notify_topic_arn is not None:
        states[NOTIFY] = {
            "Type": "Task",
            "Resource": SNS_PUBLISH,
            "Parameters": {
                "TopicArn": notify_topic_arn,
                "Subject": "Saga compensation failed",
                "Message.$": (
                    "States.Format('Saga {} execution {} could not compensate ({}): a human must finish it.', "
                    "$$.StateMachine.Name, $$.Execution.Name, $.compensationError.Error)"
                ),
            },
            "TimeoutSeconds": defaults.SAGA_TASK_TIMEOUT_SECONDS,
            "ResultPath": None,
            "Retry": [Retry(errors=("States.ALL",)).asl()],
            "Catch": _catch("$.notifyError", COMPENSATION_FAILED),
            "Next": COMPENSATION_FAILED,
        }
    if compensating:
        states[COMPENSATION_FAILED] = {
            "Type": "Fail",
            "Error": "CompensationFailed",
            "CausePath": "$.compensationError.Cause",
        }
    states[FAILED] = {"Type": "Fail", "ErrorPath": "$.error.Error", "CausePath": "$.error.Cause"}
    states[SUCCEEDED] = {"Type": "Succeed"}

    document: dict[str, Any] = {"StartAt": args.steps[0].name, "TimeoutSeconds": args.timeout_seconds, "States": states}
    if args.comment:
        document = {"Comment": args.comment, **document}
    return document


class Saga(pulumi.ComponentResource):
    """A STANDARD state machine that runs steps forward and compensates them backwards.

    Outputs: ``arn`` and ``name`` are the state machine's (no URL); ``role_arn`` and ``log_group``
    besides.

    Example::

        saga = Saga("order-fulfilment", SagaArgs(steps=[
            Step(name="ReserveInventory", function_arn=reserve.arn,
                 compensation=Compensation(name="ReleaseInventory", function_arn=release.arn)),
            Step(name="ProcessPayment", function_arn=pay.arn,
                 compensation=Compensation(name="RefundPayment", function_arn=refund.arn))],
            on_failure=FinalTask(name="CancelOrder", function_arn=conclude.arn, payload={"outcome": "cancelled"})))

    Each task's function is an existing one (``function_arn``, ``existing_function``) or created by the saga
    (``function=ServerlessFunctionArgs(...)``, reachable in :attr:`functions`); see :class:`Step` for what is
    checked. The state machine and its role are always the saga's: the definition is generated from the steps (an
    existing machine's definition is not the component's to replace), and the role is what lets the machine invoke
    exactly these functions; ``role_overrides`` and the stack context's permissions boundary, path and name prefix
    cover what an organisation requires of its roles.
    """

    state_machine: sfn.StateMachine
    role: iam_resources.Role
    log_group: cloudwatch.LogGroup
    #: With ``kms_key_arn``: the statements its key policy needs (CloudWatch Logs for the log group, log delivery
    #: for the machine's logs), else empty.
    required_key_policy: list[KeyPolicyGrant]
    #: The functions the saga created, by the name of their task's state.
    functions: dict[str, ServerlessFunction]
    arn: pulumi.Output[str]
    name: pulumi.Output[str]

    def __init__(self, name: str, args: SagaArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("saga", "Saga", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        self.functions = {}
        unchecked: list[str] = []
        args = replace(
            args,
            steps=[self._resolved_step(name, step, args, unchecked) for step in args.steps],
            on_success=self._resolved(name, args.on_success, args, unchecked, "SagaArgs.on_success")
            if args.on_success is not None
            else None,
            on_failure=self._resolved(name, args.on_failure, args, unchecked, "SagaArgs.on_failure")
            if args.on_failure is not None
            else None,
        )
        if unchecked:
            children.not_checked(
                f"Saga {name}",
                f"the timeouts of the functions of {', '.join(unchecked)} against their tasks' timeout_seconds "
                "(give ExistingFunction(function=...) or its timeout_seconds to check them)",
            )
        notify = args.notify_topic_arn if args.notify_topic_arn is not None else context.alarm_topic_arn
        machine_name = context.physical_name(name, names.STATE_MACHINE)
        key_arn = customer_key_arn(args.kms_key_arn, "SagaArgs.kms_key_arn")
        # Under /aws/vendedlogs/ CloudWatch Logs needs no resource policy per log group, so many
        # machines never hit the account's resource-policy size limit.
        self.log_group = log_group(
            name,
            f"/aws/vendedlogs/states/{machine_name}",
            context=context,
            parent=self,
            tags=tags,
            retention_days=args.log_retention_days,
            overrides=args.log_group_overrides,
            overrides_arg="SagaArgs.log_group_overrides",
            kms_key_id=key_arn,
        )
        statements = [
            iam.lambda_invoke(args.function_arns()),
            iam.states_log_delivery(),
            iam.xray_write(),
            iam.xray_sampling(),
        ]
        self.required_key_policy = []
        if key_arn is not None:
            # The role is created before the machine (the machine names it): its ARN is built from its name.
            region = self.log_group.arn.apply(lambda arn: arn.split(":")[3])
            account = iam.account_of(self.log_group.arn)
            named = args.state_machine_overrides.get("name", machine_name)
            machine_arn = pulumi.Output.concat("arn:aws:states:", region, ":", account, ":stateMachine:", named)
            # Step Functions encrypts each execution's data with the machine's role, and its log delivery asks
            # for a data key with it too; delivery.logs.amazonaws.com decrypts as itself (the key policy's).
            statements += [
                iam.kms_for_state_machine(key_arn, machine_arn),
                iam.kms_for_log_delivery(key_arn, region, account),
            ]
            self.required_key_policy.append(
                log_group_key_policy(f"Saga {name}", "SagaArgs.kms_key_arn", key_arn, self.log_group.arn)
            )
            self.required_key_policy.append(log_delivery_key_policy(f"Saga {name}", "SagaArgs.kms_key_arn", key_arn))
        if notify is not None:
            # The alarm topic is KMS-encrypted: publishing needs the key too, for this topic only.
            statements += [iam.sns_publish(notify), iam.kms_for_topic(notify)]
        service_role = iam.service_role(
            name,
            "states.amazonaws.com",
            statements,
            parent=self,
            tags=tags,
            # The log group's account (the steps' functions may live elsewhere): Step Functions
            # assumes the role only for this account's state machines.
            source_account=iam.account_of(self.log_group.arn),
            overrides=args.role_overrides,
            overrides_arg="SagaArgs.role_overrides",
        )
        self.role = service_role.role
        self.definition = definition(args, notify)
        machine_defaults = {
            "name": machine_name,
            "type": "STANDARD",
            "role_arn": self.role.arn,
            "definition": pulumi.Output.json_dumps(self.definition),
            "logging_configuration": {
                "level": args.log_level,
                "include_execution_data": args.include_execution_data,
                # Step Functions wants the log group ARN with its stream wildcard.
                "log_destination": pulumi.Output.concat(self.log_group.arn, ":*"),
            },
            "tracing_configuration": {"enabled": True},
            "encryption_configuration": {
                "type": "CUSTOMER_MANAGED_KMS_KEY",
                "kms_key_id": key_arn,
                "kms_data_key_reuse_period_seconds": defaults.SAGA_KMS_DATA_KEY_REUSE_SECONDS,
            }
            if key_arn is not None
            else None,
            "tags": tags,
        }
        self.state_machine = children.create(
            sfn.StateMachine,
            f"{name}-state-machine",
            machine_defaults,
            args.state_machine_overrides,
            arg="SagaArgs.state_machine_overrides",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[service_role.policy]),
        )
        if args.alarms:
            for metric in ("ExecutionsFailed", "ExecutionThrottled", "ExecutionsAborted", "ExecutionsTimedOut"):
                spec = AlarmSpec(
                    suffix=metric.lower(),
                    metric_name=metric,
                    namespace="AWS/States",
                    dimensions={"StateMachineArn": self.state_machine.arn},
                    threshold=1,
                )
                metric_alarm(name, spec, context=context, parent=self, tags=tags)
        self.arn = self.state_machine.arn
        self.name = self.state_machine.name
        outputs = {"arn": self.arn, "name": self.name, "role_arn": self.role.arn, "log_group": self.log_group.name}
        self.register_outputs(outputs)

    def _resolved_step(self, name: str, step: AnyStep, args: SagaArgs, unchecked: list[str]) -> AnyStep:
        owner = f"SagaArgs.steps[{step.name}]"
        if isinstance(step, ParallelStep):
            branches = [self._resolved(name, b, args, unchecked, f"{owner}.branches[{b.name}]") for b in step.branches]
            return replace(step, branches=branches)
        return self._resolved(name, step, args, unchecked, owner)

    def _resolved(self, name: str, task: _T, args: SagaArgs, unchecked: list[str], owner: str) -> _T:
        """``task`` with its function as ``function_arn``: created when given as args, checked where known."""
        if task.function is not None:
            function_args = replace(task.function, tags={**args.tags, **task.function.tags})
            function = ServerlessFunction(
                f"{name}-{_kebab(task.name)}", function_args, pulumi.ResourceOptions(parent=self)
            )
            self.functions[task.name] = function
            # The alias when the function has one (AliasArgs), as every other invoker.
            arn: pulumi.Input[str] = function.target.arn
        elif task.existing_function is not None:
            timeout = task.existing_function.timeout()
            if isinstance(timeout, pulumi.Output):
                children.check_known(timeout, lambda seconds: task.timeout_problem(seconds, owner))
            elif timeout is None:
                unchecked.append(task.name)
            arn = task.existing_function.function_arn
        else:
            assert task.function_arn is not None  # validated: exactly one is given
            unchecked.append(task.name)
            arn = task.function_arn
        resolved = replace(task, function_arn=arn, existing_function=None, function=None)
        if isinstance(resolved, Step) and resolved.compensation is not None:
            compensation = self._resolved(name, resolved.compensation, args, unchecked, f"{owner}.compensation")
            resolved = replace(resolved, compensation=compensation)
        return resolved


def _kebab(state: str) -> str:
    """``ReserveInventory`` → ``reserve-inventory``: a task's function is named after its state."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|_", "-", state).lower()
