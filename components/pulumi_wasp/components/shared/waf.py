"""A regional WAF web ACL in front of an API stage: an existing one, or one built from AWS's managed rule groups.

API Gateway's throttling caps the rate of every caller together; WAF inspects each request first and blocks what
looks like an attack (injection, known exploit payloads, flagged IP addresses) or a single client flooding the API,
before a request costs a Lambda invocation.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
from pulumi_aws import cloudwatch, wafv2

from pulumi_wasp.components import defaults
from pulumi_wasp.components.shared import children, names
from pulumi_wasp.components.shared.context import StackContext
from pulumi_wasp.components.shared.logs import log_group

_RULE_GROUP = re.compile(r"^[A-Za-z0-9_-]{1,128}$")
#: The evaluation windows WAF's rate-based rules accept (seconds).
_RATE_WINDOWS = (60, 120, 300, 600)
#: WAF's bounds on a rate-based rule's limit (requests per window).
_RATE_LIMITS = (10, 2_000_000_000)
#: WAF delivers logs to CloudWatch Logs only into log groups named with this prefix.
WAF_LOG_GROUP_PREFIX = "aws-waf-logs-"


@dataclass(frozen=True, kw_only=True)
class WafArgs:
    """The web ACL of an API stage: ``web_acl_arn`` (an existing REGIONAL web ACL, e.g. one a security team manages
    for the account) or the settings of one the component creates (every field below)."""

    #: An existing REGIONAL web ACL to associate; the component creates none and checks nothing of it. None: create
    #: one from the fields below.
    web_acl_arn: pulumi.Input[str] | None = None
    #: defaults.WAF_MANAGED_RULE_GROUPS (common rule set, known bad inputs, IP reputation): AWS-maintained rules,
    #: each evaluated in this order with its own block actions.
    managed_rule_groups: Sequence[str] = defaults.WAF_MANAGED_RULE_GROUPS
    #: defaults.WAF_RATE_LIMIT_PER_IP (2000): a client IP sending more within the window is blocked until it slows
    #: down. None: no rate-based rule (the stage's throttling still applies to everyone together).
    rate_limit_per_ip: int | None = defaults.WAF_RATE_LIMIT_PER_IP
    #: defaults.WAF_RATE_LIMIT_WINDOW_SECONDS (300): the window the rate limit counts over (60, 120, 300 or 600).
    rate_limit_window_seconds: int = defaults.WAF_RATE_LIMIT_WINDOW_SECONDS
    #: Log every request WAF evaluates to a CloudWatch log group (``aws-waf-logs-…``, the stack's retention), the
    #: ``Authorization`` header redacted (True by default: a blocked request is otherwise invisible; the signature
    #: is a credential). WAF adds the log group's resource policy itself on the first delivery.
    logging: bool = True
    #: Keyword arguments of ``aws.wafv2.WebAcl`` merged over the created web ACL's defaults (``tags`` merge, other
    #: keys replace); an unknown key is an error.
    web_acl_overrides: Mapping[str, Any] = field(default_factory=dict)

    def validate(self, owner: str) -> None:
        """Fail naming ``owner``'s field (e.g. ``RestApiArgs.waf``) on a setting WAF would refuse or ignore."""
        if self.web_acl_arn is not None:
            given = [
                name
                for name, value, default in (
                    ("managed_rule_groups", tuple(self.managed_rule_groups), defaults.WAF_MANAGED_RULE_GROUPS),
                    ("rate_limit_per_ip", self.rate_limit_per_ip, defaults.WAF_RATE_LIMIT_PER_IP),
                    (
                        "rate_limit_window_seconds",
                        self.rate_limit_window_seconds,
                        defaults.WAF_RATE_LIMIT_WINDOW_SECONDS,
                    ),
                    ("logging", self.logging, True),
                    ("web_acl_overrides", dict(self.web_acl_overrides), {}),
                )
                if value != default
            ]
            if given:
                raise ValueError(
                    f"{owner}: web_acl_arn names an existing web ACL, so {', '.join(given)} (settings of a web ACL "
                    "the component creates) cannot apply; set them on that web ACL instead"
                )
            return
        if not self.managed_rule_groups and self.rate_limit_per_ip is None:
            raise ValueError(
                f"{owner}: managed_rule_groups is empty and rate_limit_per_ip is None: a web ACL "
                "without rules allows everything"
            )
        for group in self.managed_rule_groups:
            if not _RULE_GROUP.match(group):
                raise ValueError(f"{owner}.managed_rule_groups: {group!r} is not an AWS managed rule group name")
        if len(set(self.managed_rule_groups)) != len(self.managed_rule_groups):
            raise ValueError(f"{owner}.managed_rule_groups names a rule group twice")
        low, high = _RATE_LIMITS
        if self.rate_limit_per_ip is not None and not low <= self.rate_limit_per_ip <= high:
            raise ValueError(f"{owner}.rate_limit_per_ip must be {low}..{high}, got {self.rate_limit_per_ip}")
        if self.rate_limit_window_seconds not in _RATE_WINDOWS:
            raise ValueError(
                f"{owner}.rate_limit_window_seconds must be one of {', '.join(map(str, _RATE_WINDOWS))}, "
                f"got {self.rate_limit_window_seconds}"
            )


