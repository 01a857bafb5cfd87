"""A log group's customer-managed key in the local cloud, end to end: CloudWatch Logs uses it only where the key policy
lets it, or the deploy fails naming the log group and the key (tests/e2e/programs/unlogged)."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_wasp.localcloud.cloud import LocalCloud
from pulumi_wasp.localcloud.deploy import DeployError

UNLOGGED = Path(__file__).resolve().parent / "programs" / "unlogged"


@pytest.mark.time_limit(90)
def test_a_log_group_whose_key_policy_does_not_let_cloudwatch_logs_use_the_key_fails_the_deploy(
    tmp_path: Path,
) -> None:
    with pytest.raises(DeployError) as failed:
        LocalCloud(UNLOGGED, state=tmp_path).start()
    [refused] = failed.value.outcome.failures
    assert refused.type == "aws:cloudwatch/logGroup:LogGroup"
    assert refused.error.startswith(
        "the emulator refused it: ClientError: An error occurred (AccessDeniedException) when calling the "
        "CreateLogGroup operation: The specified KMS key does not exist or is not allowed to be used with Arn "
        "'arn:aws:logs:us-east-1:123456789012:log-group:/aws/lambda/"
    )
    assert "User: logs.us-east-1.amazonaws.com is not authorized to perform: kms:GenerateDataKey on resource: " in (
        refused.error
    )
