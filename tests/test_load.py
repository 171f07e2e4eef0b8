"""Load against the real server on loopback: 50 concurrent gradio_client sessions for a bounded time, then memory
across 1 000 questions."""
import json
import statistics
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import psutil
from gradio_client import Client

from .conftest import DEV_SET

ITEMS = [json.loads(l) for l in DEV_SET.read_text().splitlines() if l.strip()]
POOL = [i for i in ITEMS if i["answerable"] and "|" not in "".join(i["must_include"])]
SECONDS = 20


def correct(item, out) -> bool:
    return out["question"] == item["question"] and all(g.lower() in out["answer"].lower() for g in item["must_include"])


def test_fifty_concurrent_sessions_zero_errors(server):
    with ThreadPoolExecutor(50) as pool:
        clients = list(pool.map(lambda _: Client(server["url"], verbose=False), range(50)))
    stop = time.monotonic() + SECONDS
    lock = threading.Lock()
    latencies, errors, wrong = [], [], []

    def session(n: int) -> None:
        client, i = clients[n], n
        while time.monotonic() < stop:
            item = POOL[i % len(POOL)]
            i += 7
            t = time.perf_counter()
            try:
                out = client.predict(item["question"], api_name="/ask")
            except Exception as exc:  # counted, not raised: the test reports them all
                with lock:
                    errors.append(repr(exc))
                continue
            with lock:
                latencies.append((time.perf_counter() - t) * 1000)
                if not correct(item, out):
                    wrong.append((item["id"], out["answer"][:80]))

    with ThreadPoolExecutor(50) as pool:
        list(pool.map(session, range(50)))
    ms = sorted(latencies)
    print(f"\n50 sessions x {SECONDS}s: {len(ms)} answers, {len(errors)} errors, p50 {statistics.median(ms):.0f} ms, "
          f"p95 {ms[int(0.95 * (len(ms) - 1))]:.0f} ms")
    assert not errors and not wrong and len(ms) >= 100


def test_memory_stays_flat_over_a_thousand_questions(server):
    proc = psutil.Process(server["pid"])
    clients = [Client(server["url"], verbose=False) for _ in range(10)]
    questions = [i["question"] for i in ITEMS] + [f"What does the article say about topic number {n}?" for n in range(40)]

    def batch(k: int, count: int) -> None:
        for n in range(count):
            clients[k].predict(questions[(k * 31 + n) % len(questions)], api_name="/ask")

    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda k: batch(k, 20), range(10)))  # warm-up: 200
    start = proc.memory_info().rss
    with ThreadPoolExecutor(10) as pool:
        list(pool.map(lambda k: batch(k, 100), range(10)))  # 1 000 questions
    end = proc.memory_info().rss
    print(f"\nserver RSS over 1000 questions: {start / 2**20:.0f} MiB -> {end / 2**20:.0f} MiB")
    assert end - start < 60 * 2**20
