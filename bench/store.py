"""The vector store alone: exact FAISS (IndexFlatIP) vs HNSW (IndexHNSWFlat, M=32, inner product).

Synthetic L2-normalised 384-d float32 vectors (numpy, seeded) at 100k (and 1M in full mode): exact single-query
latency; HNSW build time, single-query latency and recall@5 against exact, over a sweep of efSearch. Then the same
recall on REAL embeddings: the sentence and passage vectors of a product index, with held-out rows as queries.

``python -m bench.store run ARGS.json OUT.json``
"""
from __future__ import annotations

import sys
import time
from pathlib import Path
from typing import Any

from .common import log, peak_rss_mb, stats_ms, worker_main

DIM, M, K = 384, 32, 5
HEADLINE_EF = 64


def normalised(rng: Any, n: int, dim: int = DIM, chunk: int = 100_000) -> Any:
    import numpy as np

    out = np.empty((n, dim), dtype="float32")
    for i in range(0, n, chunk):
        block = rng.standard_normal((min(chunk, n - i), dim), dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        out[i:i + len(block)] = block
    return out


def single_query_latency(index: Any, queries: Any) -> dict[str, float]:
    index.search(queries[:1], K)
    lat = []
    for i in range(len(queries)):
        t = time.perf_counter()
        index.search(queries[i:i + 1], K)
        lat.append(time.perf_counter() - t)
    return stats_ms(lat)


def recall(found: Any, truth: Any) -> float:
    hits = sum(len(set(f[f >= 0]) & set(t)) for f, t in zip(found, truth))
    return round(hits / truth.size, 4)


def exact_vs_hnsw(xb: Any, xq: Any, ef_values: list[int], label: str, latency: bool = True) -> dict[str, Any]:
    """Build both indexes over ``xb``; time builds and single queries; recall@5 of HNSW for each efSearch."""
    import faiss

    out: dict[str, Any] = {"n": int(len(xb)), "queries": int(len(xq)), "dim": int(xb.shape[1])}
    t = time.perf_counter()
    flat = faiss.IndexFlatIP(xb.shape[1])
    flat.add(xb)
    out["flat_build_s"] = round(time.perf_counter() - t, 3)
    if latency:
        out["flat_search_ms"] = single_query_latency(flat, xq)
    _, truth = flat.search(xq, K)
    del flat
    hnsw = faiss.IndexHNSWFlat(xb.shape[1], M, faiss.METRIC_INNER_PRODUCT)
    out["hnsw_M"], out["hnsw_efConstruction"] = M, int(hnsw.hnsw.efConstruction)
    log(f"store: {label}: HNSW build over {len(xb):,} vectors ...")
    t = time.perf_counter()
    step = 100_000
    for i in range(0, len(xb), step):
        hnsw.add(xb[i:i + step])
        if len(xb) > step:
            log(f"store: {label}: HNSW {min(i + step, len(xb)):,}/{len(xb):,} added "
                f"({time.perf_counter() - t:.0f}s)")
    out["hnsw_build_s"] = round(time.perf_counter() - t, 3)
    sweep = []
    for ef in ef_values:
        hnsw.hnsw.efSearch = ef
        _, found = hnsw.search(xq, K)
        row: dict[str, Any] = {"efSearch": ef, "recall_at_5": recall(found, truth)}
        if latency:
            row["search_ms"] = single_query_latency(hnsw, xq)
        sweep.append(row)
    out["hnsw_sweep"] = sweep
    out["headline_efSearch"] = HEADLINE_EF
    headline = next((r for r in sweep if r["efSearch"] == HEADLINE_EF), sweep[0])
    out["hnsw_recall_at_5"] = headline["recall_at_5"]
    if latency:
        out["hnsw_search_ms"] = headline["search_ms"]
    out["peak_rss_mb"] = round(peak_rss_mb(), 1)
    log(f"store: {label}: HNSW build {out['hnsw_build_s']:.1f}s, recall@5 {out['hnsw_recall_at_5']} at "
        f"efSearch {HEADLINE_EF}" + (f", p50 {headline['search_ms']['p50']:.3f} ms vs exact "
                                     f"{out['flat_search_ms']['p50']:.3f} ms" if latency else ""))
    return out


def real_vectors(index_dir: Path, which: str) -> Any:
    from assistant import store

    data = store.load(index_dir)
    return data.sentence_vecs if which == "sentences" else data.passage_vecs


def cmd_run(args: dict[str, Any]) -> dict[str, Any]:
    import faiss
    import numpy as np

    ef_values: list[int] = args["ef_values"]
    out: dict[str, Any] = {"faiss_version": faiss.__version__, "omp_threads": faiss.omp_get_max_threads(),
                           "synthetic": {}, "real": {}}
    for n in args["sizes"]:
        rng = np.random.default_rng(args.get("seed", 0) + n)
        log(f"store: generating {n:,} normalised vectors ...")
        xb = normalised(rng, n)
        xq = normalised(rng, args["queries"])
        out["synthetic"][str(n)] = exact_vs_hnsw(xb, xq, ef_values, f"synthetic {n:,}")
        del xb
    for label, index_dir in (args.get("real") or {}).items():
        for which in ("sentences", "passages"):
            vecs = real_vectors(Path(index_dir), which)
            rng = np.random.default_rng(7)
            order = rng.permutation(len(vecs))
            nq = min(args["queries"], max(1, len(vecs) // 10))
            xq, xb = vecs[order[:nq]], np.ascontiguousarray(vecs[order[nq:]])
            key = f"{label}/{which}"
            out["real"][key] = exact_vs_hnsw(xb, xq, ef_values, f"real {key}")
            out["real"][key]["note"] = f"{nq} held-out {which} of the {label} product index as queries"
    return out


def main(argv: list[str] | None = None) -> int:
    return worker_main({"run": cmd_run}, argv)


if __name__ == "__main__":
    sys.exit(main())
