"""A program whose deploy must fail: a bucket name longer than S3's 63 characters (refused),
two bucket settings that depend on it (not created because of it), and, to show that neither
counts against the deploy, a queue the emulator creates and a schema registry it cannot hold
(an allow-listed type)."""

import pulumi_aws as aws

too_long = aws.s3.Bucket("too-long", bucket="b" * 64)
aws.s3.BucketVersioning("too-long-versioning", bucket=too_long.id, versioning_configuration={"status": "Enabled"})
aws.s3.BucketPublicAccessBlock("too-long-public-access-block", bucket=too_long.id, block_public_acls=True)
aws.sqs.Queue("fine")
aws.schemas.Registry("schemas", name="rejected-schemas")
