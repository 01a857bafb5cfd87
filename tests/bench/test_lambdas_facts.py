"""How the bench finds handlers, the libraries they load and the ones they import without running."""

from __future__ import annotations

from bench.cold_start import flags
from bench.lambdas import LIBRARIES, handlers, imported_names, loaded
from bench.localcloud import percentile
from bench.suite import phases


def library(label):
    return next(lib for lib in LIBRARIES if lib.label == label)


def test_handlers_are_the_modules_defining_handler_at_top_level(tmp_path):
    (tmp_path / "shared").mkdir()
    (tmp_path / "shared" / "aws.py").write_text("def handler(event, context): ...\n")
    (tmp_path / "orders").mkdir()
    (tmp_path / "orders" / "api.py").write_text("@entrypoint()\ndef handler(event, context): ...\n")
    (tmp_path / "orders" / "models.py").write_text("class Handler: ...\n")
    assert [(h.folder, h.module) for h in handlers(tmp_path)] == [("orders", "orders.api")]


def test_libraries_are_recognized_by_their_modules():
    modules = ["json", "boto3.session", "aws_lambda_powertools.logging.logger", "aws_lambda_powertools.utilities.batch"]
    assert [lib.label for lib in loaded(modules)] == ["boto3", "Logger/Metrics/Tracer", "batch"]


def test_imported_names_include_the_names_taken_from_a_module():
    source = "import boto3\nfrom aws_lambda_powertools.utilities import parameters\nfrom . import local\n"
    assert imported_names(source) == {
        "boto3",
        "aws_lambda_powertools.utilities",
        "aws_lambda_powertools.utilities.parameters",
    }


def test_a_library_imported_by_the_handler_but_never_run_is_flagged():
    libs = (library("boto3"), library("idempotency"), library("data classes"))
    own = imported_names("import boto3\nfrom aws_lambda_powertools.utilities.idempotency import idempotent\n")
    run = ["botocore.client", "aws_lambda_powertools.utilities.data_classes.common"]
    # boto3 ran (through botocore), data classes is no import of its own: only idempotency is flagged.
    assert flags(libs, own, run) == ["idempotency"]
    assert flags(libs, own, [*run, "aws_lambda_powertools.utilities.idempotency.base"]) == []


def test_test_phases_follow_make_test_order_and_skip_directories_without_tests(tmp_path):
    for name in ("e2e", "lambdas", "unit", "fixtures", "zeta"):
        (tmp_path / name).mkdir()
    for name in ("e2e", "lambdas", "unit", "zeta"):
        (tmp_path / name / "test_it.py").write_text("")
    assert phases(tmp_path) == {"unit": "unit", "lambdas": "handlers", "e2e": "e2e", "zeta": "zeta"}


def test_percentiles_are_nearest_rank():
    samples = [float(n) for n in range(1, 101)]
    assert (percentile(samples, 50), percentile(samples, 99), percentile([7.0], 99)) == (50.0, 99.0, 7.0)
