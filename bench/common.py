"""Shared helpers of the benchmark: paths, logging, timing, subprocess workers, retrieval hit@k.

Nothing heavy is imported here: workers import torch / FAISS / LangChain themselves, inside functions.
"""
from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Iterable, Sequence

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "bench"
WORK_ROOT = Path(os.environ.get("BENCH_WORK", "/tmp/bench-work"))
PYTHON = sys.executable
ARTICLE = ROOT / "source_docs" / "russia-iran-strategic-partnership.md"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"
ARTICLE_HELDOUT = BENCH / "eval" / "article_heldout.jsonl"
PYDOCS_HELDOUT = BENCH / "eval" / "pydocs_heldout.jsonl"
APPENDED = "\nThis sentence was appended by the benchmark to measure an incremental re-index.\n"

OFFLINE_ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "HF_HUB_DISABLE_TELEMETRY": "1",
               "TOKENIZERS_PARALLELISM": "false", "HF_HUB_DISABLE_PROGRESS_BARS": "1",
               "TRANSFORMERS_VERBOSITY": "error", "PYTHONWARNINGS": "ignore"}

Span = tuple[str, int, int]  # (source, start, end)
_work_dir: Path | None = None


def work_dir() -> Path:
    """This run's scratch folder (``/tmp/bench-work/<mode>-<pid>``): concurrent runs never share files."""
    return _work_dir or WORK_ROOT


def set_work_dir(path: Path) -> None:
    global _work_dir
    _work_dir = path


def log(message: str) -> None:
    """Progress on stderr, prefixed with the wall-clock time (workers and the parent share one clock)."""
    print(f"[bench {time.strftime('%H:%M:%S')}] {message}", file=sys.stderr, flush=True)


