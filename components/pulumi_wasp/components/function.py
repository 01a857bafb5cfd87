"""ServerlessFunction: the Lambda baseline every other component builds on."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import pulumi
from pulumi_aws import cloudwatch, lambda_, sqs
from pulumi_aws import iam as iam_resources

from pulumi_wasp.components import defaults
from pulumi_wasp.components.live_alias import AliasArgs, LiveAlias, live_alias
from pulumi_wasp.components.queue import ExistingQueue, adopt_dead_letter_queue
from pulumi_wasp.components.shared import children, iam, names
from pulumi_wasp.components.shared.account import aws_region
from pulumi_wasp.components.shared.alarms import AlarmSpec, metric_alarm
from pulumi_wasp.components.shared.context import StackContext, current_stack_context
from pulumi_wasp.components.shared.kms import KeyPolicyGrant, customer_key_arn, log_group_key_policy
from pulumi_wasp.components.shared.logs import log_group
from pulumi_wasp.components.shared.queues import dead_letter_queue, sender_statements
from pulumi_wasp.components.shared.tokens import component_type

_HANDLER = re.compile(r"^[A-Za-z_][\w.]*\.[A-Za-z_]\w*$")


@dataclass(kw_only=True)
class AsyncInvokeArgs:
    """How Lambda treats asynchronous invocations (EventBridge, SNS, S3, schedules).

    Failed events go to an SQS dead-letter queue this component creates, with an alarm.
    """

    #: Retries after a failed async invocation (defaults.ASYNC_MAX_RETRIES = 2, Lambda's maximum).
    max_retries: int = defaults.ASYNC_MAX_RETRIES
    #: Events older than this are not retried but sent to the DLQ (defaults: one hour).
    max_event_age_seconds: int = defaults.ASYNC_MAX_EVENT_AGE_SECONDS
    #: Keyword arguments of ``aws.sqs.Queue`` merged over the DLQ's defaults (``tags`` merge, other keys replace);
    #: dropping its encryption warns naming sqs-encryption. A ``kms_master_key_id`` (a customer-managed key's ARN)
    #: is granted to the function's role through SQS (Lambda sends failed events with it).
    dlq_overrides: Mapping[str, Any] = field(default_factory=dict)
    #: A standard queue the component does not create for the failed events (an ``aws.sqs.Queue``, or ARN and URL;
    #: see :class:`ExistingQueue`): the function's role is granted send on it (and its ``kms_key_arn`` through SQS),
    #: and its depth is still alarmed on. Lambda sends to standard queues only
    #: (https://docs.aws.amazon.com/lambda/latest/dg/invocation-async-retain-records.html): a queue known to be
    #: FIFO fails.
    existing_dlq: ExistingQueue | None = None

    def __post_init__(self) -> None:
        if self.existing_dlq is not None:
            self.existing_dlq.validate("AsyncInvokeArgs.existing_dlq")
            if self.dlq_overrides:
                raise ValueError(
                    "AsyncInvokeArgs.dlq_overrides apply to a DLQ the function creates, not to existing_dlq"
                )
            if self.existing_dlq.dead_letter_queue or self.existing_dlq.dlq_overrides or self.existing_dlq.is_fifo:
                raise ValueError(
                    "AsyncInvokeArgs.existing_dlq must be a standard queue without dead_letter_queue or dlq_overrides "
                    "(those apply to a queue a component consumes)"
                )
        if not 0 <= self.max_retries <= 2:
            raise ValueError(f"AsyncInvokeArgs.max_retries must be 0..2 (Lambda's limit), got {self.max_retries}")
        if not 60 <= self.max_event_age_seconds <= 21600:
            raise ValueError(
                f"AsyncInvokeArgs.max_event_age_seconds must be 60..21600, got {self.max_event_age_seconds}"
            )


@dataclass(kw_only=True)
class VpcArgs:
    """The subnets and security groups a function reaches private resources through.

    The role is granted what Lambda needs to manage the function's network interfaces (AWS's
    AWSLambdaVPCAccessExecutionRole, confined to these subnets and groups: :func:`iam.lambda_vpc_access`).
    The subnets and groups must be in the deploying account and the stack's region.
    """

    #: At least one, in two or more Availability Zones for a function that must survive a zone's loss.
    subnet_ids: Sequence[pulumi.Input[str]]
    #: At least one; their egress rules decide what the function can reach.
    security_group_ids: Sequence[pulumi.Input[str]]
    #: Allow IPv6 traffic on dual-stack subnets (Lambda's default False: IPv4 only).
    ipv6_allowed_for_dual_stack: bool = False

    def validate(self) -> None:
        if isinstance(self.subnet_ids, str) or not self.subnet_ids:
            raise ValueError("VpcArgs.subnet_ids must be a non-empty list of subnet ids")
        if isinstance(self.security_group_ids, str) or not self.security_group_ids:
            raise ValueError("VpcArgs.security_group_ids must be a non-empty list of security group ids")
        if len(self.subnet_ids) > 16 or len(self.security_group_ids) > 5:
            raise ValueError(
                "VpcArgs: Lambda takes at most 16 subnets and 5 security groups, got "
                f"{len(self.subnet_ids)} and {len(self.security_group_ids)}"
            )


@dataclass(kw_only=True)
class ServerlessFunctionArgs:
    """Arguments of :class:`ServerlessFunction`; every default is Well-Architected and overridable."""

    #: ``module.attribute`` inside the archive, e.g. ``orders_api.api.handler``: the module must be in one of the
    #: ``code`` directories (each packaged under its own name), else synthesis fails naming the module, since
    #: Lambda would fail every invocation with Runtime.ImportModuleError (not checked with ``layers`` of yours).
    handler: str
    #: Directories packaged at the archive root under their own names (only this function's
    #: code and its shared modules), or a ready ``pulumi.Archive`` as an escape hatch.
    code: Sequence[str] | pulumi.Archive
    #: defaults.FUNCTION_RUNTIME: the newest Python with a Powertools layer.
    runtime: str = defaults.FUNCTION_RUNTIME
    #: defaults.FUNCTION_ARCHITECTURE (arm64, Graviton): cheaper and usually faster.
    architecture: str = defaults.FUNCTION_ARCHITECTURE
    #: defaults.FUNCTION_MEMORY_MB (256): enough CPU share for short cold starts.
    memory_mb: int = defaults.FUNCTION_MEMORY_MB
    #: defaults.FUNCTION_TIMEOUT_SECONDS (10): fail fast; ≤ 29 s behind an API.
    timeout_seconds: int = defaults.FUNCTION_TIMEOUT_SECONDS
    #: defaults.RESERVED_CONCURRENCY (10): caps the blast radius of a hot path. Zero throttles
    #: every invocation, so it needs ``allow_zero_concurrency`` (a deliberate kill switch).
    reserved_concurrency: int = defaults.RESERVED_CONCURRENCY
    allow_zero_concurrency: bool = False
    #: Environment of the handler; the POWERTOOLS_* variables are added by the component.
    environment: Mapping[str, pulumi.Input[str]] = field(default_factory=dict)
    #: Least-privilege statements for what the function is wired to (see shared.iam).
    permissions: Sequence[iam.Statement] = ()
    #: POWERTOOLS_SERVICE_NAME; the component's name when empty.
    service_name: str = ""
    #: Adds the AWS-managed Powertools layer for the region, runtime and architecture.
    powertools_layer: bool = True
    #: Further layer ARNs (with any, the handler may come from one, e.g. a vendor's wrapper: it is not checked).
    layers: Sequence[pulumi.Input[str]] = ()
    #: Set when the function is an async target; creates the invoke config and its DLQ.
    async_invoke: AsyncInvokeArgs | None = None
    #: The function sits behind API Gateway, whose 29 s integration timeout caps ``timeout_seconds``.
    behind_api: bool = False
    #: Errors > 0 and Throttles > 0 alarms to the stack's alarm topic.
    alarms: bool = True
    #: Log retention; the stack context's (14 days in dev, 90 in prod) when None.
    log_retention_days: int | None = None
    #: The function's description in the console (none when empty: the name and tags already say what it is).
    description: str = ""
    #: Size of ``/tmp`` in MB, 512..10240; None keeps Lambda's 512 MB, the part that costs nothing extra.
    ephemeral_storage_mb: int | None = None
    #: Attach the function to a VPC (None: Lambda's own network, no network interfaces to manage).
    vpc: VpcArgs | None = None
    #: Publish a version on every change and keep an alias on the one in service: every mapping, integration,
    #: permission, schedule, rule target and destination the components wire then invokes the alias. Needed for
    #: provisioned concurrency and gradual deployment (see :class:`AliasArgs`). Default None, off: every change
    #: then keeps another version (Lambda keeps them until deleted; they count against the account's 75 GB code
    #: storage) and a function nothing deploys gradually gains nothing from it.
    alias: AliasArgs | None = None
    #: The ARN of a customer-managed key for the function's log group and its environment variables. Default None:
    #: AWS-managed encryption for both (no key policy to keep, no KMS cost). The role is granted ``kms:Decrypt``
    #: through Lambda (for the variables); the key policy is yours and must let CloudWatch Logs use the key for the
    #: log group: the component cannot edit it, logs so and lists the statement in ``required_key_policy``.
    kms_key_arn: pulumi.Input[str] | None = None
    tags: Mapping[str, str] = field(default_factory=dict)
    #: The stack context; the one set with ``use_stack_context`` when None.
    context: StackContext | None = None
    #: Keyword arguments of ``aws.lambda_.Function`` merged over the component's (``tags`` and
    #: ``environment.variables`` merge, other keys replace). An unknown key is an error; weakening a
    #: Well-Architected default (tracing, reserved concurrency, arm64) warns naming the rule that will flag it.
    overrides: Mapping[str, Any] = field(default_factory=dict)
    #: Keyword arguments of ``aws.cloudwatch.LogGroup`` for the function's log group, merged the same way.
    log_group_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self) -> None:
        if not _HANDLER.match(self.handler):
            raise ValueError(f"ServerlessFunctionArgs.handler must be 'module.attribute', got {self.handler!r}")
        if isinstance(self.code, str):
            raise ValueError(f"ServerlessFunctionArgs.code must be a list of directories, got the string {self.code!r}")
        if not isinstance(self.code, pulumi.Archive):
            if not self.code:
                raise ValueError("ServerlessFunctionArgs.code must name at least one directory")
            for path in self.code:
                if not Path(path).is_dir():
                    raise ValueError(
                        f"ServerlessFunctionArgs.code: {path!r} is not a directory (relative to {os.getcwd()})"
                    )
            if not self.layers:  # a layer of the caller's may hold the handler (a vendor's wrapper does)
                _check_handler_module(self.handler, self.code)
        low, high = defaults.FUNCTION_MEMORY_RANGE_MB
        if not low <= self.memory_mb <= high:
            raise ValueError(f"ServerlessFunctionArgs.memory_mb must be {low}..{high} MB, got {self.memory_mb}")
        limit = defaults.API_FUNCTION_MAX_TIMEOUT_SECONDS if self.behind_api else defaults.FUNCTION_TIMEOUT_MAX_SECONDS
        if not 1 <= self.timeout_seconds <= limit:
            why = " (API Gateway's integration timeout)" if self.behind_api else ""
            raise ValueError(
                f"ServerlessFunctionArgs.timeout_seconds must be 1..{limit}{why}, got {self.timeout_seconds}"
            )
        if self.reserved_concurrency < 0:
            raise ValueError(
                f"ServerlessFunctionArgs.reserved_concurrency must be ≥ 0, got {self.reserved_concurrency}"
            )
        if self.reserved_concurrency == 0 and not self.allow_zero_concurrency:
            raise ValueError(
                "ServerlessFunctionArgs.reserved_concurrency is 0, which throttles every invocation; "
                "set allow_zero_concurrency=True if that kill switch is what you want"
            )
        if self.architecture not in ("arm64", "x86_64"):
            raise ValueError(
                f"ServerlessFunctionArgs.architecture must be 'arm64' or 'x86_64', got {self.architecture!r}"
            )
        if len(self.description) > 256:
            raise ValueError(
                f"ServerlessFunctionArgs.description has at most 256 characters, got {len(self.description)}"
            )
        if self.ephemeral_storage_mb is not None and not 512 <= self.ephemeral_storage_mb <= 10240:
            raise ValueError(
                f"ServerlessFunctionArgs.ephemeral_storage_mb must be 512..10240, got {self.ephemeral_storage_mb}"
            )
        if self.vpc is not None:
            self.vpc.validate()
        customer_key_arn(self.kms_key_arn, "ServerlessFunctionArgs.kms_key_arn")
        if self.alias is not None:
            self.alias.validate(self.reserved_concurrency)
            deployment = self.alias.deployment
            for hook in (deployment.pre_traffic_hook, deployment.post_traffic_hook) if deployment else ():
                if hook is not None and hook.alias is not None:
                    raise ValueError(
                        "ServerlessFunctionArgs.alias.deployment: a hook function has no alias of its own "
                        "(CodeDeploy invokes it by name); leave its alias None"
                    )


@dataclass(frozen=True, kw_only=True)
class ExistingFunction:
    """A function the component does not create: a :class:`ServerlessFunction`, an ``aws.lambda_.Function``, or
    its ARN. Nothing is looked up.

    Its role is not the component's: given ``role`` the component attaches what it needs as a role policy of its
    own on that role; given none it grants nothing, warns, and lists the statements the caller must grant in the
    component's ``required_statements``. From a resource the component reads the function's timeout (to derive or
    check a queue's visibility timeout); from a bare ARN it checks nothing unless ``timeout_seconds`` is given.
    """

    function: ServerlessFunction | lambda_.Function | None = None
    arn: pulumi.Input[str] | None = None
    #: The function's execution role: the resource, its name or its ARN (e.g. ``role=fn.role``).
    role: iam_resources.Role | pulumi.Input[str] | None = None
    #: With a bare ARN: the function's timeout, for what the component derives from it.
    timeout_seconds: int | None = None

    def validate(self, arg: str) -> None:
        if (self.function is None) == (self.arn is None):
            raise ValueError(f"{arg}: give function= (a resource) or arn=, not both and not neither")
        if self.function is not None and self.timeout_seconds is not None:
            raise ValueError(f"{arg}.timeout_seconds is read from the function resource; set it only with arn=")

    @property
    def function_arn(self) -> pulumi.Input[str]:
        """What the component invokes: a ServerlessFunction's :attr:`~ServerlessFunction.target` (its alias when
        it has one), a plain function resource's ARN, or the ARN given (qualify it to target an alias)."""
        if isinstance(self.function, ServerlessFunction):
            return self.function.target.arn
        return self.function.arn if self.function is not None else self.arn  # type: ignore[return-value]

    @property
    def function_name(self) -> pulumi.Output[str]:
        """The function's name: the resource's, or the ARN's seventh field
        (``arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]``)."""
        if self.function is not None:
            return self.function.name
        arn: pulumi.Output[str] = pulumi.Output.from_input(self.arn)  # type: ignore[arg-type]
        return arn.apply(lambda value: value.split(":")[6])

    def timeout(self) -> pulumi.Input[int] | None:
        """The function's timeout: plain for a ServerlessFunction, an Output for an aws.lambda_.Function (Lambda's
        default 3 s when it set none), ``timeout_seconds`` for a bare ARN."""
        if isinstance(self.function, ServerlessFunction):
            return self.function.args.timeout_seconds
        if isinstance(self.function, lambda_.Function):
            return self.function.timeout.apply(lambda seconds: 3 if seconds is None else seconds)
        return self.timeout_seconds


