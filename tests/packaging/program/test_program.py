"""The user's unit test of their program, with the harness the wheel ships."""

from pulumi_wasp.testing import synthesize

FUNCTION = "aws:lambda/function:Function"


def test_every_function_carries_the_platform_stamp():
    stack = synthesize(".")
    assert {fn.input("description") for fn in stack.of_type(FUNCTION)} == {"owned by the greetings team"}


def test_the_writer_is_fed_by_its_queue():
    stack = synthesize(".")
    mapping = stack.one("aws:lambda/eventSourceMapping:EventSourceMapping")
    assert mapping.input("functionResponseTypes") == ["ReportBatchItemFailures"]


def test_the_program_passes_the_mandatory_rules():
    assert not synthesize(".").preview().mandatory
