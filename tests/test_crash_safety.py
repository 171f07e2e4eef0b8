"""A real `assistant index --rebuild` killed with SIGKILL at many moments never leaves a broken or mixed index;
readers keep answering during a rebuild; two rebuilds at once are serialised by a lock."""
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from assistant import Assistant, Settings, store

from .conftest import ARTICLE, ROOT

CLI = str(Path(sys.executable).with_name("assistant"))
KILLS = 10


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("crash")
    src = tmp / "src"
    src.mkdir()
    shutil.copy(ARTICLE, src / ARTICLE.name)
    for f in sorted((ROOT / "bench" / "corpora" / "pydocs").glob("t*.md")):
        shutil.copy(f, src / f.name)
    env = dict(os.environ, ASSISTANT_SOURCE_DIR=str(src), ASSISTANT_INDEX_DIR=str(tmp / "index"))
    assert subprocess.run([CLI, "index"], env=env, capture_output=True).returncode == 0
    return src, tmp / "index", env


def answers(index_dir: Path, src: Path, embedder) -> bool:
    a = Assistant(Settings(source_dir=src, index_dir=index_dir), embedder=embedder, auto_index=False)
    return "Araghchi" in a.ask("Who is Iran's foreign minister?").answer


def test_sigkill_at_many_moments_never_breaks_the_index(corpus, embedder):
    src, idx, env = corpus
    t = time.perf_counter()
    assert subprocess.run([CLI, "index", "--rebuild"], env=env, capture_output=True).returncode == 0
    full = time.perf_counter() - t
    versions_seen = set()
    for i in range(KILLS):
        moment = full * (0.15 + 0.9 * i / (KILLS - 1))  # from start-up, through embedding, to the final switch
        proc = subprocess.Popen([CLI, "index", "--rebuild"], env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        time.sleep(moment)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        data = store.load(idx)  # validates checksums and counts: old or new, never a mix
        versions_seen.add(data.manifest["built_at"] + os.readlink(idx / "current"))
        assert answers(idx, src, embedder), f"kill {i} at {moment:.2f}s"
    print(f"\n{KILLS} kills over a {full:.1f}s rebuild; {len(versions_seen)} distinct versions seen after kills")
    r = subprocess.run([CLI, "index"], env=env, capture_output=True, text=True)
    assert r.returncode == 0  # the next run completes
    assert not [p for p in idx.iterdir() if p.name.startswith(".tmp-")]  # crash leftovers cleaned
    assert answers(idx, src, embedder)


def test_readers_keep_answering_during_a_rebuild(corpus, embedder):
    src, idx, env = corpus
    proc = subprocess.Popen([CLI, "index", "--rebuild"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    results = []
    while proc.poll() is None:
        results.append(answers(idx, src, embedder))  # a fresh load each time, racing the writer's switch
    for _ in range(3):
        results.append(answers(idx, src, embedder))
    assert proc.returncode == 0 and len(results) >= 5 and all(results)


def test_two_rebuilds_at_once_are_serialised(corpus, embedder):
    src, idx, env = corpus
    procs = [subprocess.Popen([CLI, "index", "--rebuild"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(2)]
    outs = [p.communicate(timeout=300) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], outs
    assert all("rebuilt index" in o[0] for o in outs)
    data = store.load(idx)
    assert data.manifest["counts"]["passages"] == len(data.passages) and answers(idx, src, embedder)
