"""Benchmark harness: the product against the LangChain-tutorial baseline, in the same run.

``python -m bench [--quick] [--out DIR]`` (``make bench`` / ``make bench-quick``) writes ``latest.json``,
``latest.md`` and ``latest.png`` to ``bench/results/`` (or DIR). Scratch files go to
``/tmp/bench-work/<mode>-<pid>/`` (``BENCH_WORK`` overrides the root), removed after a run without errors
(``BENCH_KEEP=1`` keeps them). Nothing heavy is imported at import time.
"""
