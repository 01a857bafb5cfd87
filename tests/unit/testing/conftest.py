"""The harness's own tests run it on ``programs/shop``: a user's program in miniature."""

from __future__ import annotations

from pathlib import Path

import pytest

from pulumi_wasp.testing import SynthesizedStack, synthesize

SHOP = Path(__file__).resolve().parent / "programs" / "shop"
FUNCTION = "aws:lambda/function:Function"
QUEUE = "aws:sqs/queue:Queue"
TABLE = "aws:dynamodb/table:Table"


@pytest.fixture(scope="session")
def shop() -> SynthesizedStack:
    """The shop's dev stack (eu-west-1, point-in-time recovery off)."""
    return synthesize(SHOP)
