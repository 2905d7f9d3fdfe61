"""`make bench`: run every benchmark module in this folder; each prints ratios against a floor it measures."""

from __future__ import annotations

import importlib
import pkgutil
import sys
from pathlib import Path


def main() -> int:
    here = Path(__file__).resolve().parent
    sys.path.insert(0, str(here.parent))
    failed = 0
    for module in sorted(m.name for m in pkgutil.iter_modules([str(here)]) if m.name.startswith("bench_")):
        print(f"== {module}", flush=True)
        failed += int(importlib.import_module(f"bench.{module}").main() != 0)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
