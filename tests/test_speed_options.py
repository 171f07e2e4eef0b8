"""Speed options keep answers right: the default ONNX embedder (torch's vectors, no torch when answering), the int8
ONNX embedder, and the HNSW store above a size threshold."""

import subprocess
import sys

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


def test_default_onnx_embedder_gives_torchs_vectors_and_shares_its_index(tmp_path, embedder, article):
    assert embedder.cfg.backend == "onnx"
    torch_emb = Embedder(EmbeddingSettings(backend="torch"))
    texts = [p.text for p in article._ready().data.passages] + ["Who is Kazem Jalali?"]
    cos = (embedder.embed(texts) * torch_emb.embed(texts)).sum(1)
    assert cos.min() >= 0.9999
    assert abs(float(embedder.embed_queries(["Who is Kazem Jalali?"])[0] @ torch_emb.embed_queries(["Who is Kazem Jalali?"])[0]) - 1) < 1e-4
    # an index built by one backend is used as it is by the other: nothing re-embedded
    a = make_assistant(tmp_path, embedder)
    a.build_index()
    b = Assistant(a.settings.model_copy(update={"embedding": EmbeddingSettings(backend="torch")}), embedder=torch_emb)
    report = b.build_index()
    assert not report.full_rebuild and report.embedded == 0
    assert b.ask("Who is Kazem Jalali?").answer == a.ask("Who is Kazem Jalali?").answer


def test_answering_with_the_default_backend_never_imports_torch(tmp_path, embedder):
    a = make_assistant(tmp_path, embedder)
    a.build_index()
    code = ("import sys, json; from assistant import Assistant, Settings; "
            f"a = Assistant(Settings(source_dir={str(a.settings.source_dir)!r}, index_dir={str(a.settings.index_dir)!r})); "
            "ans = a.ask('Who is Kazem Jalali?'); "
            "print(json.dumps({'torch': 'torch' in sys.modules, 'st': 'sentence_transformers' in sys.modules, "
            "'cited': bool(ans.citations)}))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == '{"torch": false, "st": false, "cited": true}'