def grant_to_existing(
    name: str, existing: ExistingFunction, statements: Sequence[iam.Statement], *, parent: pulumi.Resource, arg: str
) -> list[iam.Statement]:
    """Grant ``statements`` to an existing function's role (a role policy of the component's), or, without a role,
    warn and return them: the statements the caller must grant."""
    if existing.role is not None:
        iam.role_policy_on(name, existing.role, statements, parent=parent)
        return []
    actions = sorted({action for statement in statements for action in statement["Action"]})
    pulumi.log.warn(
        f"{arg} has no role: grant the function {actions} yourself (see the component's required_statements), "
        "or give ExistingFunction(role=...) and the component attaches them"
    )
    return list(statements)


def check_async_failures(owner: str, arg: str, existing: ExistingFunction, what: str) -> None:
    """Say what a component invoking ``existing`` asynchronously can tell of where the ``what`` that fail in it go:
    its async invoke config is the function's own, not the component's (one per function and qualifier)."""
    if existing.function is None:
        children.not_checked(owner, f"where the function sends {what} that fail in it (its async invoke config)")
    elif isinstance(existing.function, ServerlessFunction) and existing.function.dlq_arn is None:
        pulumi.log.warn(
            f"{arg} of {owner} is a ServerlessFunction without async_invoke: {what} that fail in it are "
            "dropped after Lambda's retries; the policy rule lambda-async-failure-destination will flag it"
        )


