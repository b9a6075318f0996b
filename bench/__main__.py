"""Run every benchmark module (``bench/*_bench.py``) in turn; exit 1 if any missed its target."""

from __future__ import annotations

import importlib
import sys
from pathlib import Path


def main() -> int:
    status = 0
    for path in sorted(Path(__file__).resolve().parent.glob("*_bench.py")):
        print(f"== {path.stem}", flush=True)
        module = importlib.import_module(f"bench.{path.stem}")
        status = max(status, module.main([]) or 0)
    return status


if __name__ == "__main__":
    sys.exit(main())
