"""Benchmarks: every ``bench/*_bench.py`` module has a ``main(argv)`` that prints its figures.

Run them all with ``python -m bench`` (``make bench``), or one with ``python -m bench.<name>_bench``.
"""