def powertools_layer_arn(region: str, runtime: str, architecture: str, version: int) -> str:
    flavour = runtime.replace(".", "")
    return f"arn:aws:lambda:{region}:{defaults.POWERTOOLS_LAYER_ACCOUNT}:layer:AWSLambdaPowertoolsPythonV3-{flavour}-{architecture}:{version}"


def _check_handler_module(handler: str, code: Sequence[str]) -> None:
    """Fail when the handler's module is in none of the code directories, as each is packaged under its own name
    (Lambda would answer Runtime.ImportModuleError to every invocation), suggesting the handler of a file of that
    name if one of them holds it."""
    module, attribute = handler.rsplit(".", 1)
    parts = module.split(".")
    for path in code:
        root = Path(path)
        if root.name != parts[0]:
            continue
        inner = root.joinpath(*parts[1:])
        if (inner / "__init__.py").is_file() or (len(parts) > 1 and inner.with_suffix(".py").is_file()):
            return
    found = sorted(
        ".".join((Path(path).name, *file.relative_to(path).with_suffix("").parts))
        for path in code
        for file in Path(path).rglob(f"{parts[-1]}.py")
    )
    hint = f": did you mean {found[0] + '.' + attribute!r}?" if found else ""
    names = [Path(path).name for path in code]
    raise ValueError(
        f"ServerlessFunctionArgs.handler {handler!r}: module {module!r} is in none of the code directories "
        f"(each is packaged under its own name: {names}){hint}"
    )


