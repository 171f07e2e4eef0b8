"""Shared fixtures: the real embedder (loaded once), real FAISS indexes in temporary folders."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from assistant import Assistant, Settings
from assistant.embedding import Embedder

ROOT = Path(__file__).resolve().parents[1]
ARTICLE = ROOT / "source_docs" / "russia-iran-strategic-partnership.md"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"


@pytest.fixture(scope="session")
def embedder() -> Embedder:
    return Embedder(Settings().embedding)


def make_assistant(tmp: Path, embedder: Embedder, docs: dict[str, str] | None = None, **settings) -> Assistant:
    """An Assistant over its own source_docs/ and index/ under ``tmp`` (the article unless ``docs`` given)."""
    src = tmp / "source_docs"
    src.mkdir(parents=True, exist_ok=True)
    if docs is None:
        shutil.copy(ARTICLE, src / ARTICLE.name)
    else:
        for name, text in docs.items():
            (src / name).parent.mkdir(parents=True, exist_ok=True)
            (src / name).write_text(text, encoding="utf-8")
    cfg = Settings(source_dir=src, index_dir=tmp / "index", **settings)
    return Assistant(cfg, embedder=embedder)


@pytest.fixture(scope="session")
def article(tmp_path_factory, embedder) -> Assistant:
    """The article, indexed once for the whole session."""
    return make_assistant(tmp_path_factory.mktemp("article"), embedder).load()


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def server(tmp_path_factory):
    """A real `assistant serve` on loopback over its own copy of the article; yields its URL and folders."""
    yield from start_server(tmp_path_factory.mktemp("server"))


def start_server(tmp: Path, env_extra: dict | None = None, args: tuple = ()):
    import os
    import subprocess
    import sys
    import time
    import urllib.request

    src = tmp / "source_docs"
    src.mkdir(exist_ok=True)
    shutil.copy(ARTICLE, src / ARTICLE.name)
    port = free_port()
    env = dict(os.environ, ASSISTANT_SOURCE_DIR=str(src), ASSISTANT_INDEX_DIR=str(tmp / "index"), **(env_extra or {}))
    log = open(tmp / "server.log", "w")
    proc = subprocess.Popen([str(Path(sys.executable).with_name("assistant")), "serve", "--port", str(port), *args],
                            env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}/"
    deadline = time.time() + 180
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited: {(tmp / 'server.log').read_text()[-2000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            break
        except OSError:
            time.sleep(0.5)
    else:
        proc.kill()
        raise RuntimeError("server did not start in 180 s")
    yield {"url": url, "source_dir": src, "index_dir": tmp / "index", "log": tmp / "server.log", "pid": proc.pid}
    proc.terminate()
    try:
        proc.wait(10)
    except subprocess.TimeoutExpired:
        proc.kill()
    log.close()
