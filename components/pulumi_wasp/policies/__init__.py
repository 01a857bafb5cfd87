"""The CrossGuard policy pack for Well-Architected serverless stacks on AWS.

One module per service family declares its rules; :data:`RULES` is the catalogue in the order the pack runs
them, and ``__main__.py`` composes it into the ``PolicyPack`` the Pulumi CLI loads.
"""

from . import (
    apigateway,
    datastores,
    esm,
    eventbridge,
    iam,
    kms,
    lambda_deployments,
    lambda_rules,
    sqs_sns,
    stepfunctions,
)
from .common import EXEMPTIONS_POLICY, Rule, compose

PACK_NAME = "serverless-well-architected"

RULES: tuple[Rule, ...] = (
    *lambda_rules.RULES,
    *lambda_deployments.RULES,
    *esm.RULES,
    *sqs_sns.RULES,
    *eventbridge.RULES,
    *stepfunctions.RULES,
    *apigateway.RULES,
    *datastores.RULES,
    *kms.RULES,
    *iam.RULES,
)

__all__ = ["EXEMPTIONS_POLICY", "PACK_NAME", "RULES", "Rule", "compose"]
