"""The local cloud's IAM: every request a role makes, and every delivery a service makes on its own behalf,
decided as AWS decides it (:mod:`~pulumi_wasp.localcloud.iam.policy`) on the emulator's IAM state.

Policies are read from the emulator at each decision (a dictionary lookup per policy) and compiled once per
document text: a policy written through IAM, a queue's, topic's or function's changed policy is a new text,
so nothing is ever stale and no write needs to invalidate anything.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any, Protocol

from pulumi_wasp.localcloud.iam.conditions import SUPPORTED
from pulumi_wasp.localcloud.iam.credentials import Credentials, role_name
from pulumi_wasp.localcloud.iam.policy import (
    Decision,
    Effect,
    Policies,
    Principal,
    Statement,
    compile_document,
    evaluate,
)
from pulumi_wasp.localcloud.iam.requests import (
    ENCRYPTION_CONTEXT,
    PREFIXES,
    Access,
    NotMappedError,
    Request,
    Resolver,
    accesses,
    delivery_key_use,
    environment_key_use,
    execution_key_use,
    log_group_key_use,
    mapping_key_use,
)

logger = logging.getLogger("localcloud.iam")

#: The session name of a role a service assumes (Step Functions' task credentials).
SERVICE_SESSION = "localcloud-service"
#: The action a delivery to a target of this service performs.
TARGET_ACTIONS = {
    "lambda": "lambda:InvokeFunction",
    "states": "states:StartExecution",
    "sns": "sns:Publish",
    "sqs": "sqs:SendMessage",
}
#: The service principal of a source ARN's service, where they differ.
SENDERS = {"execute-api": "apigateway"}
#: Deliveries a service makes into a resource it encrypts (with the resource's key, as itself).
_ENCRYPTING_DELIVERIES = frozenset({"sqs:SendMessage", "sns:Publish"})
#: Denials kept for the status report (the log keeps all of them).
RECENT_DENIALS = 200


class State(Resolver, Protocol):
    """The emulator's IAM and resource-policy state (implemented over moto in :mod:`pulumi_wasp.adapters.moto`)."""

    def role_documents(self, account: str, role_name: str) -> list[str] | None:
        """The role's inline and attached managed policy documents; None when there is no such role."""

    def resource_policy(self, arn: str) -> str | None:
        """The resource policy of the queue, topic, function, key or bucket ``arn`` names; None without one."""

    def function_role(self, function_arn: str) -> str:
        """The execution role ARN of the function."""

    def state_machine_role(self, state_machine_arn: str) -> str:
        """The execution role ARN of the state machine, of the version a version's ARN names, or of the version an
        alias's ARN routes to."""


@dataclass(frozen=True)
class Denial:
    principal: str
    action: str
    resource: str
    reason: str

    @property
    def message(self) -> str:
        return f"User: {self.principal} is not authorized to perform: {self.action} on resource: {self.resource} {self.reason}"


