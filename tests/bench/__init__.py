"""Benchmarks: ``make bench`` (``python -m tests.bench``); never collected by ``make test``.

Each module here exposes ``main(argv) -> int`` and prints its numbers; none asserts on time.
"""
