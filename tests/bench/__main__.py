"""Run every benchmark module in this folder in turn: ``python -m tests.bench [--runs N]``.

Modules whose names start with ``_`` are skipped; the arguments go to each ``main``.
"""

from __future__ import annotations

import importlib
import os
import pkgutil
import sys
from pathlib import Path


def main(argv: list[str] | None = None) -> int:
    from tests.bench._quiet import quiet

    quiet()
    argv = sys.argv[1:] if argv is None else argv
    failed = 0
    for info in sorted(pkgutil.iter_modules([str(Path(__file__).parent)]), key=lambda i: i.name):
        if info.name.startswith("_"):
            continue
        print(f"== tests.bench.{info.name}", flush=True)
        module = importlib.import_module(f"tests.bench.{info.name}")
        saved = dict(os.environ)  # each bench sets up its own AWS; none may leak into the next
        try:
            failed |= module.main(argv) != 0
        finally:
            os.environ.clear()
            os.environ.update(saved)
    return int(failed)


if __name__ == "__main__":
    sys.exit(main())
