"""`python -m bench` arguments: the test-suite figure is opt-in, bad counts fail before anything runs."""

import pytest

from bench.__main__ import main


def test_only_suite_without_a_run_count_is_an_error_naming_the_flag(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--only", "suite"])
    assert exit_.value.code == 2
    assert "--suite-runs" in capsys.readouterr().err


def test_a_negative_suite_run_count_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_:
        main(["--suite-runs", "-1"])
    assert exit_.value.code == 2
    assert "--suite-runs must be 0 or more" in capsys.readouterr().err
