"""``python -m bench [--quick] [--out DIR]``: run the benchmark and write latest.json / latest.md / latest.png."""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .common import BENCH, log


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    p.add_argument("--quick", action="store_true",
                   help="article + pydoc corpora, store at 100k, fewer queries (a few minutes)")
    p.add_argument("--out", type=Path, default=BENCH / "results", help="results folder (default: bench/results)")
    return p.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    from .report import write_all
    from .runner import Run

    results = Run(args.quick, args.out.resolve()).run()
    paths = write_all(results, args.out.resolve())
    log(f"done in {results['wall_s']:.0f}s: " + ", ".join(str(p) for p in paths.values()))
    if results.get("errors"):
        log(f"{len(results['errors'])} step(s) failed: " + "; ".join(e["step"] for e in results["errors"]))
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
