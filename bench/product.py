"""The product side: the ``Assistant`` API, used exactly as a user would, in worker processes.

``python -m bench.product {build,serve,backends,ann} ARGS.json OUT.json``. Settings the lead developer may or may not
have landed yet (``EmbeddingSettings.backend``, ``RetrievalSettings.ann_threshold``) are detected, never assumed.
"""
from __future__ import annotations

import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .common import (APPENDED, PYTHON, Span, dir_bytes, hit_at_k, load_eval, log, peak_rss_mb, read_texts,
                     stats_ms, worker_main)

SEARCH_K = 5
CLI = str(Path(PYTHON).parent / "assistant")


# ---- optional settings --------------------------------------------------------------------------------------------
def field_names(model: Any) -> set[str]:
    fields = getattr(model, "model_fields", None) or getattr(model, "__fields__", {})
    return set(fields)


def backends() -> list[str]:
    """The embedding backends this checkout offers (torch always; the others once ``EmbeddingSettings.backend``
    accepts them)."""
    from assistant.settings import EmbeddingSettings

    out = ["torch"]
    if "backend" in field_names(EmbeddingSettings):
        for name in ("onnx", "onnx-int8"):
            try:
                EmbeddingSettings(backend=name)
                out.append(name)
            except Exception:  # the field exists but does not accept this value
                pass
    return out


def has_ann_threshold() -> bool:
    from assistant.settings import RetrievalSettings

    return "ann_threshold" in field_names(RetrievalSettings)


def make_settings(src: str | Path, index_dir: str | Path, backend: str | None = None) -> Any:
    from assistant import Settings
    from assistant.settings import EmbeddingSettings

    kwargs: dict[str, Any] = {}
    if backend and backend in backends() and "backend" in field_names(EmbeddingSettings):
        kwargs["embedding"] = EmbeddingSettings(backend=backend)
    elif backend and backend != "torch":
        raise ValueError(f"this checkout has no embedding backend {backend!r}")
    return Settings(source_dir=Path(src), index_dir=Path(index_dir), **kwargs)


def settings_summary() -> dict[str, Any]:
    """The default settings that shape the numbers (so a result file says what was measured)."""
    from assistant import Settings

    s = Settings()
    return {"chunking": s.chunking.model_dump(mode="json"), "embedding": s.embedding.model_dump(mode="json"),
            "retrieval": s.retrieval.model_dump(mode="json"), "backends": backends(),
            "ann_threshold_setting": has_ann_threshold()}


def warm_embedder(settings: Any) -> tuple[Any, float]:
    from assistant.embedding import Embedder

    t0 = time.perf_counter()
    emb = Embedder(settings.embedding)
    emb.embed(["warm up"])
    emb.embed_queries(["warm up"])
    return emb, time.perf_counter() - t0


def _kind(index: Any) -> str:
    import faiss

    inner = faiss.downcast_index(index.index) if hasattr(index, "id_map") else faiss.downcast_index(index)
    return type(inner).__name__


def index_kinds(index_dir: Path) -> dict[str, str]:
    """What FAISS index type the product stored for passages and sentences (flat, or HNSW above the threshold)."""
    import faiss

    out = {}
    for name in ("passages", "sentences"):
        path = index_dir / "current" / f"{name}.faiss"
        try:
            out[name] = _kind(faiss.read_index(str(path)))
        except Exception as exc:  # the layout changed: say so rather than fail the run
            out[name] = f"unknown ({type(exc).__name__})"
    return out


def passage_spans(passages: list[Any]) -> list[Span]:
    return [(p.source, p.start, p.end) for p in passages]


# ---- worker commands ----------------------------------------------------------------------------------------------
def cmd_build(args: dict[str, Any]) -> dict[str, Any]:
    """One full build (``build_index(rebuild=True)``) in a fresh process: its peak RSS is the build's."""
    from assistant import Assistant, store

    src, index_dir = Path(args["src"]), Path(args["index_dir"])
    shutil.rmtree(index_dir, ignore_errors=True)
    s = make_settings(src, index_dir, args.get("backend"))
    emb, model_load_s = warm_embedder(s)
    rss_model = peak_rss_mb()
    a = Assistant(s, embedder=emb)
    log(f"product: building {args['corpus']} ...")
    t0 = time.perf_counter()
    report = a.build_index(rebuild=True)
    build_s = time.perf_counter() - t0
    counts = store.read_manifest(index_dir).get("counts", {})
    log(f"product: {args['corpus']}: {report.passages} passages, {counts.get('sentences')} sentences "
        f"in {build_s:.1f}s")
    return {"build_s": round(build_s, 3), "units": report.passages, "passages": report.passages,
            "sentences": counts.get("sentences"), "embedded_texts": report.passages + int(counts.get("sentences", 0)),
            "units_per_s": round(report.passages / build_s, 2), "report_seconds": round(report.seconds, 3),
            "model_load_s": round(model_load_s, 3), "rss_after_model_mb": round(rss_model, 1),
            "build_peak_rss_mb": round(peak_rss_mb(), 1), "index_bytes": dir_bytes(index_dir),
            "index_kinds": index_kinds(index_dir)}


