"""The corpora the benchmark indexes, written as plain files under ``<work dir>/corpora/<name>/``, and their queries.

* ``article``  the news article the product ships with (queries: the dev and held-out questions).
* ``pydoc``    Python's own ``pydoc_data.topics`` (79 topics, ~465 KB), one ``.txt`` file per topic.
* ``rst-1k`` / ``rst-10k``  slices of Debian's python3.11-doc reStructuredText sources: whole files in sorted
  order until the product's passage count (estimated as characters / 400) reaches about 1k / 10k.
"""
from __future__ import annotations

import random
import re
import shutil
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .common import ARTICLE, ARTICLE_HELDOUT, DEV_SET, PYDOCS_HELDOUT, load_eval, log, work_dir

RST_SOURCES = Path("/usr/share/doc/python3.11/html/_sources")
CHARS_PER_PASSAGE = 400  # the product's passages are ~500 characters with one sentence of overlap


@dataclass
class Corpus:
    name: str
    src: Path
    files: int
    chars: int
    est_passages: int
    change_file: str  # the file a sentence is appended to for the one-file-changed re-index
    queries: list[str]
    evalsets: dict[str, str] = field(default_factory=dict)  # eval name -> JSONL path, for hit@5
    note: str = ""

    def to_json(self) -> dict[str, Any]:
        d = asdict(self)
        d["src"] = str(self.src)
        d["n_queries"] = len(self.queries)
        d["queries"] = self.queries[:5] + (["..."] if len(self.queries) > 5 else [])
        return d


def _fresh(name: str) -> Path:
    path = work_dir() / "corpora" / name
    shutil.rmtree(path, ignore_errors=True)
    path.mkdir(parents=True)
    return path


def _finish(name: str, src: Path, queries: list[str], evalsets: dict[str, str], note: str = "") -> Corpus:
    files = sorted(p for p in src.rglob("*") if p.is_file())
    chars = sum(len(p.read_text("utf-8")) for p in files)
    change = files[len(files) // 2].relative_to(src).as_posix()
    return Corpus(name=name, src=src, files=len(files), chars=chars, est_passages=round(chars / CHARS_PER_PASSAGE),
                  change_file=change, queries=queries, evalsets=evalsets, note=note)


def _questions(*paths: Path) -> list[str]:
    out: list[str] = []
    for path in paths:
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                import json

                out.append(json.loads(line)["question"])
    return out


_SENT_END = re.compile(r"(?<=[.?!])\s+(?=[A-Z])")
_MARKUP = re.compile(r"[`*_|<>{}\[\]\\=~^]|::|\.\.|\s{2,}|https?:")


def sentence_queries(texts: list[str], n: int, seed: int) -> list[str]:
    """``n`` clean prose sentences (40-160 characters, no markup) sampled with a fixed seed."""
    pool: list[str] = []
    for text in texts:
        for para in re.split(r"\n\s*\n", text):
            if para.startswith((" ", "\t")):
                continue  # code blocks and grammar rules
            for sent in _SENT_END.split(" ".join(para.split())):
                if 40 <= len(sent) <= 160 and not _MARKUP.search(sent) and sent[0].isupper() and sent[-1] in ".?!":
                    pool.append(sent)
    pool = sorted(set(pool))
    rng = random.Random(seed)
    return rng.sample(pool, min(n, len(pool)))


_RST_TITLE = re.compile(r"^([A-Za-z][^\n]{3,70})\n([=\-~*^#])\2{3,}\s*$", re.M)


def title_queries(texts: list[str], n: int, seed: int) -> list[str]:
    titles = sorted({m.group(1).strip() for t in texts for m in _RST_TITLE.finditer(t)
                     if not _MARKUP.search(m.group(1)) and len(m.group(1).split()) >= 2})
    rng = random.Random(seed)
    return rng.sample(titles, min(n, len(titles)))


def article(n_queries: int) -> Corpus:
    src = _fresh("article")
    shutil.copy(ARTICLE, src / ARTICLE.name)
    questions = _questions(DEV_SET, ARTICLE_HELDOUT)
    return _finish("article", src, questions[:n_queries],
                   {"dev": str(DEV_SET), "article_heldout": str(ARTICLE_HELDOUT)},
                   note="queries: the dev + held-out questions")


def pydoc(n_queries: int) -> Corpus:
    from pydoc_data.topics import topics

    src = _fresh("pydoc")
    for key, text in sorted(topics.items()):
        (src / f"{key}.txt").write_text(text, "utf-8")
    questions = _questions(PYDOCS_HELDOUT)
    extra = sentence_queries(list(topics.values()), max(0, n_queries - len(questions)), seed=1)
    return _finish("pydoc", src, (questions + extra)[:n_queries], {"pydocs_heldout": str(PYDOCS_HELDOUT)},
                   note="queries: the pydocs held-out questions + sampled sentences of the topics")


def pydoc_subset(max_chars: int) -> Corpus:
    """The first pydoc topics (sorted) up to ``max_chars``: a small, fixed corpus for embedding throughput."""
    from pydoc_data.topics import topics

    src = _fresh("pydoc-subset")
    chars = 0
    for key, text in sorted(topics.items()):
        if chars and chars + len(text) > max_chars:
            continue
        (src / f"{key}.txt").write_text(text, "utf-8")
        chars += len(text)
    return _finish("pydoc-subset", src, [], {}, note=f"pydoc topics up to {max_chars:,} characters")


def ensure_rst_sources() -> Path:
    """Debian's python3.11-doc provides the reStructuredText sources; install it when missing."""
    if RST_SOURCES.is_dir() and any(RST_SOURCES.rglob("*.rst.txt")):
        return RST_SOURCES
    log("python3.11-doc is missing: apt-get install -y python3.11-doc")
    cmd = ["apt-get", "install", "-y", "-q", "python3.11-doc"]
    if subprocess.run(cmd, stdout=subprocess.DEVNULL).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], stdout=subprocess.DEVNULL)
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
    return RST_SOURCES


def rst_files() -> list[Path]:
    root = ensure_rst_sources()
    return sorted(root.rglob("*.rst.txt"), key=lambda p: p.relative_to(root).as_posix())


def rst_slice(target_passages: int, n_queries: int) -> Corpus:
    """Whole files in sorted order until chars / 400 reaches ``target_passages``."""
    root = ensure_rst_sources()
    name = f"rst-{target_passages // 1000}k"
    src = _fresh(name)
    chars, texts = 0, []
    for path in rst_files():
        text = path.read_bytes().decode("utf-8")
        rel = path.relative_to(root)
        (src / rel).parent.mkdir(parents=True, exist_ok=True)
        (src / rel).write_text(text, "utf-8")
        texts.append(text)
        chars += len(text)
        if chars / CHARS_PER_PASSAGE >= target_passages:
            break
    n_titles = n_queries // 3
    queries = title_queries(texts, n_titles, seed=2)
    queries += sentence_queries(texts, n_queries - len(queries), seed=3)
    return _finish(name, src, queries, {},
                   note=f"python3.11-doc _sources, first {len(texts)} files in sorted order; "
                        "queries: section titles + sampled sentences")


def eval_rows(corpus: Corpus) -> dict[str, list[dict[str, Any]]]:
    return {name: load_eval(Path(path)) for name, path in corpus.evalsets.items()}
