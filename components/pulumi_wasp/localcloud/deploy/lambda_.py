"""Lambda: functions (moto stores the zip; the runtime runs the folders it was built from), their published
versions and aliases, permissions, async invoke configs, event source mappings (recorded for the runtime's
pollers), and the CodeDeploy deployment that moves an alias to a new version (the local cloud moves it at once:
moto's CodeDeploy deployments never leave "Created")."""

from __future__ import annotations

import io
import json
import uuid
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pulumi
from botocore.exceptions import ClientError
from pulumi.runtime.mocks import MockResourceArgs

from pulumi_wasp.adapters.pulumi import dynamic_resource_type
from pulumi_wasp.localcloud.deploy.context import (
    Creator,
    DeployContext,
    Outputs,
    compact,
    integer,
    physical_name,
    tags,
    value,
)
from pulumi_wasp.localcloud.deploy.registry import AsyncConfig, FunctionSpec, MappingSpec, Skipped, parse_function_name

#: Archive root name of a function whose whole archive is one folder.
ROOT = ""


def code_folders(code: Any, program_dir: Path) -> dict[str, Path]:
    """Archive root name → folder on disk, for the archives ServerlessFunction builds (an
    AssetArchive of folders) or a single FileArchive."""
    if isinstance(code, pulumi.FileArchive):
        return {ROOT: (program_dir / code.path).resolve()}
    if isinstance(code, pulumi.AssetArchive):
        folders: dict[str, Path] = {}
        for name, item in code.assets.items():
            if not isinstance(item, (pulumi.FileArchive, pulumi.FileAsset)):
                raise ValueError(
                    f"archive entry {name!r}: only local files and folders run locally, got {type(item).__name__}"
                )
            folders[name] = (program_dir / item.path).resolve()
        return folders
    raise ValueError(f"code must be a local AssetArchive or FileArchive, got {type(code).__name__}")


def _files(folders: dict[str, Path]) -> Iterator[tuple[Path, str]]:
    for name, path in folders.items():
        if path.is_file():
            yield path, name
            continue
        for file in sorted(path.rglob("*")):
            if file.is_file() and "__pycache__" not in file.parts:
                yield file, str(Path(name) / file.relative_to(path))


