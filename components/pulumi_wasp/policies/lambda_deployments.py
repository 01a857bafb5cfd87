"""Lambda aliases and deployments: invokers of an aliased function go through the alias, and the functions behind
an API in production shift traffic to a new version gradually (CodeDeploy), with rollback.

A function "has a live alias" when an ``aws.lambda_.Alias`` in the stack names it (``functionName``). The alias
is what provisioned concurrency warms and what CodeDeploy moves; an invoker of the unqualified function
(``$LATEST``) bypasses both: it runs whatever was last uploaded, cold, while a canary is meant to be in progress.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from pulumi_wasp.adapters.pulumi_policy import UnknownValueError

from .apigateway import api_integrations
from .aws_types import (
    ALIAS,
    BUCKET_NOTIFICATION,
    DEPLOYMENT_GROUP,
    EVENT_SOURCE_MAPPING,
    EVENT_TARGET,
    FUNCTION,
    HTTP_API_INTEGRATION,
    INTEGRATION,
    INVOKE_CONFIG,
    LAMBDA_DEPLOYMENT,
    PERMISSION,
    ROLE,
    SCHEDULE,
    STATE_MACHINE,
    SUBSCRIPTION,
)
from .common import (
    ADVISORY,
    MANDATORY,
    Config,
    Finding,
    NotEvaluated,
    Res,
    Stack,
    Text,
    environment_of,
    environments_config,
    in_environments,
    json_doc,
    show,
    stack_rule,
    violation,
)
from .lambda_rules import aliases_of, role_documents, statement_covers, statements_of
from .stepfunctions import task_states

#: The property through which each kind of invoker names the function it invokes, and what to call it.
INVOKERS: dict[str, tuple[str, str]] = {
    EVENT_SOURCE_MAPPING: ("functionName", "event source mapping"),
    INTEGRATION: ("uri", "API Gateway integration"),
    HTTP_API_INTEGRATION: ("integrationUri", "HTTP API integration"),
    PERMISSION: ("function", "permission"),
    EVENT_TARGET: ("arn", "EventBridge rule target"),
    SCHEDULE: ("target", "schedule"),
    SUBSCRIPTION: ("endpoint", "SNS subscription"),
    BUCKET_NOTIFICATION: ("lambdaFunctions", "S3 notification"),
    INVOKE_CONFIG: ("destinationConfig", "Lambda destination"),
    STATE_MACHINE: ("definition", "state machine"),
}
#: Invokers that name the function and choose the alias with a separate ``qualifier``. A FunctionEventInvokeConfig
#: also configures the function's own asynchronous invocations: unqualified, it applies to ``$LATEST`` only.
QUALIFIED_BY = {PERMISSION: "function", INVOKE_CONFIG: "functionName"}
ALL_AT_ONCE = "CodeDeployDefault.LambdaAllAtOnce"
#: A Task's Resource invoking the function its ``FunctionName`` (Parameters, or Arguments under JSONata) names:
#: the optimised integration, with or without a callback token
#: (https://docs.aws.amazon.com/step-functions/latest/dg/connect-lambda.html).
_LAMBDA_INVOKE = re.compile(r"^arn:aws[a-z-]*:states:::lambda:invoke(\.waitForTaskToken)?$")
#: A Task's Resource that is the function's ARN itself (the legacy integration, invoked as the ARN says).
_FUNCTION_ARN = re.compile(r"^arn:aws[a-z-]*:lambda:[^:]*:[^:]*:function:")


def _through_alias(stack: Stack, invoker: Res, prop: str, aliases: list[Res]) -> bool:
    """``invoker.prop`` names one of ``aliases`` (its ARN, its invoke ARN, or as the qualifier)."""
    urns = {alias.urn for alias in aliases}
    if any(hit.urn in urns for hit in stack.mentions(invoker, prop, ALIAS)):
        return True
    if invoker.type in QUALIFIED_BY and prop == QUALIFIED_BY[invoker.type]:
        qualifier = invoker.get("qualifier")
        return qualifier is not None and qualifier in {alias.known("name") for alias in aliases}
    return False


def _task_function(state: dict[str, object]) -> str | None:
    """The function a Task state invokes as its definition names it (ARN, partial ARN or name, maybe qualified),
    or None: another service, or a name chosen at run time (``FunctionName.$``, a JSONata expression)."""
    resource = state.get("Resource")
    if not isinstance(resource, str):
        return None
    if _FUNCTION_ARN.match(resource):
        return resource
    if not _LAMBDA_INVOKE.match(resource):
        return None
    for key in ("Parameters", "Arguments"):
        arguments = state.get(key)
        if isinstance(arguments, dict) and isinstance(arguments.get("FunctionName"), str):
            return str(arguments["FunctionName"])
    return None


def _qualifier_of(target: str, fn: Res) -> tuple[bool, str | None]:
    """Whether ``target`` (a FunctionName: name, ARN or partial ARN ``<account>:function:<name>``, each with an
    optional ``:<qualifier>``) names ``fn``, and the qualifier it gives (None: unqualified)."""
    parts = target.split(":")
    arn = str(fn.known("arn"))
    if parts[0] == "arn":
        return ":".join(parts[:7]) == arn, parts[7] if len(parts) > 7 else None
    if len(parts) >= 3 and parts[1] == "function":
        return f"{parts[0]}:function:{parts[2]}" == arn.split(":", 4)[-1], parts[3] if len(parts) > 3 else None
    return parts[0] == fn.known("name"), parts[1] if len(parts) > 1 else None


def _bypassing_tasks(machine: Res, fn: Res) -> Iterator[tuple[str, str | None]]:
    """(state path, qualifier) for each Task of ``machine``'s definition, Parallel branches and Map processors
    included, that invokes ``fn`` unqualified or as ``$LATEST``."""
    definition = json_doc(machine.get("definition"))
    if not isinstance(definition, dict):
        return
    for path, state in task_states(definition.get("States")):
        target = _task_function(state)
        if target is None:
            continue
        names_fn, qualifier = _qualifier_of(target, fn)
        if names_fn and qualifier in (None, "$LATEST"):
            yield path, qualifier


def _bypasses(stack: Stack, fn: Res, aliases: list[Res]) -> Iterator[tuple[str, str | None]]:
    """(the invoker, what and where it is; the qualifier it names) for each invoker that names ``fn`` but none of
    its aliases."""
    for invoker, prop in stack.referrers(fn, *INVOKERS):
        invoking, kind = INVOKERS[invoker.type]
        if invoker.type == INVOKE_CONFIG and prop == "functionName":
            kind = "invoke config (the function's own asynchronous invocations)"
        elif prop != invoking:
            continue
        invoker.get(prop)  # an unknown value: not evaluated
        if invoker.type == STATE_MACHINE:
            # A definition names the alias and the function alike (an alias's ARN is the function's plus
            # ":<name>"): each Task is judged by the function it invokes.
            for path, qualifier in _bypassing_tasks(invoker, fn):
                yield f"{kind} {invoker.name} (definition {path})", qualifier
        elif not _through_alias(stack, invoker, prop, aliases):
            qualifier = invoker.get("qualifier") if invoker.type in QUALIFIED_BY else None
            yield f"{kind} {invoker.name} ({prop})", qualifier


@stack_rule(
    "lambda-alias-invocation",
    types=[FUNCTION],
    description="What invokes a function that has a live alias targets the alias, never the unqualified function "
    "($LATEST): event source mappings, API integrations, permissions, rule targets, schedules, SNS subscriptions, "
    "S3 notifications, Lambda destinations and state machines' Task states. Why: the alias is what CodeDeploy shifts and provisioned "
    "concurrency warms; $LATEST runs the last upload, untested and cold, and a rollback never reaches it.",
    level=MANDATORY,
    fix="Invoke the alias: its ARN (alias.arn) for mappings, targets, schedules, subscriptions, notifications and "
    "destinations, alias.invoke_arn as an integration's URI, qualifier=alias.name on permissions and invoke "
    "configs, alias.arn as a Task's FunctionName (ServerlessFunction.target does all of it).",
    pillar="reliability",
    anchors="none (SAM AutoPublishAlias wires every event source to the alias)",
)
def alias_invocation(stack: Stack, config: Config) -> Iterator[Finding]:
    def check(fn: Res) -> Iterator[str]:
        aliases = aliases_of(stack, fn)
        if not aliases:
            return
        names = sorted(str(alias.known("name")) for alias in aliases)
        for where, found in _bypasses(stack, fn, aliases):
            yield violation(
                fn,
                where,
                found if found else Text("the unqualified function ($LATEST)"),
                f"the alias {show(names[0] if len(names) == 1 else names)}",
                "target the alias: its ARN or invoke ARN, or qualifier=<alias name> on permissions and invoke configs",
            )

    return stack.each([FUNCTION], check)


class _UpdatingGroups:
    """The CodeDeploy deployment groups with the policy documents of their service roles, read once per analysis
    of the stack rather than once per alias; and the groups whose role's policies are not known yet (any of them
    may move any alias)."""

    def __init__(self, stack: Stack) -> None:
        self.stack = stack
        self.documents: list[tuple[Res, list[object]]] | None = None
        self.unknown: list[tuple[Res, UnknownValueError | NotEvaluated]] = []

    def of(self, alias: Res) -> list[Res]:
        """The groups whose role is known to be allowed lambda:UpdateAlias on ``alias``."""
        if self.documents is None:
            self.documents = self._read()
        arn = alias.get("arn")
        if not isinstance(arn, str):
            return []
        return [group for group, docs in self.documents if _may_update(docs, arn)]

    def _read(self) -> list[tuple[Res, list[object]]]:
        # Read on the first alias that needs it: a stack without production API functions never reads a role.
        stack = self.stack
        documents: list[tuple[Res, list[object]]] = []
        for group in stack.of_type(DEPLOYMENT_GROUP):
            try:
                docs = [
                    doc
                    for role in stack.targets(group, "serviceRoleArn", ROLE)
                    for _, doc in role_documents(stack, role)
                ]
            except (UnknownValueError, NotEvaluated) as exc:
                self.unknown.append((group, exc))
                continue
            documents.append((group, docs))
        return documents


def _may_update(docs: list[object], alias_arn: str) -> bool:
    """The role's policy documents allow lambda:UpdateAlias on the alias and no Deny without a Condition
    refuses it (an explicit Deny wins: https://docs.aws.amazon.com/IAM/latest/UserGuide/
    reference_policies_evaluation-logic.html). A conditional Deny is taken not to apply."""
    statements = [
        statement
        for doc in docs
        for statement in statements_of(doc)
        if statement_covers(statement, "lambda:UpdateAlias", alias_arn)
    ]
    denied = any(s.get("Effect") == "Deny" and not s.get("Condition") for s in statements)
    return not denied and any(s.get("Effect") == "Allow" for s in statements)


def _deployment_groups(stack: Stack, fn: Res, alias: Res, updating: _UpdatingGroups) -> list[Res]:
    """CodeDeploy deployment groups that move ``alias``: named by a LambdaDeployment of the alias (the toolkit's),
    or whose service role may update the alias by its ARN (a deployment run from elsewhere)."""
    groups: list[Res] = []
    for deployment, prop in stack.referrers(alias, LAMBDA_DEPLOYMENT):
        if prop == "alias_name" and fn in stack.mentions(deployment, "function_name", FUNCTION):
            groups += stack.mentions(deployment, "deployment_group_name", DEPLOYMENT_GROUP)
    groups += updating.of(alias)
    return sorted({group.urn: group for group in groups}.values(), key=lambda group: group.name)


def _undecided(groups: list[Res], unknown: list[tuple[Res, UnknownValueError | NotEvaluated]]) -> None:
    """Raise (not evaluated) when a group whose role is not known yet could change the verdict on a function
    that ``groups`` shift: when nothing else shifts it, or when that group shifts all at once and none of
    ``groups`` does. Otherwise the function is judged by the groups known to shift it."""
    if not unknown:
        return
    if not groups:
        raise unknown[0][1]
    if any(group.get("deploymentConfigName") == ALL_AT_ONCE for group in groups):
        return
    for group, exc in unknown:
        if group.get("deploymentConfigName") == ALL_AT_ONCE:
            raise exc


@stack_rule(
    "lambda-gradual-deployment",
    types=[FUNCTION],
    description="A function behind an API Gateway integration in a production stack (its environment tag) "
    "deploys gradually: a live alias moved by a CodeDeploy deployment group with a canary or linear shift. Why: "
    "all at once, a faulty version answers every request until someone notices; a canary exposes a share of the "
    "traffic and rolls back on the alias's alarms.",
    level=ADVISORY,
    fix="Give the function an alias with a gradual deployment: ServerlessFunctionArgs(alias=AliasArgs("
    "deployment=GradualDeploymentArgs())) (canary 10 % for 5 minutes, rollback on the alias's error alarm).",
    pillar="reliability",
    anchors="SAM DeploymentPreference, CDK LambdaDeploymentGroup",
    config=environments_config("functions"),
)
def gradual_deployment(stack: Stack, config: Config) -> Iterator[Finding]:
    updating = _UpdatingGroups(stack)

    def check(fn: Res) -> Iterator[str]:
        aliases = aliases_of(stack, fn)
        integrations = api_integrations(stack, fn, aliases)
        if not integrations:
            return  # first, so that an unknown environment tag leaves only the functions it judges not evaluated
        environment = environment_of(fn, config["environment_tag"])
        if not in_environments(environment, config):
            return
        behind = f"behind {', '.join(i.name for i in integrations)} in environment {environment!r}"
        if not aliases:
            yield violation(
                fn,
                "alias",
                None,
                f"a live alias that CodeDeploy shifts gradually ({behind})",
                "set ServerlessFunctionArgs.alias=AliasArgs(deployment=GradualDeploymentArgs())",
            )
            return
        groups = [group for alias in aliases for group in _deployment_groups(stack, fn, alias, updating)]
        _undecided(groups, updating.unknown)
        if not groups:
            names = ", ".join(alias.name for alias in aliases)
            yield violation(
                fn,
                f"CodeDeploy deployment group of alias {names}",
                None,
                f"a deployment group that shifts the alias to each new version ({behind})",
                "set AliasArgs.deployment=GradualDeploymentArgs() (or deploy the alias through a deployment group "
                "whose service role may lambda:UpdateAlias it)",
            )
        for group in groups:
            if group.get("deploymentConfigName") == ALL_AT_ONCE:
                yield violation(
                    group,
                    "deploymentConfigName",
                    ALL_AT_ONCE,
                    f"a canary or linear shift ({behind})",
                    "use CodeDeployDefault.LambdaCanary10Percent5Minutes or a TrafficShift",
                )

    return stack.each([FUNCTION], check)


RULES = (alias_invocation, gradual_deployment)
