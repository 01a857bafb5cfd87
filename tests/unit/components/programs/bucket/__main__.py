"""SecureBucket: assets (defaults), an archive (overrides), and one composed by a component."""

import pulumi

from pulumi_wasp.components import SecureBucket, SecureBucketArgs

SecureBucket("assets")

SecureBucket(
    "archive",
    SecureBucketArgs(
        encryption="aws:kms",
        kms_key_arn="arn:aws:kms:eu-west-1:123456789012:key/archive",
        versioning=False,
        expiration_days=365,
        abort_incomplete_upload_days=None,
        force_destroy=True,
        tags={"team": "finance"},
    ),
)


class Reports(pulumi.ComponentResource):
    """A component that composes a SecureBucket under its own name."""

    def __init__(self, name: str) -> None:
        super().__init__("test:index:Reports", name)
        self.store = SecureBucket(
            name, SecureBucketArgs(noncurrent_version_expiration_days=None), pulumi.ResourceOptions(parent=self)
        )
        self.register_outputs({})


reports = Reports("reports")
pulumi.export("reports_bucket", reports.store.name)