@dataclass(frozen=True)
class WebAcl:
    """The web ACL to associate with a stage, and the log group the component created for it (None: an existing
    web ACL, or ``logging=False``)."""

    arn: pulumi.Input[str]
    log_group: cloudwatch.LogGroup | None


def web_acl(
    name: str,
    args: WafArgs,
    *,
    context: StackContext,
    parent: pulumi.Resource,
    tags: dict[str, str],
    overrides_arg: str,
    kms_key_id: pulumi.Input[str] | None = None,
) -> WebAcl:
    """The web ACL to associate: ``args.web_acl_arn``, or a web ACL created under ``parent`` (``<name>-waf``, with
    its log group, encrypted with the customer-managed key ``kms_key_id`` when given, and logging configuration
    when ``args.logging``)."""
    if args.web_acl_arn is not None:
        return WebAcl(args.web_acl_arn, None)
    acl_name = context.physical_name(f"{name}-waf", names.WAF_WEB_ACL)
    rules = [
        {
            "name": group,
            "priority": priority,
            # The group's own actions apply (blocks included); "count" here would only observe.
            "override_action": {"none": {}},
            "statement": {"managed_rule_group_statement": {"name": group, "vendor_name": "AWS"}},
            "visibility_config": _visibility(group),
        }
        for priority, group in enumerate(args.managed_rule_groups)
    ]
    if args.rate_limit_per_ip is not None:
        rules.append(
            {
                "name": "RateLimitPerIp",
                "priority": len(rules),
                "action": {"block": {}},
                "statement": {
                    "rate_based_statement": {
                        "limit": args.rate_limit_per_ip,
                        "aggregate_key_type": "IP",
                        "evaluation_window_sec": args.rate_limit_window_seconds,
                    }
                },
                "visibility_config": _visibility("RateLimitPerIp"),
            }
        )
    acl_defaults = {
        "name": acl_name,
        "description": f"Managed rule groups and a per-IP rate limit in front of {name}",
        "scope": "REGIONAL",
        "default_action": {"allow": {}},
        "rules": rules,
        "visibility_config": _visibility(acl_name),
        "tags": tags,
    }
    acl = children.create(
        wafv2.WebAcl,
        f"{name}-waf",
        acl_defaults,
        args.web_acl_overrides,
        arg=overrides_arg,
        opts=pulumi.ResourceOptions(parent=parent),
    )
    logs = None
    if args.logging:
        logs = log_group(
            f"{name}-waf",
            WAF_LOG_GROUP_PREFIX + context.physical_name(name, names.LOG_GROUP_SEGMENT),
            context=context,
            parent=parent,
            tags=tags,
            kms_key_id=kms_key_id,
        )
        wafv2.WebAclLoggingConfiguration(
            f"{name}-waf-logging",
            resource_arn=acl.arn,
            log_destination_configs=[logs.arn],
            redacted_fields=[{"single_header": {"name": "authorization"}}],
            opts=pulumi.ResourceOptions(parent=parent),
        )
    return WebAcl(acl.arn, logs)


def _visibility(metric_name: str) -> dict[str, Any]:
    """CloudWatch metrics and sampled requests per rule: what WAF blocked, and why, is visible without logs."""
    return {
        "cloudwatch_metrics_enabled": True,
        "metric_name": re.sub(r"[^A-Za-z0-9_-]", "-", metric_name)[:128],
        "sampled_requests_enabled": True,
    }