def _archive(code: Sequence[str] | pulumi.Archive) -> pulumi.Archive:
    if isinstance(code, pulumi.Archive):
        return code
    return pulumi.AssetArchive({Path(path).name: pulumi.FileArchive(path) for path in code})


def _vpc_config(vpc: VpcArgs | None) -> dict[str, Any] | None:
    if vpc is None:
        return None
    config: dict[str, Any] = {"subnet_ids": list(vpc.subnet_ids), "security_group_ids": list(vpc.security_group_ids)}
    if vpc.ipv6_allowed_for_dual_stack:
        config["ipv6_allowed_for_dual_stack"] = True
    return config


@dataclass(frozen=True)
class InvokeTarget:
    """What invokers of a function name: its live alias when it publishes versions, else the function itself
    (``$LATEST``). Every component wires invokers through it, so none reaches ``$LATEST`` behind an alias."""

    #: The alias ARN (qualified) or the function ARN: event source mappings, rule and schedule targets,
    #: S3 notifications, Step Functions tasks, IAM invoke grants.
    arn: pulumi.Output[str]
    #: API Gateway's integration URI for it.
    invoke_arn: pulumi.Output[str]
    #: The function's name, and the alias name as the qualifier of a permission (None: unqualified).
    function_name: pulumi.Output[str]
    qualifier: pulumi.Output[str] | None

    @classmethod
    def of(cls, function: ServerlessFunction | lambda_.Function | pulumi.Input[str]) -> InvokeTarget:
        """A ServerlessFunction's :attr:`~ServerlessFunction.target`, or a target for a function ARN given as is
        (a qualified ARN targets that alias or version)."""
        if isinstance(function, ServerlessFunction):
            return function.target
        arn = pulumi.Output.from_input(target_arn(function))
        region = arn.apply(lambda value: value.split(":")[3])
        invoke = pulumi.Output.concat(
            "arn:aws:apigateway:", region, ":lambda:path/2015-03-31/functions/", arn, "/invocations"
        )
        return cls(arn, invoke, arn, None)


