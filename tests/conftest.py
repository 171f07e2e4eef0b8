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