def cmd_serve(args: dict[str, Any]) -> dict[str, Any]:
    """Warm latencies (one query at a time), hit@5, then the incremental re-index measures."""
    from assistant import Assistant

    src, index_dir = Path(args["src"]), Path(args["index_dir"])
    queries: list[str] = args["queries"]
    s = make_settings(src, index_dir, args.get("backend"))
    emb, _ = warm_embedder(s)
    a = Assistant(s, embedder=emb)
    t0 = time.perf_counter()
    a.load()
    load_s = time.perf_counter() - t0
    a.search(queries[0], k=SEARCH_K)
    a.ask(queries[0])
    search = []
    for q in queries:
        t = time.perf_counter()
        a.search(q, k=SEARCH_K)
        search.append(time.perf_counter() - t)
    ask, refused = [], 0
    for q in queries:
        t = time.perf_counter()
        answer = a.ask(q)
        ask.append(time.perf_counter() - t)
        refused += bool(answer.refused)
    texts = read_texts(src)
    hits = {name: hit_at_k(load_eval(Path(path)), texts, lambda q, k: passage_spans(a.search(q, k=k)))
            for name, path in args["evalsets"].items()}
    out: dict[str, Any] = {"index_load_s": round(load_s, 3), "search_ms": stats_ms(search), "ask_ms": stats_ms(ask),
                           "ask_refused": refused, "ask_note": "extractive cited answer",
                           "hit_at_5": hits, "serve_peak_rss_mb": round(peak_rss_mb(), 1)}
    if args.get("reindex", True):
        log(f"product: re-index {args['corpus']} with no change ...")
        t = time.perf_counter()
        r = a.build_index()
        out["reindex_nochange_s"] = round(time.perf_counter() - t, 4)
        out["reindex_nochange_embedded"] = r.embedded
        path = src / args["change_file"]
        path.write_text(path.read_text("utf-8") + APPENDED, "utf-8")
        log(f"product: re-index {args['corpus']} with one file changed ...")
        t = time.perf_counter()
        r = a.build_index()
        out["reindex_onechange_s"] = round(time.perf_counter() - t, 4)
        out["reindex_onechange_embedded"] = r.embedded
        out["reindex_onechange_full_rebuild"] = r.full_rebuild
    return out


def cmd_backends(args: dict[str, Any]) -> dict[str, Any]:
    """Each embedding backend on the article (hit@5, query latency) and on a throughput corpus (passages/s);
    mean cosine of every backend's article passage vectors to torch's."""
    import numpy as np

    from assistant import Assistant, store

    work = Path(args["work"])
    out: dict[str, Any] = {"backends": {}}
    vecs: dict[str, Any] = {}
    ids: dict[str, list[str]] = {}
    texts = read_texts(Path(args["article_src"]))
    for backend in args["backends"]:
        res: dict[str, Any] = {}
        idx = work / backend / "article"
        shutil.rmtree(idx, ignore_errors=True)
        s = make_settings(args["article_src"], idx, backend)
        log(f"backends: {backend}: loading (first use may export the model) ...")
        emb, res["setup_s"] = warm_embedder(s)
        a = Assistant(s, embedder=emb)
        t = time.perf_counter()
        report = a.build_index(rebuild=True)
        res["article_build_s"] = round(time.perf_counter() - t, 3)
        res["article_passages"] = report.passages
        a.load()
        res["hit_at_5"] = {name: hit_at_k(load_eval(Path(path)), texts,
                                          lambda q, k: passage_spans(a.search(q, k=k)))
                           for name, path in args["evalsets"].items()}
        qlat, slat = [], []
        for q in args["queries"]:
            t = time.perf_counter()
            emb.embed_queries([q])
            qlat.append(time.perf_counter() - t)
            t = time.perf_counter()
            a.search(q, k=SEARCH_K)
            slat.append(time.perf_counter() - t)
        res["query_embed_ms"], res["search_ms"] = stats_ms(qlat), stats_ms(slat)
        data = store.load(idx)
        vecs[backend], ids[backend] = data.passage_vecs, [p.passage_id for p in data.passages]
        tidx = work / backend / "throughput"
        shutil.rmtree(tidx, ignore_errors=True)
        log(f"backends: {backend}: building {args['throughput_corpus']} for passages/s ...")
        b = Assistant(make_settings(args["throughput_src"], tidx, backend), embedder=emb)
        t = time.perf_counter()
        report = b.build_index(rebuild=True)
        secs = time.perf_counter() - t
        res["throughput"] = {"corpus": args["throughput_corpus"], "build_s": round(secs, 3),
                             "passages": report.passages, "passages_per_s": round(report.passages / secs, 2)}
        out["backends"][backend] = res
        log(f"backends: {backend}: article hit@5 {res['hit_at_5'].get('dev', {}).get('hit_rate')}, "
            f"{res['throughput']['passages_per_s']} passages/s")
    for backend in vecs:
        if backend == "torch" or "torch" not in vecs:
            continue
        if ids[backend] != ids["torch"]:
            out["backends"][backend]["cosine_to_torch"] = {"error": "the backends split the article differently"}
            continue
        cos = np.sum(vecs[backend] * vecs["torch"], axis=1)
        out["backends"][backend]["cosine_to_torch"] = {"n": int(len(cos)), "mean": round(float(cos.mean()), 5),
                                                       "min": round(float(cos.min()), 5)}
    return out


