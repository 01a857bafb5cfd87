"""The local cloud in any region: the tiny program's stack is in ap-southeast-2 (its buckets,
ARNs and functions' environment say so), and the reference system's prod stack (eu-west-1)
deploys completely and passes the flows that touch S3."""

from __future__ import annotations

import json
import subprocess

import pytest
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from pulumi_wasp.localcloud.client import Cloud, http
from tests.e2e.conftest import REPO, Served, localcloud

TINY_REGION = "ap-southeast-2"
#: The flows of the reference system that create, write and read buckets.
S3_FLOWS = ("bulk import", "invoice task")
PROD_RUN_SECONDS = 180


def test_the_tiny_stack_runs_in_its_own_region(tiny: Served) -> None:
    cloud = Cloud(tiny.endpoints)
    assert tiny.endpoints["region"] == TINY_REGION
    queue_arn = cloud.client("sqs").get_queue_attributes(
        QueueUrl=tiny.endpoints["queues"]["probe-queue"], AttributeNames=["QueueArn"]
    )["Attributes"]["QueueArn"]
    assert queue_arn.startswith(f"arn:aws:sqs:{TINY_REGION}:")


def test_a_bucket_outside_us_east_1_is_created_in_its_region(tiny: Served) -> None:
    s3 = Cloud(tiny.endpoints).client("s3")
    bucket = tiny.endpoints["outputs"]["bucket_name"]
    assert s3.get_bucket_location(Bucket=bucket)["LocationConstraint"] == TINY_REGION


def test_functions_run_with_the_stacks_region(tiny: Served) -> None:
    response = Cloud(tiny.endpoints).client("lambda").invoke(FunctionName=tiny.endpoints["functions"]["probe-function"])
    answer = json.loads(response["Payload"].read())
    assert answer["region"] == {"AWS_REGION": TINY_REGION, "AWS_DEFAULT_REGION": TINY_REGION}
    assert answer["function_arn"].startswith(f"arn:aws:lambda:{TINY_REGION}:")


def test_an_api_call_signed_for_another_region_is_refused(cloud: Cloud) -> None:
    assert cloud.endpoints["region"] != "eu-west-1"
    url = cloud.endpoints["api_url"] + "/orders"
    request = AWSRequest(method="POST", url=url, data=b"{}", headers={"Content-Type": "application/json"})
    keys = cloud.endpoints["credentials"]
    SigV4Auth(
        Credentials(keys["AWS_ACCESS_KEY_ID"], keys["AWS_SECRET_ACCESS_KEY"]), "execute-api", "eu-west-1"
    ).add_auth(request)
    answer = http("POST", url, b"{}", dict(request.headers.items()))
    assert answer.status == 403
    assert "Credential should be scoped to a valid region, not 'eu-west-1'." in answer.text


@pytest.fixture(scope="module")
def prod_run(tmp_path_factory: pytest.TempPathFactory) -> subprocess.CompletedProcess[str]:
    """``wasp local --stack prod run`` of the S3 flows, once for the module."""
    flows = [arg for name in S3_FLOWS for arg in ("--flow", name)]
    state = tmp_path_factory.mktemp("prod")
    return localcloud(REPO, state, "--stack", "prod", "run", *flows, timeout=PROD_RUN_SECONDS)


@pytest.mark.time_limit(PROD_RUN_SECONDS + 10)
def test_the_prod_stack_deploys_completely_and_its_s3_flows_pass(prod_run: subprocess.CompletedProcess[str]) -> None:
    report = prod_run.stdout + prod_run.stderr
    assert prod_run.returncode == 0, report
    lines = [line.strip() for line in prod_run.stdout.splitlines()]
    assert any(line.startswith("✓ deploy") for line in lines), report
    # The schema registry and its 4 schemas; the orders API's provisioned concurrency and its CodeDeploy
    # application and deployment group (prod's live alias).
    assert "! not created in the emulator, by design (8):" in lines, report
    for flow in S3_FLOWS:
        assert any(line.startswith(f"✓ {flow}") for line in lines), report
    assert lines[-1].startswith("Result: passed · flows 2 ok"), report


@pytest.mark.time_limit(PROD_RUN_SECONDS + 10)
def test_the_prod_apis_web_acl_is_created_and_reported_as_blocking_nothing_locally(
    prod_run: subprocess.CompletedProcess[str],
) -> None:
    lines = [line.strip() for line in prod_run.stdout.splitlines()]
    [acl] = [line for line in lines if line.startswith("1 × aws:wafv2/webAcl:WebAcl:")]
    assert "nothing is blocked by WAF locally" in acl and acl.endswith("[orders-waf]")
