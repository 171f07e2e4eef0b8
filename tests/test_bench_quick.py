"""The benchmark harness end to end: ``python -m bench --quick --out DIR`` writes JSON, Markdown and PNG with both
the product's and the baseline's numbers for the article and pydoc corpora (a few minutes: real models, real FAISS).
"""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_bench_quick_writes_product_and_baseline_numbers(tmp_path: Path) -> None:
    out = tmp_path / "results"
    proc = subprocess.run([sys.executable, "-m", "bench", "--quick", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-3000:]

    results = json.loads((out / "latest.json").read_text("utf-8"))
    assert results["quick"] is True
    assert results["machine"]["cpu_count"] >= 1
    assert results["started_at"] and results["finished_at"]
    assert not results["errors"]
    for corpus in ("article", "pydoc"):
        entry = results["corpora"][corpus]
        for side in ("product", "baseline"):
            numbers = entry[side]
            for key in ("build_s", "units_per_s", "reindex_nochange_s", "reindex_onechange_s", "cold_ask_s",
                        "build_peak_rss_mb", "serve_peak_rss_mb"):
                assert isinstance(numbers[key], (int, float)) and numbers[key] >= 0, (corpus, side, key)
            for key in ("search_ms", "ask_ms"):
                assert numbers[key]["n"] > 0 and numbers[key]["p50"] > 0, (corpus, side, key)
        assert entry["product"]["passages"] > 0 and entry["baseline"]["chunks"] > 0
    for side in ("product", "baseline"):
        hit = results["corpora"]["article"][side]["hit_at_5"]["dev"]
        assert hit["n"] > 0 and 0 <= hit["hit_rate"] <= 1
    store = results["store"]["synthetic"]["100000"]
    assert store["flat_search_ms"]["p50"] > 0 and 0 <= store["hnsw_recall_at_5"] <= 1

    md = (out / "latest.md").read_text("utf-8")
    assert "| article |" in md and "| pydoc |" in md and "ratio" in md
    png = (out / "latest.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
