"""Orchestration: for each corpus, each side (product, baseline) builds in its own process, is started cold, then
serves queries and re-indexes in another process; then the backend, ANN and store sections. Every step that fails is
recorded in ``errors`` and the rest still runs."""
from __future__ import annotations

import os
import platform
import shutil
import subprocess
import time
import traceback
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any, Callable

from . import corpora
from .common import ROOT, WORK_ROOT, log, run_worker, set_work_dir, write_json

SIDES = ("product", "baseline")


def _version(dist: str) -> str | None:
    try:
        return metadata.version(dist)
    except metadata.PackageNotFoundError:
        return None


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def machine_info() -> dict[str, Any]:
    cpu = ""
    try:
        cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                    if line.startswith("model name")), "")
    except OSError:
        pass
    mem_gb = None
    try:
        mem_gb = round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2 ** 30, 1)
    except (ValueError, OSError):
        pass
    return {"cpu_count": os.cpu_count(), "cpu_model": cpu, "memory_gb": mem_gb, "platform": platform.platform(),
            "python": platform.python_version(),
            "versions": {d: _version(d) for d in ("torch", "faiss-cpu", "sentence-transformers", "numpy",
                                                  "langchain-core", "langchain-community", "langchain-text-splitters",
                                                  "onnxruntime", "bm25s")},
            "git_commit": _git("rev-parse", "--short", "HEAD"),
            "assistant_uncommitted_changes": bool(_git("status", "--porcelain", "--", "assistant")),
            "loadavg_start": list(os.getloadavg())}