def child_env() -> dict[str, str]:
    """The environment of every subprocess: offline, no ASSISTANT_* overrides leaking in from the caller."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ASSISTANT_")}
    env.update(OFFLINE_ENV)
    env["PYTHONPATH"] = str(ROOT) + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def peak_rss_mb() -> float:
    """Peak resident set size of this process so far (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def stats_ms(seconds: Sequence[float]) -> dict[str, float]:
    """p50 / p95 / mean of durations given in seconds, in milliseconds."""
    import statistics

    if not seconds:
        return {"n": 0}
    xs = sorted(s * 1000.0 for s in seconds)

    def pct(p: float) -> float:
        k = (len(xs) - 1) * p
        lo, hi = int(k), min(int(k) + 1, len(xs) - 1)
        return xs[lo] + (xs[hi] - xs[lo]) * (k - lo)

    return {"n": len(xs), "p50": round(pct(0.5), 3), "p95": round(pct(0.95), 3),
            "mean": round(statistics.fmean(xs), 3), "min": round(xs[0], 3), "max": round(xs[-1], 3)}


def dir_bytes(path: Path) -> int:
    """Bytes of regular files under ``path`` (symlinks not followed, so a version folder counts once)."""
    total = 0
    for root, _dirs, files in os.walk(path):
        for name in files:
            p = Path(root) / name
            if not p.is_symlink():
                total += p.stat().st_size
    return total


def read_json(path: Path) -> Any:
    return json.loads(Path(path).read_text("utf-8"))


def write_json(path: Path, data: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(data, indent=1, ensure_ascii=False, default=str), "utf-8")
    os.replace(tmp, path)


# ---- subprocesses -------------------------------------------------------------------------------------------------
class ProcessResult:
    """A finished child: wall time from just before spawning to its exit, its own peak RSS, output, exit code."""

    def __init__(self, wall_s: float, maxrss_mb: float, returncode: int, stdout: str, stderr: str):
        self.wall_s, self.maxrss_mb, self.returncode = wall_s, maxrss_mb, returncode
        self.stdout, self.stderr = stdout, stderr


def run_process(cmd: Sequence[str], timeout: float, env: dict[str, str] | None = None,
                stream_stderr: bool = False) -> ProcessResult:
    """Run ``cmd`` and reap it with ``os.wait4`` so the peak RSS is this child's alone (not all children's)."""
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(list(cmd), stdout=out, stderr=None if stream_stderr else err,
                                env=env or child_env(), cwd=ROOT)
        timer = threading.Timer(timeout, proc.kill)
        timer.start()
        try:
            _pid, status, usage = os.wait4(proc.pid, 0)
        finally:
            timer.cancel()
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return ProcessResult(wall, usage.ru_maxrss / 1024.0, proc.returncode, out.read(), err.read())


def run_worker(module: str, command: str, args: dict[str, Any], timeout: float) -> dict[str, Any]:
    """``python -m <module> <command> args.json out.json`` in a fresh process; returns its JSON result.

    The worker's stderr (its progress lines) goes straight to ours. A failed worker raises ``RuntimeError``."""
    with tempfile.TemporaryDirectory(prefix="bench-") as tmp:
        args_path, out_path = Path(tmp) / "args.json", Path(tmp) / "out.json"
        write_json(args_path, args)
        res = run_process([PYTHON, "-m", module, command, str(args_path), str(out_path)], timeout,
                          stream_stderr=True)
        if res.returncode != 0 or not out_path.is_file():
            raise RuntimeError(f"{module} {command} exited with {res.returncode} after {res.wall_s:.0f}s")
        result = read_json(out_path)
    result["process_wall_s"] = round(res.wall_s, 3)
    result["process_peak_rss_mb"] = round(res.maxrss_mb, 1)
    return result


def worker_main(commands: dict[str, Any], argv: Sequence[str] | None = None) -> int:
    """Entry point of a worker module: ``<command> args.json out.json`` -> ``commands[command](args)`` -> JSON."""
    argv = list(sys.argv[1:] if argv is None else argv)
    if len(argv) != 3 or argv[0] not in commands:
        print(f"usage: python -m bench.<worker> {{{','.join(commands)}}} ARGS.json OUT.json", file=sys.stderr)
        return 2
    for key, value in OFFLINE_ENV.items():
        os.environ.setdefault(key, value)
    import warnings

    warnings.filterwarnings("ignore")
    result = commands[argv[0]](read_json(Path(argv[1])))
    write_json(Path(argv[2]), result)
    return 0


# ---- retrieval quality --------------------------------------------------------------------------------------------
def load_eval(path: Path) -> list[dict[str, Any]]:
    """The answerable questions of a JSONL eval set that carry evidence quotes."""
    rows = [json.loads(line) for line in Path(path).read_text("utf-8").splitlines() if line.strip()]
    return [r for r in rows if r.get("answerable", True) and r.get("evidence")]


def locate(quotes: Iterable[str], texts: dict[str, str]) -> list[Span]:
    """Every occurrence of every quote in every text (a quote may legitimately appear in several files)."""
    spans: list[Span] = []
    for quote in quotes:
        for source, text in texts.items():
            i = text.find(quote)
            while i >= 0:
                spans.append((source, i, i + len(quote)))
                i = text.find(quote, i + 1)
    return spans


def overlaps(hit: Span, gold: Iterable[Span]) -> bool:
    source, start, end = hit
    return any(source == g[0] and start < g[2] and g[1] < end for g in gold)


def hit_at_k(eval_rows: list[dict[str, Any]], texts: dict[str, str], retrieve: Any, k: int = 5) -> dict[str, Any]:
    """hit@k: a question scores when any of its top ``k`` retrieved spans overlaps any evidence quote's span.

    ``retrieve(question, k) -> list[Span]``. Questions whose quotes are found in no file are counted apart.
    ``mean_chars_top_k``: how much text the top ``k`` hold (bigger chunks make a hit easier)."""
    hits, n, unlocated, misses, chars = 0, 0, [], [], []
    for row in eval_rows:
        gold = locate(row["evidence"], texts)
        if not gold:
            unlocated.append(row.get("id", row["question"]))
            continue
        n += 1
        found = retrieve(row["question"], k)
        chars.append(sum(end - start for _src, start, end in found))
        if any(overlaps(span, gold) for span in found):
            hits += 1
        else:
            misses.append(row.get("id", row["question"]))
    return {"k": k, "n": n, "hits": hits, "hit_rate": round(hits / n, 4) if n else None,
            "mean_chars_top_k": round(sum(chars) / len(chars), 1) if chars else None,
            "unlocated": unlocated, "misses": misses}


def read_texts(src: Path) -> dict[str, str]:
    """Source texts keyed by their path relative to ``src`` (POSIX), decoded as the product decodes them."""
    out = {}
    for path in sorted(p for p in src.rglob("*") if p.is_file()):
        text = path.read_bytes().decode("utf-8")
        out[path.relative_to(src).as_posix()] = text[1:] if text.startswith("\ufeff") else text
    return out
