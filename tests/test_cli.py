"""The `assistant` command: JSON shapes, status, fast start, one-line errors with non-zero exits."""
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

CLI = [str(Path(sys.executable).with_name("assistant"))]


def run(args, a=None, env=None, timeout=120):
    e = dict(os.environ, **(env or {}))
    if a is not None:
        e.update(ASSISTANT_SOURCE_DIR=str(a.settings.source_dir), ASSISTANT_INDEX_DIR=str(a.settings.index_dir))
    return subprocess.run(CLI + args, capture_output=True, text=True, env=e, timeout=timeout)


def test_help_and_status_start_fast(article):
    t = time.perf_counter()
    assert run(["--help"]).returncode == 0
    assert time.perf_counter() - t < 1.5
    t = time.perf_counter()
    r = run(["index", "status"], article)
    assert time.perf_counter() - t < 1.5
    assert r.returncode == 0 and "up to date" in r.stdout and "22 passages" in r.stdout


def test_ask_json_shape(article):
    r = run(["ask", "Who is Iran's foreign minister?", "--json"], article)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert {"question", "answer", "refused", "citations"} <= set(out)
    assert out["refused"] is False and "Araghchi" in out["answer"]
    c = out["citations"][0]
    assert set(c) == {"n", "source", "start", "end", "text", "passage_id", "score"}
    text = (Path(article.settings.source_dir) / c["source"]).read_text(encoding="utf-8")
    assert text[c["start"]:c["end"]] == c["text"]


def test_search_json_shape(article):
    r = run(["search", "sanctions on Russia and Iran", "--k", "3", "--json"], article)
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    assert [p["rank"] for p in out] == [1, 2, 3]
    assert set(out[0]) == {"rank", "passage_id", "source", "heading", "start", "end", "text", "score"}
    assert out[0]["score"] >= out[1]["score"] >= out[2]["score"]


def test_refused_answer_json_has_no_citations(article):
    out = json.loads(run(["ask", "What is the capital of Australia?", "--json"], article).stdout)
    assert out["refused"] is True and out["citations"] == []


@pytest.mark.parametrize("args, message", [
    (["ask", "   "], "empty"),
    (["search", "sanctions", "--k", "0"], "k must be"),
    (["search", "sanctions", "--k", "10000"], "k must be"),
    (["ask", "x" * 5000], "limit"),
    (["--set", "retrieval.k=zero", "ask", "hi"], "bad value for retrieval.k"),
    (["--set", "nonsense.key=1", "ask", "hi"], "unknown setting"),
    (["eval", "/nonexistent/file.jsonl"], "no such file"),
])
def test_user_errors_are_one_line_and_non_zero(article, args, message):
    r = run(args, article)
    assert r.returncode != 0
    assert message in r.stderr and r.stderr.count("\n") == 1 and "Traceback" not in r.stderr


def test_index_command_reports_up_to_date(article):
    r = run(["index"], article)
    assert r.returncode == 0 and "up to date" in r.stdout


def test_eval_command_prints_the_metrics(article, tmp_path):
    from .conftest import DEV_SET

    out = tmp_path / "report.json"
    r = run(["eval", str(DEV_SET), "--json", str(out)], article, timeout=300)
    assert r.returncode == 0, r.stderr
    for label in ("answer accuracy", "refusal accuracy", "citation precision", "citation recall", "hit@1", "MRR",
                  "ask latency p50/p95"):
        assert label in r.stdout
    report = json.loads(out.read_text())
    assert report["n"] == 23 and report["answer_accuracy"] >= 0.9