class Run:
    """One benchmark run: its configuration, the results so far, and where partial results go."""

    def __init__(self, quick: bool, out_dir: Path):
        self.quick, self.out_dir = quick, out_dir
        self.t0 = time.perf_counter()
        self.work = WORK_ROOT / f"{'quick' if quick else 'full'}-{os.getpid()}"
        set_work_dir(self.work)
        self.results: dict[str, Any] = {
            "quick": quick, "started_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "machine": machine_info(), "work_dir": str(self.work), "corpora": {}, "errors": []}
        self.n_queries = 30 if quick else 50
        self.cold_runs = 1 if quick else 3

    def step(self, label: str, fn: Callable[[], Any]) -> Any:
        """Run one measurement; on failure log it, record it, and carry on."""
        try:
            return fn()
        except Exception as exc:  # a broken step must not lose the rest of a 40-minute run
            log(f"FAILED {label}: {type(exc).__name__}: {exc}")
            self.results["errors"].append({"step": label, "error": f"{type(exc).__name__}: {exc}",
                                           "traceback": traceback.format_exc(limit=3)})
            return None

    def checkpoint(self) -> None:
        """Partial results (bench/results/*.tmp is git-ignored) and a load-average sample: other work on this
        machine during a run skews its timings, so the run records how busy the machine was."""
        self.results.setdefault("loadavg_samples", []).append(
            [round(time.perf_counter() - self.t0, 1), *(round(x, 2) for x in os.getloadavg())])
        write_json(self.out_dir / "running.json.tmp", self.results)

    # ---- corpora --------------------------------------------------------------------------------------------------
    def corpora(self) -> list[corpora.Corpus]:
        n = self.n_queries
        out = [corpora.article(n if self.quick else 63), corpora.pydoc(n)]
        if not self.quick:
            out += [corpora.rst_slice(1_000, n), corpora.rst_slice(10_000, n)]
        return out

    def measure_side(self, corpus: corpora.Corpus, side: str) -> dict[str, Any]:
        from . import baseline, product

        run_dir = self.work / "runs" / corpus.name / side
        shutil.rmtree(run_dir, ignore_errors=True)
        src, index_dir = run_dir / "src", run_dir / "index"
        shutil.copytree(corpus.src, src)
        args = {"corpus": corpus.name, "src": str(src), "index_dir": str(index_dir), "queries": corpus.queries,
                "evalsets": corpus.evalsets, "change_file": corpus.change_file, "quick": self.quick}
        module = f"bench.{side}"
        timeout = 900 if self.quick else 4 * 3600
        out: dict[str, Any] = {"index_dir": str(index_dir)}
        build = self.step(f"{corpus.name}/{side}/build", lambda: run_worker(module, "build", args, timeout))
        if build is None:
            return out
        out.update(build)
        log(f"{side}: {corpus.name}: cold start ({self.cold_runs} run(s)) ...")
        if side == "product":
            cold = self.step(f"{corpus.name}/{side}/cold", lambda: product.cold_ask(
                src, index_dir, corpus.queries[0], self.cold_runs))
        else:
            cold = self.step(f"{corpus.name}/{side}/cold", lambda: baseline.cold_search(
                index_dir, corpus.queries[0], self.cold_runs))
        out.update(cold or {})
        log(f"{side}: {corpus.name}: warm queries + re-index ...")
        # --quick: the baseline's re-index is its full build (the same code path, it has no incremental mode), so
        # its build time stands in for it rather than rebuilding twice more; the full run measures both rebuilds.
        reuse_build = self.quick and side == "baseline" and corpus.name != "article"
        serve = self.step(f"{corpus.name}/{side}/serve", lambda: run_worker(
            module, "serve", dict(args, reindex=not reuse_build), timeout))
        if serve is not None:
            serve["serve_process_peak_rss_mb"] = serve.pop("process_peak_rss_mb")
            serve["serve_process_wall_s"] = serve.pop("process_wall_s")
            out.update(serve)
        if reuse_build:
            out["reindex_nochange_s"] = out["reindex_onechange_s"] = out["build_s"]
            out["reindex_note"] = "quick mode: the full build time (a baseline re-index is a full rebuild), not re-measured"
        return out

    def run_corpora(self) -> list[corpora.Corpus]:
        done = []
        for corpus in self.step("corpora", self.corpora) or []:
            log(f"corpus {corpus.name}: {corpus.files} files, {corpus.chars:,} chars, ~{corpus.est_passages:,} "
                f"passages estimated, {len(corpus.queries)} queries")
            entry: dict[str, Any] = {"info": corpus.to_json()}
            self.results["corpora"][corpus.name] = entry
            for side in SIDES:
                entry[side] = self.measure_side(corpus, side)
                self.checkpoint()
            done.append(corpus)
        return done

    # ---- sections ---------------------------------------------------------------------------------------------
    def run_backends(self, done: list[corpora.Corpus]) -> None:
        from . import product

        names = product.backends()
        self.results["backends"] = {"available": names}
        by_name = {c.name: c for c in done}
        article = by_name.get("article")
        if article is None:
            return
        # passages/s of every backend on the same corpus: pydoc, or ~50k characters of it in --quick
        throughput = self.step("pydoc subset", lambda: corpora.pydoc_subset(50_000)) if self.quick \
            else by_name.get("pydoc")
        if throughput is None:
            return
        args = {"work": str(self.work / "backends"), "backends": names, "article_src": str(article.src),
                "evalsets": article.evalsets, "queries": article.queries, "throughput_corpus": throughput.name,
                "throughput_src": str(throughput.src)}
        log(f"backends: {', '.join(names)} ...")
        res = self.step("backends", lambda: run_worker("bench.product", "backends", args, 3600))
        if res:
            self.results["backends"].update(res)

    def run_ann(self, done: list[corpora.Corpus]) -> None:
        from . import product

        if not product.has_ann_threshold() or not done:
            self.results["ann"] = {"available": False}
            return
        if self.quick:
            self.results["ann"] = {"available": True, "skipped": "quick mode (no corpus is above ann_threshold)"}
            return
        corpus = done[-1]
        index_dir = self.results["corpora"][corpus.name].get("product", {}).get("index_dir")
        src = self.work / "runs" / corpus.name / "product" / "src"
        if not index_dir:
            return
        args = {"corpus": corpus.name, "src": str(src), "index_dir": index_dir, "queries": corpus.queries,
                "evalsets": corpus.evalsets}
        log(f"ann: product retriever exact vs HNSW on {corpus.name} ...")
        res = self.step("ann", lambda: run_worker("bench.product", "ann", args, 3600))
        self.results["ann"] = {"available": True, **(res or {})}

    def run_store(self, done: list[corpora.Corpus]) -> None:
        real = {}
        if done:
            corpus = done[-1]
            index_dir = self.results["corpora"][corpus.name].get("product", {}).get("index_dir")
            if index_dir:
                real[corpus.name] = index_dir
        args = {"sizes": [100_000] if self.quick else [100_000, 1_000_000], "queries": 100 if self.quick else 200,
                "ef_values": [32, 64, 128] if self.quick else [16, 32, 64, 128, 256, 512], "seed": 0, "real": real}
        res = self.step("store", lambda: run_worker("bench.store", "run", args, 3 * 3600))
        if res:
            self.results["store"] = res

    def run(self) -> dict[str, Any]:
        from . import product

        log(f"{'quick' if self.quick else 'full'} benchmark; scratch in {self.work}, results in {self.out_dir}")
        self.results["settings"] = self.step("settings", product.settings_summary)
        done = self.run_corpora()
        self.run_backends(done)
        self.checkpoint()
        self.run_ann(done)
        self.checkpoint()
        self.run_store(done)
        self.results["finished_at"] = datetime.now(timezone.utc).isoformat(timespec="seconds")
        self.results["wall_s"] = round(time.perf_counter() - self.t0, 1)
        self.results["machine"]["loadavg_end"] = list(os.getloadavg())
        if not self.results["errors"] and not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.work, ignore_errors=True)  # kept after a failure (or with BENCH_KEEP=1)
        return self.results
