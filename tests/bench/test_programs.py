"""The flat program's check: same AWS resources (type, name) with the same inputs as the components'."""

from __future__ import annotations

from bench.programs import differences
from pulumi_wasp.synthesis import RecordedResource


def resource(type_, name, custom=True, **inputs):
    return RecordedResource(type_, name, f"urn:{name}", "", custom, "", [], {}, inputs)


def test_identical_resources_have_no_differences():
    ours = [resource("wasp:table:Table", "t", custom=False), resource("aws:sqs/queue:Queue", "q", delay=0)]
    assert differences(ours, [resource("aws:sqs/queue:Queue", "q", delay=0)]) == []


def test_missing_resources_and_different_inputs_are_named():
    ours = [resource("aws:sqs/queue:Queue", "q", delay=0, tags={"a": "1"}), resource("aws:iam/role:Role", "r")]
    theirs = [resource("aws:sqs/queue:Queue", "q", delay=5, tags={"a": "1"}), resource("aws:s3/bucket:Bucket", "b")]
    assert differences(ours, theirs) == [
        "only with components: aws:iam/role:Role r",
        "only in the flat program: aws:s3/bucket:Bucket b",
        "aws:sqs/queue:Queue q: inputs differ at delay",
    ]


def test_the_flat_unit_registers_the_components_resources_with_the_same_inputs():
    from bench.synthesis import _check

    assert _check()["differences"] == []
