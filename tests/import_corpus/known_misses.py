"""Corpus layouts the engine does not yet read as a person does (issue #10 stays open until this is empty).

Each name here is a layout whose expectation, written from how a person reads the sheet, the
engine still misses; ``python -m bench.import_corpus`` prints exactly what differs. The corpus
tests mark these cases ``xfail(strict=True)``: the expectation is unchanged and still checked,
a new miss anywhere else fails the suite, and a layout that starts passing fails too (XPASS)
until its name is removed from this list. The list only ever shrinks.
"""

KNOWN_MISSES: frozenset[str] = frozenset()
