"""CreateBucket's location constraint: required outside us-east-1, refused in it."""

from __future__ import annotations

from pulumi_wasp.localcloud.deploy.s3 import location


def test_a_bucket_outside_us_east_1_is_created_with_its_region_as_location_constraint() -> None:
    assert location("eu-west-1") == {"CreateBucketConfiguration": {"LocationConstraint": "eu-west-1"}}


def test_a_bucket_in_us_east_1_is_created_without_a_location_constraint() -> None:
    assert location("us-east-1") == {}