def target_arn(function: ServerlessFunction | lambda_.Function | pulumi.Input[str]) -> pulumi.Input[str]:
    """The ARN to invoke: a ServerlessFunction's :attr:`~ServerlessFunction.target` (its alias when it has one),
    a function resource's ARN, or the ARN given, as is."""
    if isinstance(function, ServerlessFunction):
        return function.target.arn
    return function.arn if isinstance(function, lambda_.Function) else function


def invoke_permission(
    name: str,
    target: InvokeTarget,
    principal: str,
    *,
    source_arn: pulumi.Input[str],
    parent: pulumi.Resource,
    source_account: pulumi.Input[str] | None = None,
    depends_on: Sequence[pulumi.Resource] = (),
) -> lambda_.Permission:
    """Let ``principal`` invoke ``target`` (the alias, when there is one) from ``source_arn`` only."""
    return lambda_.Permission(
        name,
        action="lambda:InvokeFunction",
        function=target.function_name,
        qualifier=target.qualifier,
        principal=principal,
        source_arn=source_arn,
        source_account=source_account,
        opts=pulumi.ResourceOptions(parent=parent, depends_on=list(depends_on)),
    )


class ServerlessFunction(pulumi.ComponentResource):
    """A Lambda function with its own role, log group, alarms and (for async targets) DLQ.

    Outputs: ``arn`` and ``name`` are the function's (no function URL is created, so no ``url``);
    ``invoke_arn`` (for API Gateway), ``role_arn`` and ``log_group`` (its name) besides, and ``target_arn``:
    what invokers target (:attr:`target`, the alias with ``alias=``).

    Example::

        fn = ServerlessFunction("orders-api", ServerlessFunctionArgs(
            handler="orders_api.api.handler", code=["lambdas/orders_api", "lambdas/shared"],
            permissions=[*iam.dynamodb_read_write(table.arn)], behind_api=True))
    """

    function: lambda_.Function
    role: iam_resources.Role
    log_group: cloudwatch.LogGroup
    #: The DLQ the function created for its failed async events (None without ``async_invoke`` or with its
    #: ``existing_dlq``).
    dlq: sqs.Queue | None
    #: Where failed async events go, created or existing (None without ``async_invoke``), and its URL.
    dlq_arn: pulumi.Output[str] | None
    dlq_url: pulumi.Output[str] | None
    #: The customer-managed key of the DLQ (an ``AsyncInvokeArgs.dlq_overrides`` key or the existing DLQ's
    #: ``kms_key_arn``), else None.
    dlq_kms_key_arn: pulumi.Input[str] | None
    arn: pulumi.Output[str]
    name: pulumi.Output[str]
    invoke_arn: pulumi.Output[str]
    #: The alias, provisioned concurrency, scaling and CodeDeploy resources (None without ``alias``).
    live: LiveAlias | None
    #: What every invoker targets: the alias when there is one (see :class:`InvokeTarget`).
    target: InvokeTarget
    #: With ``kms_key_arn``: the statements its key policy needs (CloudWatch Logs for the log group), else empty.
    required_key_policy: list[KeyPolicyGrant]

    def __init__(self, name: str, args: ServerlessFunctionArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        token, opts = component_type("function", "ServerlessFunction", opts)
        super().__init__(token, name, None, opts)
        args.validate()
        context = args.context or current_stack_context()
        tags = context.tags_for(args.tags)
        child = pulumi.ResourceOptions(parent=self)
        self.args = args

        function_name = context.physical_name(name, names.LAMBDA_FUNCTION)
        key_arn = customer_key_arn(args.kms_key_arn, "ServerlessFunctionArgs.kms_key_arn")
        # Created before the function, so Lambda never creates an unmanaged, never-expiring group.
        self.log_group = log_group(
            name,
            f"/aws/lambda/{function_name}",
            context=context,
            parent=self,
            tags=tags,
            retention_days=args.log_retention_days,
            overrides=args.log_group_overrides,
            overrides_arg="ServerlessFunctionArgs.log_group_overrides",
            kms_key_id=key_arn,
        )

        permissions = iam.flattened(args.permissions, "ServerlessFunctionArgs")
        statements = [iam.logs_write(self.log_group.arn), iam.xray_write(), *permissions]
        self.required_key_policy = []
        if key_arn is not None:
            # Lambda decrypts the environment variables with the function's role. It also grants the key to the role
            # at CreateFunction, but invocations have been denied for want of this statement (localcloud README,
            # "A function's environment key"), so the role carries it.
            statements.append(iam.kms_decrypt(key_arn, "lambda"))
            self.required_key_policy.append(
                log_group_key_policy(
                    f"ServerlessFunction {name}", "ServerlessFunctionArgs.kms_key_arn", key_arn, self.log_group.arn
                )
            )
        for grant in iam.wildcard_grants(permissions):
            pulumi.log.warn(
                f"ServerlessFunctionArgs.permissions of {name} grant {grant}, beyond the least-privilege default: "
                "the policy rule lambda-no-wildcard-iam will flag it"
            )
        if args.vpc is not None:
            statements += iam.lambda_vpc_access(
                aws_region(), iam.account_of(self.log_group.arn), args.vpc.subnet_ids, args.vpc.security_group_ids
            )
        self.dlq, self.dlq_arn, self.dlq_url, self.dlq_kms_key_arn = None, None, None, None
        existing_dlq = args.async_invoke.existing_dlq if args.async_invoke is not None else None
        if existing_dlq is not None:
            self._adopt_dlq(name, existing_dlq, context=context, tags=tags)
        elif args.async_invoke is not None:
            dlq = dead_letter_queue(
                name,
                context=context,
                parent=self,
                tags=tags,
                overrides=args.async_invoke.dlq_overrides,
                overrides_arg="AsyncInvokeArgs.dlq_overrides",
            )
            self.dlq, self.dlq_kms_key_arn = dlq.queue, dlq.key_arn
            self.dlq_arn, self.dlq_url = self.dlq.arn, self.dlq.url
        if self.dlq_arn is not None:
            # Lambda sends failed events to the DLQ with the function's role: under a key, that needs the key too.
            statements += sender_statements(self.dlq_arn, self.dlq_kms_key_arn)
        service_role = iam.service_role(name, "lambda.amazonaws.com", statements, parent=self, tags=tags)
        self.role = service_role.role

        layers = list(args.layers)
        if args.powertools_layer:
            layers.insert(
                0, powertools_layer_arn(aws_region(), args.runtime, args.architecture, context.powertools_layer_version)
            )
        environment = {
            "POWERTOOLS_SERVICE_NAME": args.service_name or name,
            "POWERTOOLS_METRICS_NAMESPACE": context.namespace,
            "POWERTOOLS_LOG_LEVEL": context.log_level,
            **args.environment,
        }
        function_defaults: dict[str, Any] = {
            "name": function_name,
            "role": self.role.arn,
            "runtime": args.runtime,
            "architectures": [args.architecture],
            "handler": args.handler,
            "code": _archive(args.code),
            "memory_size": args.memory_mb,
            "timeout": args.timeout_seconds,
            "reserved_concurrent_executions": args.reserved_concurrency,
            "layers": layers,
            "environment": {"variables": environment},
            "tracing_config": {"mode": "Active"},
            "logging_config": {"log_format": "JSON", "log_group": self.log_group.name},
            "description": args.description or None,
            "ephemeral_storage": {"size": args.ephemeral_storage_mb} if args.ephemeral_storage_mb else None,
            "vpc_config": _vpc_config(args.vpc),
            "kms_key_arn": key_arn,
            "publish": True if args.alias is not None else None,
            "tags": tags,
        }
        self.function = children.create(
            lambda_.Function,
            f"{name}-function",
            function_defaults,
            args.overrides,
            arg="ServerlessFunctionArgs.overrides",
            opts=pulumi.ResourceOptions(parent=self, depends_on=[self.log_group, service_role.policy]),
        )
        self.live = None
        if args.alias is not None:
            self.live = live_alias(
                name,
                self.function,
                args.alias,
                region=aws_region(),
                context=context,
                parent=self,
                tags=tags,
                hook=lambda suffix, hook_args, grants: self._hook(name, suffix, hook_args, grants),
            )
            alias = self.live.alias
            self.target = InvokeTarget(alias.arn, alias.invoke_arn, self.function.name, alias.name)
        else:
            self.target = InvokeTarget(self.function.arn, self.function.invoke_arn, self.function.name, None)
        if args.async_invoke is not None and self.dlq_arn is not None:
            lambda_.FunctionEventInvokeConfig(
                f"{name}-async",
                function_name=self.function.name,
                # Async invocations of the alias (schedules, rules, S3) follow the alias's configuration.
                qualifier=self.target.qualifier,
                maximum_retry_attempts=args.async_invoke.max_retries,
                maximum_event_age_in_seconds=args.async_invoke.max_event_age_seconds,
                destination_config={"on_failure": {"destination": self.dlq_arn}},
                opts=child,
            )
        if args.alarms:
            for metric in ("Errors", "Throttles"):
                spec = AlarmSpec(
                    suffix=metric.lower(),
                    metric_name=metric,
                    namespace="AWS/Lambda",
                    dimensions={"FunctionName": self.function.name},
                    threshold=0,
                    comparison="GreaterThanThreshold",
                )
                metric_alarm(name, spec, context=context, parent=self, tags=tags)

        self.arn = self.function.arn
        self.name = self.function.name
        self.invoke_arn = self.function.invoke_arn
        self.register_outputs(
            {
                "arn": self.arn,
                "name": self.name,
                "role_arn": self.role.arn,
                "log_group": self.log_group.name,
                "target_arn": self.target.arn,
            }
        )

    def _adopt_dlq(self, name: str, existing: ExistingQueue, *, context: StackContext, tags: dict[str, str]) -> None:
        """Send failed async events to an existing queue: check what is known of it, alarm on its depth."""
        owner, arg = f"ServerlessFunction {name}", "AsyncInvokeArgs.existing_dlq"
        adopted = adopt_dead_letter_queue(
            name,
            existing,
            owner=owner,
            arg=arg,
            unchecked="encryption (declare its key with kms_key_arn)",
            context=context,
            parent=self,
            tags=tags,
        )
        self.dlq_arn, self.dlq_url, self.dlq_kms_key_arn = adopted.arn, adopted.url, adopted.key_arn
        existing.check_fifo(owner, arg, fifo=False, why="Lambda sends failed events to standard queues only")

    def _hook(
        self, name: str, suffix: str, args: ServerlessFunctionArgs, grants: Sequence[iam.Statement]
    ) -> tuple[pulumi.Output[str], pulumi.Output[str]]:
        """A CodeDeploy lifecycle hook function of this one, granted ``grants``: its name and ARN."""
        hook = ServerlessFunction(
            f"{name}-{suffix}",
            replace(args, permissions=[*args.permissions, *grants], context=args.context or self.args.context),
            pulumi.ResourceOptions(parent=self),
        )
        return hook.name, hook.arn
