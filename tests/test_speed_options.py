"""Speed options keep answers right: the int8 ONNX embedder and the HNSW store above a size threshold."""

import pytest

from assistant import Assistant
from assistant.evaluation import evaluate, load_items
from assistant.settings import EmbeddingSettings, RetrievalSettings
from assistant import store
from assistant.embedding import Embedder


from .conftest import DEV_SET, make_assistant


def test_hnsw_above_threshold_finds_what_exact_search_finds(tmp_path, embedder, article):
    base = make_assistant(tmp_path, embedder)
    settings = base.settings.model_copy(update={"retrieval": RetrievalSettings(ann_threshold=10)})
    a = Assistant(settings, embedder=embedder)
    a.build_index()
    data = store.load(settings.index_dir)
    assert "HNSW" in type(__import__("faiss").downcast_index(data.sentence_index.index)).__name__
    items = [i for i in load_items(DEV_SET) if i["answerable"]]
    same = sum({p.passage_id for p in a.search(i["question"], 5)} == {p.passage_id for p in article.search(i["question"], 5)}
               for i in items)
    assert same / len(items) >= 0.95
    assert evaluate(a, load_items(DEV_SET)).hit_at_5 == 1.0


def test_onnx_int8_embedder_is_close_to_torch_and_keeps_hit_at_5(tmp_path, embedder, article):
    pytest.importorskip("onnxruntime")
    cfg = EmbeddingSettings(backend="onnx-int8", cache_dir=tmp_path / "cache")
    fast = Embedder(cfg)
    texts = [p.text for p in article._ready().data.passages]
    cos = (fast.embed(texts) * embedder.embed(texts)).sum(1)
    assert cos.mean() >= 0.98 and cos.min() >= 0.95
    base = make_assistant(tmp_path, embedder)
    settings = base.settings.model_copy(update={"embedding": cfg})
    a = Assistant(settings, embedder=fast)
    a.build_index()
    assert store.read_manifest(settings.index_dir)["embedder"]["name"].endswith("+onnx-int8")
    assert evaluate(a, load_items(DEV_SET)).hit_at_5 == 1.0