def cmd_ann(args: dict[str, Any]) -> dict[str, Any]:
    """The product's retriever over one index with exact FAISS vs HNSW (``ann_threshold``) for its dense rankers:
    search latency, overlap of the top 5 and hit@5 — same embeddings, same BM25."""
    import dataclasses

    from assistant import store
    from assistant.retrieval import Retriever

    src, index_dir = Path(args["src"]), Path(args["index_dir"])
    s = make_settings(src, index_dir)
    emb, _ = warm_embedder(s)
    data = store.load(index_dir, emb.name)
    out: dict[str, Any] = {"corpus": args["corpus"], "stored_kinds": index_kinds(index_dir),
                           "ann_threshold_default": s.retrieval.ann_threshold,
                           "passages": len(data.passages), "sentences": len(data.sentences)}
    if hasattr(data, "passage_index"):
        data = dataclasses.replace(data, passage_index=None, sentence_index=None)
    variants = {"exact": s.retrieval.model_copy(update={"ann_threshold": 10 ** 12}),
                "hnsw": s.retrieval.model_copy(update={"ann_threshold": 1})}
    texts = read_texts(src)
    tops: dict[str, list[list[str]]] = {}
    for name, cfg in variants.items():
        t = time.perf_counter()
        r = Retriever(data, emb, cfg)
        setup_s = time.perf_counter() - t
        r.search(args["queries"][0], SEARCH_K)
        lat, top = [], []
        for q in args["queries"]:
            t = time.perf_counter()
            found = r.search(q, SEARCH_K)
            lat.append(time.perf_counter() - t)
            top.append([p.passage_id for p in found])
        tops[name] = top
        hits = {k: hit_at_k(load_eval(Path(p)), texts, lambda q, k_: passage_spans(r.search(q, k_)))
                for k, p in args["evalsets"].items()}
        kinds = {n: _kind(ix) for n, ix in (("passages", r.passage_index), ("sentences", r.sentence_index))}
        out[name] = {"retriever_setup_s": round(setup_s, 3), "search_ms": stats_ms(lat), "hit_at_5": hits,
                     "kinds": kinds}
        log(f"ann: {name}: search p50 {out[name]['search_ms']['p50']:.1f} ms (setup {setup_s:.1f}s)")
    overlap = [len(set(a) & set(b)) / max(1, len(a)) for a, b in zip(tops["exact"], tops["hnsw"])]
    out["top5_overlap_mean"] = round(sum(overlap) / max(1, len(overlap)), 4)
    return out


def cold_ask(src: Path, index_dir: Path, question: str, runs: int, timeout: float = 300) -> dict[str, Any]:
    """``assistant --source-dir D --index-dir I ask Q`` in a new process, start to exit; and ``index status``."""
    from .common import run_process

    walls, rss = [], []
    for _ in range(runs):
        res = run_process([CLI, "--source-dir", str(src), "--index-dir", str(index_dir), "ask", question], timeout)
        if res.returncode != 0:
            raise RuntimeError(f"assistant ask exited with {res.returncode}: {res.stderr.strip()[-300:]}")
        walls.append(res.wall_s)
        rss.append(res.maxrss_mb)
    status = run_process([CLI, "--source-dir", str(src), "--index-dir", str(index_dir), "index", "status"], timeout)
    return {"cold_ask_s": sorted(walls)[len(walls) // 2], "cold_ask_runs_s": [round(w, 3) for w in walls],
            "cold_peak_rss_mb": round(max(rss), 1), "cold_answer": (res.stdout.strip().splitlines() or [""])[0][:200],
            "cold_status_s": round(status.wall_s, 3) if status.returncode == 0 else None}


def main(argv: list[str] | None = None) -> int:
    return worker_main({"build": cmd_build, "serve": cmd_serve, "backends": cmd_backends, "ann": cmd_ann}, argv)


if __name__ == "__main__":
    sys.exit(main())
