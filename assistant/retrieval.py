"""Dense (passages and sentences, FAISS) + BM25 retrieval, fused by reciprocal rank fusion."""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from .embedding import Embedder
from .settings import RetrievalSettings
from .store import IndexData, make_faiss
from .text import terms

if TYPE_CHECKING:
    import numpy as np


@dataclass
class Hits:
    """What one query found: fused passage scores (0..1) by row, and dense cosine for candidate sentences."""

    query: str
    qvec: "np.ndarray"
    passage_scores: dict[int, float]
    sentence_cos: dict[int, float]

    def ranked(self) -> list[int]:
        return sorted(self.passage_scores, key=lambda r: -self.passage_scores[r])


class Retriever:
    """Holds the in-memory search structures of one loaded index; ``search`` does the work per query."""

    def __init__(self, data: IndexData, embedder: Embedder, cfg: RetrievalSettings):
        import bm25s
        import faiss

        self.data, self.embedder, self.cfg = data, embedder, cfg
        self.passage_index = data.passage_index or make_faiss(data.passage_vecs, cfg.ann_threshold)
        self.sentence_index = data.sentence_index or make_faiss(data.sentence_vecs, cfg.ann_threshold)
        for index in (self.passage_index, self.sentence_index):
            inner = faiss.downcast_index(index.index)
            if hasattr(inner, "hnsw"):
                inner.hnsw.efSearch = max(cfg.ann_ef_search, 2 * cfg.candidates)
        self.passage_terms = [terms(f"{p.heading} {p.text}") for p in data.passages]
        self.bm25 = bm25s.BM25()
        self.bm25.index([t or [""] for t in self.passage_terms], show_progress=False)
        self.vocab = self.bm25.vocab_dict
        sentence_terms = [set(terms(self.sentence_text(i))) for i in range(len(data.sentences))]
        df = Counter(t for ts in sentence_terms for t in ts)
        n = max(1, len(sentence_terms))
        self.df, self.n_sentences = df, n
        self.idf = {t: math.log(1 + n / c) for t, c in df.items()}
        self.max_idf = math.log(1 + n)
        self.sentence_terms = sentence_terms

    def sentence_text(self, row: int) -> str:
        s = self.data.sentences[row]
        return self.data.texts[s.source][s.start:s.end]

    def term_idf(self, term: str) -> float:
        return self.idf.get(term, self.max_idf)

    def hits(self, query: str, qvec: "np.ndarray | None" = None, candidates: int | None = None) -> Hits:
        """Rank passages for ``query`` by RRF over dense-passage, dense-sentence and BM25 rankings."""
        import numpy as np

        m = candidates or self.cfg.candidates
        if qvec is None:
            qvec = self.embedder.embed_queries([query])[0]
        n_p, n_s = len(self.data.passages), len(self.data.sentences)
        rankings: list[list[int]] = []
        if n_p:
            _, idx = self.passage_index.search(qvec[None, :], min(m, n_p))
            rankings.append([int(i) for i in idx[0] if i >= 0])
        sentence_cos: dict[int, float] = {}
        if n_s:
            cos, idx = self.sentence_index.search(qvec[None, :], min(2 * m, n_s))
            by_passage: list[int] = []
            for c, i in zip(cos[0], idx[0]):
                if i < 0:
                    continue
                sentence_cos[int(i)] = float(c)
                for p_row in self.data.sentences[i].passages:
                    if p_row not in by_passage:
                        by_passage.append(p_row)
            rankings.append(by_passage[:m])
        q_terms = [t for t in terms(query) if t in self.vocab]
        if q_terms and n_p:
            scores = self.bm25.get_scores(q_terms)
            top = np.argsort(-scores)[:m]
            rankings.append([int(i) for i in top if scores[i] > 0])
        fused: dict[int, float] = {}
        for ranking in rankings:
            for rank, row in enumerate(ranking):
                fused[row] = fused.get(row, 0.0) + 1.0 / (self.cfg.rrf_k + rank + 1)
        best = len(rankings) / (self.cfg.rrf_k + 1) or 1.0
        return Hits(query=query, qvec=qvec, passage_scores={r: s / best for r, s in fused.items()},
                    sentence_cos=sentence_cos)

    def search(self, query: str, k: int | None = None) -> list:
        """The ``k`` best passages, each a copy carrying its fused ``score``."""
        hits = self.hits(query)
        rows = hits.ranked()[: k or self.cfg.k]
        return [replace(self.data.passages[r], score=hits.passage_scores[r]) for r in rows]