def zip_bytes(folders: dict[str, Path]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for file, arcname in _files(folders):
            archive.write(file, arcname)
    return buffer.getvalue()


def function(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = physical_name(args)
    folders = code_folders(value(args, "code"), ctx.program_dir)
    environment = {k: str(v) for k, v in ((value(args, "environment") or {}).get("variables") or {}).items()}
    timeout, memory = integer(args, "timeout", 3), integer(args, "memorySize", 128)
    request = compact(
        Runtime=value(args, "runtime"),
        Handler=value(args, "handler"),
        Timeout=timeout,
        MemorySize=memory,
        Architectures=value(args, "architectures"),
        TracingConfig={"Mode": value(args, "tracingConfig")["mode"]} if value(args, "tracingConfig") else None,
        Description=value(args, "description"),
        KMSKeyArn=value(args, "kmsKeyArn"),
    )
    if request.get("KMSKeyArn"):
        _grant_environment_key(ctx, request["KMSKeyArn"], value(args, "role"), ctx.arn("lambda", f"function:{name}"))
    # Layers are left out: the emulator rejects layer versions it did not publish, and the
    # Powertools layer's code is the local environment's aws-lambda-powertools.
    lambda_ = ctx.client("lambda")
    created = lambda_.create_function(
        FunctionName=name,
        Role=value(args, "role"),
        Code={"ZipFile": zip_bytes(folders)},
        Environment={"Variables": environment},
        Tags=tags(args),
        **request,
    )
    reserved = integer(args, "reservedConcurrentExecutions")
    if reserved is not None and reserved >= 0:
        lambda_.put_function_concurrency(FunctionName=name, ReservedConcurrentExecutions=reserved)
    arn = created["FunctionArn"]
    # Lambda publishes version 1 with the function when asked (moto ignores Publish on create).
    version = lambda_.publish_version(FunctionName=name)["Version"] if value(args, "publish") else "$LATEST"
    log_group = ((value(args, "loggingConfig") or {}).get("logGroup")) or f"/aws/lambda/{name}"
    spec = FunctionSpec(
        name=name,
        arn=arn,
        handler=value(args, "handler"),
        code=folders,
        environment=environment,
        timeout_seconds=timeout or 3,
        memory_mb=memory or 128,
        reserved_concurrency=reserved if reserved is not None and reserved >= 0 else None,
        log_group=log_group,
        logical_name=args.name,
        kms_key_arn=request.get("KMSKeyArn"),
    )
    ctx.registry.record("functions", args.name, spec)
    return name, {
        "name": name,
        "arn": arn,
        "qualifiedArn": f"{arn}:{version}",
        "invokeArn": _invoke_arn(ctx, arn),
        "qualifiedInvokeArn": _invoke_arn(ctx, f"{arn}:{version}"),
        "version": version,
        "lastModified": created["LastModified"],
        "codeSha256": created["CodeSha256"],
        "sourceCodeSize": created["CodeSize"],
    }


def _grant_environment_key(ctx: DeployContext, key: str, role: str, function_arn: str) -> None:
    """What Lambda does when a function's environment variables get a customer-managed key: it grants the key to
    the execution role for Decrypt, with the deployer's ``kms:CreateGrant`` (awsdocs/aws-lambda-developer-guide#144);
    a key KMS cannot grant fails the creation with Lambda's InvalidParameterValueException ("… invalid for
    CreateGrant …", hashicorp/terraform#20813). The grant's constraint is the local cloud's choice (AWS does not
    document it): the function's encryption context. The local cloud records the grant but does not decrypt on it
    (see :meth:`~pulumi_wasp.localcloud.iam.Authorizer.check_environment_key`)."""
    kms = ctx.client("kms")
    try:
        kms.describe_key(KeyId=key)  # moto's CreateGrant fails with a 500 on a key it does not hold; KMS's is this
        kms.create_grant(
            KeyId=key,
            GranteePrincipal=role,
            Operations=["Decrypt"],
            Constraints={"EncryptionContextEquals": {"aws:lambda:FunctionArn": function_arn}},
        )
    except ClientError as error:
        refused = error.response["Error"]
        message = (
            "Lambda was unable to configure access to your environment variables because the KMS key is invalid "
            f"for CreateGrant. Please check your KMS key settings. KMS Exception: {refused.get('Code')} KMS Message: "
            f"{refused.get('Message')}"
        )
        raise ClientError(
            {"Error": {"Code": "InvalidParameterValueException", "Message": message}}, "CreateFunction"
        ) from error


def _invoke_arn(ctx: DeployContext, function_arn: str) -> str:
    return f"arn:aws:apigateway:{ctx.region}:lambda:path/2015-03-31/functions/{function_arn}/invocations"


def alias(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    """An alias in moto, weights included: an invocation of a weighted alias is served by the version the
    runtime draws for it (Runtime.version_of, runtime.routing)."""
    weights = ((value(args, "routingConfig") or {}).get("additionalVersionWeights")) or {}
    request = compact(
        Description=value(args, "description"),
        RoutingConfig={"AdditionalVersionWeights": {str(k): float(v) for k, v in weights.items()}} if weights else None,
    )
    created = ctx.client("lambda").create_alias(
        FunctionName=value(args, "functionName"),
        Name=value(args, "name"),
        FunctionVersion=str(value(args, "functionVersion")),
        **request,
    )
    arn = created["AliasArn"]
    return arn, {"arn": arn, "invokeArn": _invoke_arn(ctx, arn)}


def deployment(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    """components.shared.lambda_deployment's resource: the alias moves to the target version at once, with no
    traffic shift, hooks or alarm (listed as created with a change); on a first deploy it is already there."""
    function_name, alias_name = value(args, "function_name"), value(args, "alias_name")
    target = str(value(args, "target_version"))
    lambda_ = ctx.client("lambda")
    current = lambda_.get_alias(FunctionName=function_name, Name=alias_name)["FunctionVersion"]
    status = "NotNeeded"
    if current != target:
        lambda_.update_alias(FunctionName=function_name, Name=alias_name, FunctionVersion=target)
        status = "Succeeded"
        ctx.registry.adjust(
            Skipped(
                args.typ,
                args.name,
                f"{function_name}:{alias_name} moved from {current} to {target} at once: moto's CodeDeploy "
                "deployments never leave Created, so no traffic shift, hooks or alarm rollback run locally",
            )
        )
    outputs = {"deployment_id": "", "status": status, "current_version": target}
    return f"{function_name}:{alias_name}", outputs


def permission(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    statement_id = value(args, "statementId") or physical_name(args, "statementId")
    request = compact(
        SourceArn=value(args, "sourceArn"),
        SourceAccount=value(args, "sourceAccount"),
        Qualifier=value(args, "qualifier"),
        EventSourceToken=value(args, "eventSourceToken"),
    )
    ctx.client("lambda").add_permission(
        FunctionName=value(args, "function"),
        StatementId=statement_id,
        Action=value(args, "action"),
        Principal=value(args, "principal"),
        **request,
    )
    return statement_id, {"statementId": statement_id}


def event_invoke_config(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    name = value(args, "functionName")
    on_failure = ((value(args, "destinationConfig") or {}).get("onFailure") or {}).get("destination")
    config = AsyncConfig(
        max_retries=integer(args, "maximumRetryAttempts", 2) or 0,
        max_event_age_seconds=integer(args, "maximumEventAgeInSeconds", 21_600) or 21_600,
        on_failure_arn=on_failure,
    )
    request = compact(DestinationConfig={"OnFailure": {"Destination": on_failure}} if on_failure else None)
    ctx.client("lambda").put_function_event_invoke_config(
        FunctionName=name,
        MaximumRetryAttempts=config.max_retries,
        MaximumEventAgeInSeconds=config.max_event_age_seconds,
        **request,
    )
    ctx.registry.function(name).async_config = config
    ctx.registry.dead_letter(on_failure)
    return name, {}


def event_source_mapping(ctx: DeployContext, args: MockResourceArgs) -> tuple[str, Outputs]:
    mapping_id = str(uuid.uuid4())
    source_arn, function_name = value(args, "eventSourceArn"), value(args, "functionName")
    # A version's or an alias's ARN (or name:qualifier) keeps its qualifier: the mapping invokes through it.
    function_arn = ctx.registry.function(function_name).arn
    if qualifier := parse_function_name(str(function_name)).qualifier:
        function_arn = f"{function_arn}:{qualifier}"
    on_failure = (((value(args, "destinationConfig") or {}).get("onFailure")) or {}).get("destinationArn")
    filters = ((value(args, "filterCriteria") or {}).get("filters")) or []
    kind = source_arn.split(":")[2]
    max_concurrency = (value(args, "scalingConfig") or {}).get("maximumConcurrency")
    spec = MappingSpec(
        uuid=mapping_id,
        source_arn=source_arn,
        function_arn=function_arn,
        batch_size=integer(args, "batchSize") or (10 if kind == "sqs" else 100),
        batching_window_seconds=integer(args, "maximumBatchingWindowInSeconds", 0) or 0,
        report_batch_item_failures="ReportBatchItemFailures" in (value(args, "functionResponseTypes") or []),
        starting_position=value(args, "startingPosition"),
        bisect_on_error=bool(value(args, "bisectBatchOnFunctionError")),
        max_retries=integer(args, "maximumRetryAttempts", -1),  # type: ignore[arg-type]
        max_record_age_seconds=integer(args, "maximumRecordAgeInSeconds", -1),  # type: ignore[arg-type]
        on_failure_arn=on_failure,
        filter_patterns=[json.loads(f["pattern"]) for f in filters if f.get("pattern")],
        parallelization_factor=integer(args, "parallelizationFactor", 1) or 1,
        max_concurrency=int(max_concurrency) if max_concurrency else None,
        enabled=value(args, "enabled", True) is not False,
    )
    ctx.registry.add_mapping(spec)
    ctx.registry.dead_letter(on_failure)
    arn = ctx.arn("lambda", f"event-source-mapping:{mapping_id}")
    return mapping_id, {
        "uuid": mapping_id,
        "arn": arn,
        "functionArn": function_arn,
        "state": "Enabled" if spec.enabled else "Disabled",
    }


#: One cheap read per service: loads its model on both sides before the deploy's threads need it.
WARM_UP = {"lambda": "list_functions"}
RESOURCES: dict[str, Creator] = {
    "aws:lambda/function:Function": function,
    "aws:lambda/permission:Permission": permission,
    "aws:lambda/functionEventInvokeConfig:FunctionEventInvokeConfig": event_invoke_config,
    "aws:lambda/eventSourceMapping:EventSourceMapping": event_source_mapping,
    "aws:lambda/alias:Alias": alias,
    dynamic_resource_type("wasp", "LambdaDeployment"): deployment,
}
