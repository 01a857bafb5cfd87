"""Benchmarks (``python -m bench``, ``make bench``): every figure next to a baseline measured in the same run.

One module per benchmark (synthesis, policies, suite, cold_start + invoke, packages, localcloud), the statistics and
child processes in :mod:`bench.measure`, the output in :mod:`bench.report`. Never part of the test run; tests/bench
tests only the pure logic.
"""
