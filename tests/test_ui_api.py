"""The running web app's programmatic endpoint, through gradio_client: answers, offsets, no cross-talk."""
import json
import statistics
import time
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client import Client

from .conftest import DEV_SET

ITEMS = [json.loads(line) for line in DEV_SET.read_text().splitlines() if line.strip()]


def test_ask_endpoint_returns_cited_answer_with_exact_offsets(server):
    client = Client(server["url"], verbose=False)
    item = next(i for i in ITEMS if i["id"] == "dev07")
    out = client.predict(item["question"], api_name="/ask")
    assert set(out) >= {"question", "answer", "refused", "citations"}
    assert not out["refused"] and "hub" in out["answer"] and "gas" in out["answer"]
    text = (server["source_dir"] / out["citations"][0]["source"]).read_text(encoding="utf-8")
    for c in out["citations"]:
        assert text[c["start"]:c["end"]] == c["text"]


def test_ask_endpoint_refuses_with_no_citations(server):
    out = Client(server["url"], verbose=False).predict("How many people live in Tehran?", api_name="/ask")
    assert out["refused"] is True and out["citations"] == []


def test_ask_endpoint_reports_bad_questions(server):
    with pytest.raises(Exception, match="empty"):
        Client(server["url"], verbose=False).predict("  ", api_name="/ask")


def test_twenty_concurrent_sessions_get_their_own_answers(server):
    answerable = [i for i in ITEMS if i["answerable"] and "|" not in "".join(i["must_include"])]
    jobs = (answerable * 2)[:20]

    with ThreadPoolExecutor(20) as pool:
        clients = list(pool.map(lambda _: Client(server["url"], verbose=False), range(20)))

    def one(pair):
        item, client = pair
        t = time.perf_counter()
        out = client.predict(item["question"], api_name="/ask")
        return item, out, (time.perf_counter() - t) * 1000

    with ThreadPoolExecutor(20) as pool:
        results = list(pool.map(one, zip(jobs, clients)))
    for item, out, _ in results:
        assert out["question"] == item["question"]  # no cross-talk: each reply is for its own question
        assert all(g.lower() in out["answer"].lower() for g in item["must_include"]), (item["id"], out["answer"])
    ms = sorted(r[2] for r in results)
    p50, p95 = statistics.median(ms), ms[int(0.95 * (len(ms) - 1))]
    print(f"\n20 concurrent gradio_client sessions: p50 {p50:.0f} ms, p95 {p95:.0f} ms")
    assert p95 < 10_000