class Authorizer:
    def __init__(self, credentials: Credentials, state: State) -> None:
        self.credentials = credentials
        self.state = state
        self.denials: deque[Denial] = deque(maxlen=RECENT_DENIALS)
        #: Decisions taken, their total time and how many denied (the local cloud's cost of IAM).
        self.decisions = 0
        self.seconds = 0.0
        self.denied = 0
        self._lock = threading.Lock()

    # -- the emulator's questions (the moto adapter's Gate) --------------------------------------
    def request(self, access_key: str, request: Request) -> str | None:
        """A request to the emulator signed with ``access_key``: None when allowed (always, for the
        administrator), else AWS's denial message."""
        principal = self.credentials.principal(access_key)
        denial = self.check_request(principal, request) if principal is not None else None
        if denial is None:
            denial = self.check_execution_key(request)
        return denial.message if denial else None

    def delivery(self, service: str, action: str, resource: str, source_arn: str, region: str) -> str | None:
        denial = self.check_service(service, action, resource, source_arn, region)
        return denial.message if denial else None

    def role_access_key(self, role_arn: str) -> tuple[str, str]:
        issued = self.credentials.issue(role_arn, SERVICE_SESSION)
        return issued["AWS_ACCESS_KEY_ID"], issued["AWS_SECRET_ACCESS_KEY"]

    def check_target(self, source_arn: str, target: Mapping[str, Any], region: str) -> Denial | None:
        """An EventBridge rule's or a schedule's delivery to its target, or API Gateway's invocation of a
        route's function (``source_arn`` an ``execute-api`` ARN), authorized where AWS does: Scheduler and Step
        Functions targets through the target's role; a rule's Lambda, SNS and SQS targets and API Gateway
        through the function's, topic's or queue's policy for the service, with ``source_arn`` as source."""
        arn = str(target["Arn"])
        kind, sender = arn.split(":")[2], source_arn.split(":")[2]
        action = TARGET_ACTIONS.get(kind)
        if action is None:
            return self._deny(Denial(sender, "?", arn, f"because the local cloud has no action for {kind} targets"))
        if sender == "scheduler" or kind == "states":
            role = target.get("RoleArn")
            if not role:
                reason = "because the target has no RoleArn (AWS requires one for this target)"
                return self._deny(Denial(f"{sender}.amazonaws.com", action, arn, reason))
            denial = self.check_role(str(role), sender, action, arn, region)
            return denial if denial is not None else self._target_role_key_use(str(role), sender, action, arn, region)
        return self.check_service(f"{SENDERS.get(sender, sender)}.amazonaws.com", action, arn, source_arn, region)

    def _target_role_key_use(self, role_arn: str, sender: str, action: str, arn: str, region: str) -> Denial | None:
        """A delivery with the target's role into a queue or topic under a customer-managed key (a schedule's SQS
        or SNS target, or its dead-letter queue: Scheduler sends with the schedule's execution role, "Configuring a
        schedule's dead-letter queue",
        https://docs.aws.amazon.com/scheduler/latest/UserGuide/configuring-schedule-dlq.html) is that role's
        SendMessage or Publish: the service uses the key with the role's permissions, as for any producer (SQS's
        "Key management",
        https://docs.aws.amazon.com/AWSSimpleQueueService/latest/SQSDeveloperGuide/sqs-key-management.html)."""
        if action not in _ENCRYPTING_DELIVERIES:
            return None
        try:
            needed = delivery_key_use(arn, action, self.state)
        except NotMappedError as unknown:
            return self._deny(Denial(f"{sender}.amazonaws.com", "kms:GenerateDataKey", arn, f"because {unknown}"))
        if not needed:
            return None
        return self._role_key_use(role_arn, sender, needed, region)

    # -- the three kinds of caller ---------------------------------------------------------------
    def check_request(self, principal: Principal, request: Request) -> Denial | None:
        """A role session's request to the emulator: every action it performs must be allowed."""
        started = time.perf_counter()
        try:
            try:
                needed = accesses(request, self.state)
            except NotMappedError as unknown:
                action = f"{PREFIXES.get(request.service, request.service)}:{request.operation}"
                return self._deny(
                    Denial(principal.name, action, "*", f"because the local cloud cannot evaluate it: {unknown}")
                )
            for access in needed:
                context = {**self._context(principal, request.region), **access.context}
                denial = self._decide(principal, access.action, access.resource, context)
                if denial is not None:
                    return denial
            return None
        finally:
            self._count(started)

    def check_role(self, role_arn: str, session: str, action: str, resource: str, region: str) -> Denial | None:
        """A service acting through a role it was given (a rule's or schedule's target role)."""
        started = time.perf_counter()
        principal = Principal(
            self.credentials.account, _session_arn(self.credentials.account, role_arn, session), role_arn
        )
        try:
            return self._decide(principal, action, resource, self._context(principal, region))
        finally:
            self._count(started)

    def check_service(self, service: str, action: str, resource: str, source_arn: str, region: str) -> Denial | None:
        """A service delivering on its own behalf (SNS to a queue, EventBridge to a function): only the
        resource's policy can allow it, with ``aws:SourceArn`` / ``aws:SourceAccount`` of the sender."""
        started = time.perf_counter()
        principal = Principal(self.credentials.account, service=service)
        parts = source_arn.split(":")
        source_account = parts[4] if len(parts) > 4 and parts[4] else self.credentials.account
        context = {
            **self._context(principal, region),
            "aws:SourceArn": source_arn,
            "aws:SourceAccount": source_account,
            "aws:SourceOwner": source_account,
        }
        try:
            denial = self._decide(principal, action, resource, context)
            if denial is None and action in _ENCRYPTING_DELIVERIES:
                denial = self._service_key_use(principal, resource, context)
            return denial
        finally:
            self._count(started)

    def check_mapping_read(self, function_arn: str, source_arn: str, region: str) -> Denial | None:
        """An event source mapping reading its queue or stream under a customer-managed key decrypts with the
        function's execution role (a session named after the function). Only this key use is evaluated: the
        local cloud's pollers read as the administrator. A source without a customer-managed key costs one
        lookup and is not counted as a decision."""
        try:
            needed = mapping_key_use(source_arn, self.state)
        except NotMappedError as unknown:
            return self._deny(Denial(function_arn, "kms:Decrypt", source_arn, f"because {unknown}"))
        if not needed:
            return None
        return self._function_key_use(function_arn, needed, region)

    def check_environment_key(self, function_arn: str, key_arn: str, region: str) -> Denial | None:
        """Lambda decrypting the function's environment variables under ``key_arn`` for an invocation, with the
        execution role (a session named after the function), as the role's policies and the key policy allow.

        Lambda also grants the key to the role when the function is created (the deploy records that grant), and
        reports disagree on whether an invocation succeeds on the grant alone: allowed with neither policy
        (https://dev.classmethod.jp/articles/tsnote-kms-when-using-a-kms-cmk-why-arent-i-denied-using-a-cmk-even-though-my-iam-and-key-policies-dont-allow-it-en),
        denied "because no identity-based policy allows the kms:Decrypt action" until the role was given it
        (https://github.com/cattle-ops/terraform-aws-gitlab-runner/pull/1253, 2025). The local cloud asks what both
        accept, as for every key use (grants are not evaluated): what ServerlessFunction grants its role."""
        return self._function_key_use(function_arn, environment_key_use(function_arn, key_arn), region)

    def check_log_group_key(self, log_group_arn: str, key_arn: str, region: str) -> Denial | None:
        """CloudWatch Logs (``logs.<region>.amazonaws.com``) using ``key_arn`` for the log group as itself: only
        the key policy can let it (a service principal has no IAM policies)."""
        principal = Principal(self.credentials.account, service=f"logs.{region}.amazonaws.com")
        return self._decide_all(principal, log_group_key_use(log_group_arn, key_arn), region)

    def _function_key_use(self, function_arn: str, needed: list[Access], region: str) -> Denial | None:
        """The function's execution role (a session named after the function) making each KMS access of
        ``needed``."""
        role_arn = self.state.function_role(function_arn)
        return self._role_key_use(role_arn, function_arn.split(":")[6], needed, region)

    def check_execution_key(self, request: Request) -> Denial | None:
        """A start of an execution of a state machine under a customer-managed key: Step Functions uses the key
        with the machine's execution role, whoever starts it (a role, the administrator, a rule's or a schedule's
        delivery), so the role's identity policy and the key policy must allow it. Any other request costs one
        dictionary lookup and is not counted as a decision."""
        try:
            needed = execution_key_use(request, self.state)
        except NotMappedError as unknown:
            machine = str(request.params.get("stateMachineArn"))
            reason = f"because the local cloud cannot evaluate it: {unknown}"
            return self._deny(Denial("states.amazonaws.com", "kms:GenerateDataKey", machine, reason))
        if not needed:
            return None
        # The version's (an alias's routed version's) role, as for its key: the one it was published with.
        role_arn = self.state.state_machine_role(str(request.params["stateMachineArn"]))
        return self._role_key_use(role_arn, SERVICE_SESSION, needed, request.region)

    def _role_key_use(self, role_arn: str, session: str, needed: list[Access], region: str) -> Denial | None:
        """A service's use of a key with a role it was given (a session ``session`` of ``role_arn``)."""
        principal = Principal(
            self.credentials.account, _session_arn(self.credentials.account, role_arn, session), role_arn
        )
        return self._decide_all(principal, needed, region)

    def _decide_all(self, principal: Principal, needed: list[Access], region: str) -> Denial | None:
        """The first denial among ``needed`` (one decision counted)."""
        started = time.perf_counter()
        try:
            for access in needed:
                denial = self._decide(
                    principal, access.action, access.resource, {**self._context(principal, region), **access.context}
                )
                if denial is not None:
                    return denial
            return None
        finally:
            self._count(started)

    def _service_key_use(self, principal: Principal, resource: str, context: Mapping[str, Any]) -> Denial | None:
        """A service delivering to a queue or topic under a customer-managed key encrypts with the key as itself:
        only the key policy can let it (an SNS subscription's, an EventBridge target's or an S3 notification's
        queue; an EventBridge target's or an S3 notification's topic)."""
        key = self.state.encryption_key(resource, writing=True)
        if key is None:
            return None
        if not key.startswith("arn:"):
            return self._deny(
                Denial(principal.name, "kms:GenerateDataKey", key, "because the key is not in the emulator")
            )
        service = resource.split(":")[2]
        context = {**context, f"kms:EncryptionContext:{ENCRYPTION_CONTEXT[service]}": resource}
        for action in ("kms:GenerateDataKey", "kms:Decrypt"):
            denial = self._decide(principal, action, key, context)
            if denial is not None:
                return denial
        return None

    # -- deciding ---------------------------------------------------------------------------------
    def _decide(self, principal: Principal, action: str, resource: str, context: Mapping[str, Any]) -> Denial | None:
        # A key's policy must allow its use (KMS's rule); every other resource's policy is one way of allowing.
        key_policy = resource.startswith("arn:") and resource.split(":", 3)[2] == "kms"
        policies = Policies(self._identity(principal), self._resource(resource), key_policy=key_policy)
        context = {
            **context,
            "aws:ResourceAccount": resource.split(":")[4]
            if resource.count(":") >= 5 and resource.split(":")[4]
            else self.credentials.account,
        }
        decision = evaluate(policies, principal, action, resource, context)
        if decision.allowed:
            return None
        return self._deny(Denial(principal.name, action, resource, _reason(decision, action)))

    def _identity(self, principal: Principal) -> list[Statement]:
        if not principal.role_arn:
            return []
        documents = self.state.role_documents(principal.account, role_name(principal.role_arn)) or []
        return [statement for document in documents for statement in _compiled(document, False)]

    def _resource(self, resource: str) -> list[Statement]:
        document = self.state.resource_policy(resource) if resource != "*" else None
        return list(_compiled(document, True)) if document else []

    def _context(self, principal: Principal, region: str) -> dict[str, Any]:
        now = datetime.now(UTC)
        context: dict[str, Any] = {
            "aws:SecureTransport": "true",
            "aws:RequestedRegion": region,
            "aws:CurrentTime": now.strftime("%Y-%m-%dT%H:%M:%SZ"),
            "aws:EpochTime": str(int(now.timestamp())),
        }
        if principal.service:
            context["aws:PrincipalServiceName"] = principal.service
            context["aws:PrincipalIsAWSService"] = "true"
        else:
            context["aws:PrincipalArn"] = principal.role_arn
            context["aws:PrincipalAccount"] = principal.account
            context["aws:PrincipalType"] = "AssumedRole"
            context["aws:PrincipalIsAWSService"] = "false"
        return context

    def _deny(self, denial: Denial) -> Denial:
        self.denials.append(denial)
        with self._lock:
            self.denied += 1
        logger.warning("AccessDenied: %s", denial.message)
        return denial

    def _count(self, started: float) -> None:
        elapsed = time.perf_counter() - started
        with self._lock:
            self.decisions += 1
            self.seconds += elapsed


@lru_cache(maxsize=2048)
def _compiled(document: str, resource_policy: bool) -> tuple[Statement, ...]:
    return tuple(compile_document(document, resource_policy=resource_policy))


def _session_arn(account: str, role_arn: str, session: str) -> str:
    return f"arn:aws:sts::{account}:assumed-role/{role_name(role_arn)}/{session}"


def _reason(decision: Decision, action: str) -> str:
    if decision.effect is Effect.EXPLICIT_DENY:
        article = "an" if decision.policy_kind.startswith("identity") else "a"
        return f"with an explicit deny in {article} {decision.policy_kind} policy"
    if decision.effect is Effect.UNSUPPORTED:
        keys = ", ".join(decision.unsupported)
        return (
            f"because a statement that applies has a condition the local cloud cannot evaluate ({keys}; "
            f"supported keys: {', '.join(SUPPORTED)})"
        )
    return f"because no {decision.policy_kind} policy allows the {action} action"
