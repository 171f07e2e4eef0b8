"""latest.json, latest.md (product vs baseline, ratio = product / baseline) and latest.png (matplotlib, Agg)."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

from .common import write_json

MB = 2 ** 20

# (label, getter, better, digits): better is "lower" or "higher"
Getter = Callable[[dict[str, Any]], Any]


def _get(*path: str) -> Getter:
    def get(d: dict[str, Any]) -> Any:
        for key in path:
            if not isinstance(d, dict) or key not in d:
                return None
            d = d[key]
        return d
    return get


def _mb(key: str) -> Getter:
    return lambda d: d[key] / MB if isinstance(d.get(key), (int, float)) else None


def _hit(name: str) -> Getter:
    return _get("hit_at_5", name, "hit_rate")


ROWS: list[tuple[str, Getter, str, int]] = [
    ("full build (s)", _get("build_s"), "lower", 2),
    ("build throughput (product passages/s, baseline chunks/s)", _get("units_per_s"), "higher", 1),
    ("re-index, no change (s) [baseline: full rebuild]", _get("reindex_nochange_s"), "lower", 3),
    ("re-index, one file changed (s) [baseline: full rebuild]", _get("reindex_onechange_s"), "lower", 3),
    ("warm search p50 (ms), k=5", _get("search_ms", "p50"), "lower", 2),
    ("warm search p95 (ms), k=5", _get("search_ms", "p95"), "lower", 2),
    ("warm ask p50 (ms) [baseline: top-4 retrieval only, no answer]", _get("ask_ms", "p50"), "lower", 2),
    ("warm ask p95 (ms) [baseline: top-4 retrieval only, no answer]", _get("ask_ms", "p95"), "lower", 2),
    ("cold ask, process start to answer (s) [baseline: load + 1 search]", _get("cold_ask_s"), "lower", 2),
    ("cold `assistant index status` (s) [product only]", _get("cold_status_s"), "lower", 2),
    ("peak RSS, build process (MB)", _get("build_peak_rss_mb"), "lower", 0),
    ("peak RSS, serving process (MB)", _get("serve_peak_rss_mb"), "lower", 0),
    ("peak RSS, cold ask process (MB)", _get("cold_peak_rss_mb"), "lower", 0),
    ("index on disk (MB)", _mb("index_bytes"), "lower", 2),
]
HIT_LABELS = {"dev": "hit@5, dev set (article)", "article_heldout": "hit@5, held-out set (article)",
              "pydocs_heldout": "hit@5, held-out set (pydocs)"}


def _fmt(x: Any, digits: int) -> str:
    if x is None:
        return "–"
    if isinstance(x, float) or isinstance(x, int):
        return f"{x:,.{digits}f}"
    return str(x)


def _ratio(p: Any, b: Any) -> str:
    if not isinstance(p, (int, float)) or not isinstance(b, (int, float)) or not b:
        return "–"
    r = p / b
    return f"{r:.2f}" if r >= 0.1 or r == 0 else f"{r:.2g}"


def comparison_rows(results: dict[str, Any]) -> list[dict[str, Any]]:
    rows = []
    for name, entry in results.get("corpora", {}).items():
        prod, base = entry.get("product", {}), entry.get("baseline", {})
        specs = list(ROWS)
        for evalset in entry.get("info", {}).get("evalsets", {}):
            label = HIT_LABELS.get(evalset, f"hit@5, {evalset}")
            specs.append((label, _hit(evalset), "higher", 3))
            specs.append((f"{label}: characters in the top 5 (mean)", _get("hit_at_5", evalset, "mean_chars_top_k"),
                          "context", 0))
        for label, get, better, digits in specs:
            p, b = get(prod), get(base)
            if p is None and b is None:
                continue
            rows.append({"corpus": name, "metric": label, "product": p, "baseline": b, "better": better,
                         "digits": digits, "ratio": _ratio(p, b)})
    return rows


def _table(header: list[str], rows: list[list[str]]) -> list[str]:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(r) + " |" for r in rows]
    return out


def markdown(results: dict[str, Any]) -> str:
    m = results.get("machine", {})
    v = m.get("versions", {})
    lines = [f"# Benchmark: product vs LangChain-tutorial baseline ({'quick' if results.get('quick') else 'full'})",
             "",
             f"{results.get('started_at')} → {results.get('finished_at')} ({results.get('wall_s')} s); "
             f"{m.get('cpu_count')} CPU ({m.get('cpu_model')}), {m.get('memory_gb')} GB; Python {m.get('python')}, "
             f"torch {v.get('torch')}, faiss {v.get('faiss-cpu')}, sentence-transformers "
             f"{v.get('sentence-transformers')}, langchain-community {v.get('langchain-community')}; "
             f"git {m.get('git_commit')}" + (" + uncommitted changes in assistant/"
                                                if m.get("assistant_uncommitted_changes") else "")
             + f"; load average at start {', '.join(f'{x:.2f}' for x in m.get('loadavg_start', []))}.",
             "",
             "Baseline: `RecursiveCharacterTextSplitter(chunk_size=1000, chunk_overlap=200)` + "
             "`FAISS.from_documents` + `save_local`, same MiniLM embedder (normalised, 1 torch thread per query). "
             "Its \"ask\" is the tutorial's retrieval of the top 4 chunks: it has no answer without an LLM. "
             "It has no incremental mode, so every re-index is a full rebuild. The product runs with its default "
             f"settings (embedding backend `{_get('settings', 'embedding', 'backend')(results) or 'torch'}`) and "
             "embeds every passage *and* every sentence (each distinct text once). Ratio = product / baseline: for times ≤ 1.0 means the product is faster; "
             "for throughput and hit@5, > 1.0 means the product is better. hit@5 counts a question when any of the top 5 "
             "overlaps an evidence quote, so bigger chunks make a hit easier: the characters the top 5 hold are shown "
             "next to it." + (" In --quick mode the baseline's re-index rows for pydoc are its full build time "
                              "(the same code path), not re-measured." if results.get("quick") else ""),
             "", "## Corpora", ""]
    crow = []
    for name, entry in results.get("corpora", {}).items():
        info, prod, base = entry.get("info", {}), entry.get("product", {}), entry.get("baseline", {})
        crow.append([name, _fmt(info.get("files"), 0), _fmt(info.get("chars"), 0), _fmt(info.get("est_passages"), 0),
                     _fmt(prod.get("passages"), 0), _fmt(prod.get("sentences"), 0), _fmt(base.get("chunks"), 0),
                     _fmt(info.get("n_queries"), 0), info.get("note", "")])
    lines += _table(["corpus", "files", "characters", "est. passages (chars/400)", "product passages",
                     "product sentences", "baseline chunks", "queries", "note"], crow)
    lines += ["", "## Product vs baseline", ""]
    lines += _table(["corpus", "metric", "product", "baseline", "ratio (p/b)", "better"],
                    [[r["corpus"], r["metric"], _fmt(r["product"], r["digits"]), _fmt(r["baseline"], r["digits"]),
                      r["ratio"], r["better"]] for r in comparison_rows(results)])
    lines += _backends_md(results.get("backends") or {})
    lines += _ann_md(results.get("ann") or {})
    lines += _store_md(results.get("store") or {})
    errors = results.get("errors") or []
    if errors:
        lines += ["", "## Errors", ""] + [f"- `{e['step']}`: {e['error']}" for e in errors]
    return "\n".join(lines) + "\n"


def _backends_md(b: dict[str, Any]) -> list[str]:
    per = b.get("backends") or {}
    if not per:
        return []
    out = ["", "## Product embedding backends", "",
           f"Available: {', '.join(b.get('available', []))}. hit@5 on the article; passages/s = product passages of "
           "the throughput corpus / its full build time (passages and sentences embedded); cosine = mean (min) "
           "cosine between the backend's and torch's vectors of the article's passages.", ""]
    rows = []
    for name, r in per.items():
        t = r.get("throughput", {})
        cos = r.get("cosine_to_torch") or {}
        rows.append([name, _fmt(r.get("setup_s"), 1), f"{_fmt(t.get('passages_per_s'), 1)} ({t.get('corpus', '')})",
                     _fmt(_hit("dev")(r), 3), _fmt(_hit("article_heldout")(r), 3),
                     _fmt(_get("query_embed_ms", "p50")(r), 2), _fmt(_get("search_ms", "p50")(r), 2),
                     "1 (reference)" if name == "torch" else
                     (f"{cos['mean']:.4f} ({cos['min']:.4f})" if "mean" in cos else cos.get("error", "–"))])
    return out + _table(["backend", "load/setup (s)", "passages/s", "hit@5 dev", "hit@5 held-out",
                         "query embed p50 (ms)", "search p50 (ms)", "cosine to torch"], rows)


def _ann_md(a: dict[str, Any]) -> list[str]:
    if not a.get("available") or "exact" not in a:
        return []
    out = ["", f"## Product retriever: exact vs HNSW dense search ({a.get('corpus')})", "",
           f"{a.get('passages'):,} passages, {a.get('sentences'):,} sentences; the stored index is "
           f"{a.get('stored_kinds')} (ann_threshold default {a.get('ann_threshold_default'):,}). Same embeddings "
           f"and BM25; mean overlap of the top 5: {a.get('top5_overlap_mean')}.", ""]
    rows = []
    for name in ("exact", "hnsw"):
        r = a.get(name, {})
        hits = ", ".join(f"{k} {v.get('hit_rate')}" for k, v in (r.get("hit_at_5") or {}).items()) or "–"
        rows.append([name, str(r.get("kinds", {}).get("sentences", "")), _fmt(r.get("retriever_setup_s"), 2),
                     _fmt(_get("search_ms", "p50")(r), 2), _fmt(_get("search_ms", "p95")(r), 2), hits])
    return out + _table(["dense index", "sentence index type", "load-time setup (s)", "search p50 (ms)",
                         "search p95 (ms)", "hit@5"], rows)


def _store_md(s: dict[str, Any]) -> list[str]:
    if not s:
        return []
    out = ["", "## Vector store alone (FAISS, 384-d, inner product, single queries, top 5)", "",
           f"faiss {s.get('faiss_version')}, {s.get('omp_threads')} OpenMP threads. HNSW = IndexHNSWFlat(384, 32, "
           "METRIC_INNER_PRODUCT), faiss's default efConstruction; recall@5 against exact search.", ""]
    rows = []
    for kind, group in (("synthetic", s.get("synthetic") or {}), ("real", s.get("real") or {})):
        for key, r in group.items():
            label = f"{int(key):,} random unit vectors" if kind == "synthetic" else f"{key} ({r['n']:,} vectors)"
            rows.append([label, _fmt(_get("flat_search_ms", "p50")(r), 3), _fmt(_get("flat_search_ms", "p95")(r), 3),
                         _fmt(r.get("hnsw_build_s"), 1), _fmt(_get("hnsw_search_ms", "p50")(r), 3),
                         _fmt(_get("hnsw_search_ms", "p95")(r), 3), _fmt(r.get("hnsw_recall_at_5"), 3),
                         " ".join(f"{x['efSearch']}:{x['recall_at_5']:.3f}" for x in r.get("hnsw_sweep", []))])
    out += _table(["vectors", "exact p50 (ms)", "exact p95 (ms)", "HNSW build (s)", "HNSW p50 (ms) ef=64",
                   "HNSW p95 (ms) ef=64", "HNSW recall@5 ef=64", "recall@5 by efSearch"], rows)
    sweep_rows = []
    for key, r in (s.get("synthetic") or {}).items():
        for x in r.get("hnsw_sweep", []):
            sweep_rows.append([f"{int(key):,}", str(x["efSearch"]), _fmt(_get("search_ms", "p50")(x), 3),
                               _fmt(_get("search_ms", "p95")(x), 3), _fmt(x["recall_at_5"], 3)])
    if sweep_rows:
        out += ["", "HNSW efSearch sweep on the synthetic vectors:", ""]
        out += _table(["vectors", "efSearch", "p50 (ms)", "p95 (ms)", "recall@5"], sweep_rows)
    return out


def plot(results: dict[str, Any], path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    names = [n for n, e in results.get("corpora", {}).items() if e.get("product", {}).get("passages")]
    x = [results["corpora"][n]["product"]["passages"] for n in names]
    panels = [("full build (s)", "build_s", None, "log"),
              ("re-index, one file changed (s)", "reindex_onechange_s", None, "log"),
              ("warm latency p50 (ms), one query at a time", ("search_ms", "p50"), ("ask_ms", "p50"), "linear"),
              ("cold ask: process start to answer (s)", "cold_ask_s", None, "linear")]
    fig, grid = plt.subplots(2, 2, figsize=(11, 8.5))
    for ax, (title, key, key2, yscale) in zip(grid.flat, panels):
        for side, color in (("product", "tab:blue"), ("baseline", "tab:orange")):
            for k, style, suffix in ((key, "-o", "search" if key2 else ""), (key2, "--s", "ask")):
                if k is None:
                    continue
                get = _get(*k) if isinstance(k, tuple) else _get(k)
                pts = [(xi, get(results["corpora"][n][side])) for xi, n in zip(x, names)]
                pts = [(a, b) for a, b in pts if isinstance(b, (int, float))]
                if pts:
                    label = side + (f" {suffix}" if suffix else "")
                    if side == "baseline" and suffix == "ask":
                        label += " (top-4 retrieval)"
                    ax.plot(*zip(*pts), style, color=color, label=label)
        ax.set_xscale("log")
        if yscale == "log":
            ax.set_yscale("log")
        else:
            ax.set_ylim(bottom=0)
        for xi, n in zip(x, names):
            ax.annotate(n, (xi, ax.get_ylim()[0]), textcoords="offset points", xytext=(0, 4), fontsize=7,
                        ha="center", color="gray")
        ax.set_xlabel("corpus size (product passages)")
        ax.set_title(title, fontsize=10)
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8)
    fig.suptitle(f"product vs LangChain-tutorial baseline ({'quick' if results.get('quick') else 'full'}, "
                 f"{results.get('machine', {}).get('cpu_count')} CPU)")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def write_all(results: dict[str, Any], out_dir: Path) -> dict[str, Path]:
    out_dir.mkdir(parents=True, exist_ok=True)
    paths = {"json": out_dir / "latest.json", "md": out_dir / "latest.md", "png": out_dir / "latest.png"}
    write_json(paths["json"], results)
    paths["md"].write_text(markdown(results), "utf-8")
    plot(results, paths["png"])
    (out_dir / "running.json.tmp").unlink(missing_ok=True)
    return paths
