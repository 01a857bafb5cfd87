"""One module per library whose private internals the project relies on (pulumi, pulumi_policy, moto):
each is the only place those internals are used, and each has tests in tests/unit/adapters/ pinning the
behaviour relied on, so a version bump fails loudly in one place."""
