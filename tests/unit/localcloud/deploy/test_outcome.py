"""The one definition of a successful local deploy: every resource created, but the types the
emulator cannot hold (each with its reason); a failure caused by another names its cause."""

from __future__ import annotations

from pulumi_wasp.localcloud.deploy.outcome import NOT_EMULATED, DeployError, outcome
from pulumi_wasp.localcloud.deploy.registry import Registry, Skipped
from pulumi_wasp.synthesis import Synthesis
from pulumi_wasp.synthesis.recording import RecordedResource

BUCKET, VERSIONING, POLICY, QUEUE = (
    "aws:s3/bucket:Bucket",
    "aws:s3/bucketVersioning:BucketVersioning",
    "aws:s3/bucketPolicy:BucketPolicy",
    "aws:sqs/queue:Queue",
)
REGISTRY = "aws:schemas/registry:Registry"


def urn(type_: str, name: str) -> str:
    return f"urn:pulumi:dev::p::{type_}::{name}"


def resource(type_: str, name: str, *, depends_on: tuple[str, ...] = (), custom: bool = True) -> RecordedResource:
    """A recorded resource whose inputs depend on ``depends_on`` (URNs)."""
    return RecordedResource(
        type=type_,
        name=name,
        urn=urn(type_, name),
        parent="",
        custom=custom,
        id=name,
        dependencies=[],
        property_dependencies={"bucket": list(depends_on)} if depends_on else {},
        inputs={},
    )


def synthesis(*resources: RecordedResource) -> Synthesis:
    return Synthesis("p", "dev", list(resources), {})


def registry(*, created: dict[str, int], refused: tuple[tuple[str, str, str], ...] = ()) -> Registry:
    result = Registry(created=dict(created))
    for type_, name, error in refused:
        result.refuse(Skipped(type_, name, error))
    return result


def test_a_deploy_that_created_every_resource_succeeded() -> None:
    result = outcome(synthesis(resource(QUEUE, "q"), resource(BUCKET, "b")), registry(created={QUEUE: 1, BUCKET: 1}))
    assert result.succeeded
    assert result.failures == []
    assert result.summary == "2 AWS resources created, 0 not emulated"


def test_an_allow_listed_type_left_out_is_listed_with_its_reason_and_does_not_fail_the_deploy() -> None:
    state = registry(created={QUEUE: 1})
    state.skip(Skipped(REGISTRY, "schemas", NOT_EMULATED[REGISTRY]))
    result = outcome(synthesis(resource(QUEUE, "q"), resource(REGISTRY, "schemas")), state)
    assert result.succeeded
    assert [(s.type, s.name, s.reason) for s in result.not_emulated] == [(REGISTRY, "schemas", NOT_EMULATED[REGISTRY])]


def test_every_allow_listed_type_has_a_reason() -> None:
    assert NOT_EMULATED
    assert all(len(reason) > 20 for reason in NOT_EMULATED.values())


def test_a_refused_resource_fails_the_deploy_naming_its_type_and_error() -> None:
    state = registry(created={QUEUE: 1}, refused=((BUCKET, "b", "InvalidBucketName"),))
    result = outcome(synthesis(resource(QUEUE, "q"), resource(BUCKET, "b")), state)
    assert not result.succeeded
    [failure] = result.failures
    assert (failure.type, failure.name, failure.error, failure.cause) == (BUCKET, "b", "InvalidBucketName", None)
    assert result.summary == "1 AWS resource created, 0 not emulated, 1 failed"


def test_resources_refused_because_of_a_failed_one_name_it_as_their_cause_transitively() -> None:
    bucket = resource(BUCKET, "b")
    versioning = resource(VERSIONING, "v", depends_on=(bucket.urn,))
    policy = resource(POLICY, "p", depends_on=(versioning.urn,))
    state = registry(
        created={},
        refused=(
            (BUCKET, "b", "IllegalLocationConstraint"),
            (VERSIONING, "v", "NoSuchBucket"),
            (POLICY, "p", "NoSuchBucket"),
        ),
    )
    result = outcome(synthesis(bucket, versioning, policy), state)
    assert [(f.name, f.cause) for f in result.failures] == [("b", None), ("v", f"{BUCKET} b"), ("p", f"{BUCKET} b")]
    assert result.summary == "0 AWS resources created, 0 not emulated, 1 failed, 2 not created because of them"


def test_a_refused_resource_whose_dependencies_were_created_is_its_own_cause() -> None:
    bucket = resource(BUCKET, "b")
    versioning = resource(VERSIONING, "v", depends_on=(bucket.urn,))
    state = registry(created={BUCKET: 1}, refused=((VERSIONING, "v", "MalformedXML"),))
    [failure] = outcome(synthesis(bucket, versioning), state).failures
    assert (failure.name, failure.cause) == ("v", None)


def test_deploy_failed_carries_the_outcome_and_names_each_root_failure() -> None:
    bucket = resource(BUCKET, "b")
    state = registry(created={}, refused=((BUCKET, "b", "InvalidBucketName"), (VERSIONING, "v", "NoSuchBucket")))
    result = outcome(synthesis(bucket, resource(VERSIONING, "v", depends_on=(bucket.urn,))), state)
    error = DeployError(result)
    assert error.outcome is result
    assert f"{BUCKET} b: InvalidBucketName" in str(error)
    assert "NoSuchBucket" not in str(error)
