"""The stack context: the one stack-wide source of names, tags, log retention and alarm topic."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import pulumi

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import names

_POLICY_ARN = re.compile(r"arn:aws[\w-]*:iam::(\d{12}|aws):policy/[\w+=,.@/-]{1,128}")
_ROLE_PATH = re.compile(r"/([\x21-\x7e]{0,510}/)?")


@dataclass(frozen=True)
class StackContext:
    """Stack-wide settings every component reads unless its own args override them.

    Set it once per program with :func:`use_stack_context`; a component without one uses
    ``StackContext()``, which derives names and tags from the Pulumi project and stack.
    """

    #: Prefix of physical names (``<project>-<stack>`` when empty): two stacks of the same
    #: program in one account must not collide on explicit names.
    name_prefix: str = ""
    #: Tags for every taggable resource, merged under each component's own ``tags``.
    tags: Mapping[str, str] = field(default_factory=dict)
    #: Retention of every log group the components create (defaults.LOG_RETENTION_DAYS).
    log_retention_days: int = defaults.LOG_RETENTION_DAYS
    #: SNS topic every alarm notifies; ``None`` creates alarms without actions.
    alarm_topic_arn: pulumi.Input[str] | None = None
    #: Powertools: layer version (same in every region) and the log level of handlers.
    powertools_layer_version: int = defaults.POWERTOOLS_LAYER_VERSION
    log_level: str = defaults.POWERTOOLS_LOG_LEVEL
    #: CloudWatch namespace of the EMF metrics (``<project>`` when empty).
    metrics_namespace: str = ""
    #: ARN of a managed policy set as the permissions boundary of every role the components create; None sets
    #: none. Enterprises require one so no role, however its policies grow, exceeds what the boundary allows.
    role_permissions_boundary: str | None = None
    #: IAM path of every role the components create (IAM's default ``/`` when None): SCPs and audits select by path.
    role_path: str | None = None
    #: Prefix of every role name the components create (``""``: Pulumi's auto-names). With a prefix the names are
    #: explicit, ``<prefix><name_prefix or project-stack>-<logical name>`` within IAM's 64 characters, because
    #: SCPs commonly allow creating roles only under a name prefix.
    role_name_prefix: str = ""

    def __post_init__(self) -> None:
        if not 1 <= self.log_retention_days <= 3653:
            raise ValueError(
                f"StackContext.log_retention_days must be between 1 and 3653, got {self.log_retention_days}"
            )
        if self.log_level not in ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL"):
            raise ValueError(f"StackContext.log_level must be a Python log level name, got {self.log_level!r}")
        boundary = self.role_permissions_boundary
        if boundary is not None and not _POLICY_ARN.fullmatch(boundary):
            raise ValueError(
                "StackContext.role_permissions_boundary must be a managed policy ARN "
                f"(arn:aws:iam::<account>:policy/<name>), got {boundary!r}"
            )
        if self.role_path is not None and not _ROLE_PATH.fullmatch(self.role_path):
            raise ValueError(
                "StackContext.role_path must start and end with '/' and be at most 512 characters of "
                f"IAM's path characters, got {self.role_path!r}"
            )
        if self.role_name_prefix and names.IAM_ROLE.problem(self.role_name_prefix) is not None:
            raise ValueError(
                f"StackContext.role_name_prefix {self.role_name_prefix!r}: {names.IAM_ROLE.problem(self.role_name_prefix)}"
            )

    @property
    def prefix(self) -> str:
        return self.name_prefix or f"{pulumi.get_project()}-{pulumi.get_stack()}"

    @property
    def namespace(self) -> str:
        return self.metrics_namespace or pulumi.get_project()

    def physical_name(self, name: str, rule: names.NameRule, reserve: int = 0) -> str:
        """``<prefix>-<name>`` within ``rule`` (``reserve`` characters left for a suffix the caller
        adds), shortened with a stable hash only when it does not fit."""
        return names.fit(f"{self.prefix}-{name}", rule, reserve)

    def auto_name(self, logical_name: str, rule: names.NameRule, suffixed: bool = False) -> str | None:
        """None when Pulumi's auto-name for ``logical_name`` fits ``rule`` (the child keeps it), else the
        explicit derived name to set instead (ending in the rule's suffix when ``suffixed``: an explicit
        FIFO queue or topic name must end in ``.fifo``)."""
        if names.auto_name_fits(logical_name, rule, suffixed):
            return None
        if not suffixed:
            return self.physical_name(logical_name, rule)
        return self.physical_name(logical_name, rule, len(rule.suffix)) + rule.suffix

    def role_settings(self, logical_name: str) -> dict[str, Any]:
        """The keyword arguments of ``aws.iam.Role`` every role the components create takes from the context:
        its name (None keeps Pulumi's auto-name), path and permissions boundary (None: IAM's defaults)."""
        if self.role_name_prefix:
            # A cut keeps the start: the hash replaces the end, so the name still begins with the prefix.
            name: str | None = names.fit(f"{self.role_name_prefix}{self.prefix}-{logical_name}", names.IAM_ROLE)
        else:
            name = self.auto_name(logical_name, names.IAM_ROLE)
        return {"name": name, "path": self.role_path, "permissions_boundary": self.role_permissions_boundary}

    def tags_for(self, overrides: Mapping[str, str] | None = None) -> dict[str, str]:
        """Base tags (project, stack, managed-by), the context's tags, then a component's own."""
        merged = {
            "project": pulumi.get_project(),
            "stack": pulumi.get_stack(),
            "managed-by": "pulumi",
        }
        merged.update(self.tags)
        merged.update(overrides or {})
        return merged

    def with_alarm_topic(self, arn: pulumi.Input[str]) -> StackContext:
        return replace(self, alarm_topic_arn=arn)


_CURRENT: contextvars.ContextVar[StackContext | None] = contextvars.ContextVar("stack_context", default=None)


def use_stack_context(context: StackContext) -> StackContext:
    """Make ``context`` the one every component created afterwards reads."""
    _CURRENT.set(context)
    return context


def current_stack_context() -> StackContext:
    return _CURRENT.get() or StackContext()
