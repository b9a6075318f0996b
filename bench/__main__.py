"""Run every benchmark (``bench/*_bench.py``, then ``bench/import_corpus.py`` and the suggestion evaluation
``bench/suggest_eval.py``); exit 1 if any
missed its target.

Each benchmark's ``main([])`` runs in its own fresh interpreter: one benchmark's
leftovers cannot reach the next. (Run in one process, the coverage benchmark's AppTest left a
Streamlit page as ``__main__``; the import benchmark's spawn-based worker then re-ran that page
on an empty database, crashed, and the whole run hung waiting for it.) A benchmark that crashes
or runs longer than ``TIMEOUT`` seconds counts as missed and the run goes on.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TIMEOUT = 1800
EXTRA = ("import_corpus", "suggest_eval")  # benchmarks named otherwise, run when their module exists
RUN = "import sys; from bench.{name} import main; sys.exit(main([]) or 0)"


def benchmarks() -> list[str]:
    """The benchmark module names, in the order they run."""
    names = [path.stem for path in sorted(HERE.glob("*_bench.py"))]
    return names + [name for name in EXTRA if (HERE / f"{name}.py").is_file()]


def main() -> int:
    status = 0
    for name in benchmarks():
        print(f"== {name}", flush=True)
        try:
            code = subprocess.run([sys.executable, "-c", RUN.format(name=name)], check=False, cwd=HERE.parent,
                                  timeout=TIMEOUT).returncode
        except subprocess.TimeoutExpired:
            print(f"{name}: no result within {TIMEOUT} s", flush=True)
            code = 1
        if code not in (0, 1):
            print(f"{name}: crashed (exit code {code})", flush=True)
        status = max(status, 1 if code else 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
