"""The index on disk: incremental updates, deletions, manifest mismatch -> full rebuild, integrity checks."""
import json

import pytest

from assistant import Assistant, Settings, store
from assistant.embedding import Embedder
from assistant.errors import AssistantError, IndexError_

from .conftest import make_assistant

DOCS = {
    "alpha.md": "# Alpha\n\nThe alpha reactor runs on thorium. It was commissioned in 1998.\n",
    "beta.txt": "Beta is a river. It floods every spring. Fishermen avoid it in April.\n",
    "notes/gamma.md": "# Gamma\n\nGamma rays are photons. They come from radioactive decay.\n",
}


class CountingEmbedder(Embedder):
    """The real embedder, counting the texts it is asked to embed."""

    def __init__(self, cfg, shared):
        super().__init__(cfg)
        self._onnx, self._model = shared._onnx, shared._model  # whatever the shared one has loaded already
        self.texts: list[str] = []

    def embed(self, texts, progress=False):
        self.texts.extend(texts)
        return super().embed(texts, progress)


@pytest.fixture
def small(tmp_path, embedder):
    a = make_assistant(tmp_path, embedder, DOCS)
    counting = CountingEmbedder(a.settings.embedding, embedder)
    return Assistant(a.settings, embedder=counting), counting


def test_first_build_then_nothing_to_do(small):
    a, emb = small
    first = a.build_index()
    assert first.full_rebuild and sorted(first.added) == ["alpha.md", "beta.txt", "notes/gamma.md"]
    n = len(emb.texts)
    again = a.build_index()
    assert not again.changed_anything and len(emb.texts) == n
    assert again.unchanged == ["alpha.md", "beta.txt", "notes/gamma.md"]


def test_editing_one_file_re_embeds_only_that_file(small):
    a, emb = small
    a.build_index()
    emb.texts.clear()
    path = a.settings.source_dir / "beta.txt"
    path.write_text("Beta is a river. It floods every autumn now. Fishermen avoid it in October.\n")
    report = a.build_index()
    assert report.changed == ["beta.txt"] and not report.full_rebuild
    assert report.unchanged == ["alpha.md", "notes/gamma.md"]
    assert emb.texts and all(t in path.read_text() for t in emb.texts)  # passages + sentences of beta only
    assert "Beta is a river." not in emb.texts  # the sentence the edit left alone keeps its vector
    answer = a.ask("When does the Beta river flood?")
    assert "autumn" in answer.answer and answer.citations[0].source == "beta.txt"


def test_renaming_a_file_re_embeds_nothing(small):
    a, emb = small
    a.build_index()
    emb.texts.clear()
    src = a.settings.source_dir
    (src / "notes" / "gamma.md").rename(src / "gamma-moved.md")
    report = a.build_index()
    assert report.added == ["gamma-moved.md"] and report.removed == ["notes/gamma.md"] and emb.texts == []
    hit = a.ask("What are gamma rays?")
    assert "photons" in hit.answer and hit.citations[0].source == "gamma-moved.md"
    c = hit.citations[0]
    assert (src / c.source).read_text(encoding="utf-8")[c.start:c.end] == c.text


def test_deleting_a_file_drops_its_passages(small):
    a, emb = small
    a.build_index()
    (a.settings.source_dir / "notes" / "gamma.md").unlink()
    report = a.build_index()
    assert report.removed == ["notes/gamma.md"] and not report.full_rebuild and report.embedded == 0
    data = store.load(a.settings.index_dir)
    assert {p.source for p in data.passages} == {"alpha.md", "beta.txt"}
    assert all(p.source != "notes/gamma.md" for p in a.search("gamma rays photons", k=5))


def test_adding_a_file_embeds_only_the_new_one(small):
    a, emb = small
    a.build_index()
    emb.texts.clear()
    (a.settings.source_dir / "delta.md").write_text("Delta is the fourth letter. It means change in maths.\n")
    report = a.build_index()
    assert report.added == ["delta.md"] and report.embedded == 1
    assert all("Delta" in t or "fourth" in t or "change" in t for t in emb.texts)


def test_changed_chunking_forces_a_full_rebuild_with_reason(tmp_path, embedder):
    a = make_assistant(tmp_path, embedder, DOCS)
    a.build_index()
    settings = a.settings.model_copy(update={"chunking": a.settings.chunking.model_copy(update={"target_chars": 200})})
    report = Assistant(settings, embedder=embedder).build_index()
    assert report.full_rebuild and "chunking" in report.reason


def test_changed_embedder_name_forces_a_full_rebuild(tmp_path, embedder):
    a = make_assistant(tmp_path, embedder, DOCS)
    a.build_index()
    manifest_path = store.current_dir(a.settings.index_dir) / "manifest.json"
    manifest = json.loads(manifest_path.read_text())
    manifest["embedder"]["name"] = "some/other-model"
    manifest_path.write_text(json.dumps(manifest))
    report = a.build_index()
    assert report.full_rebuild and "embedder changed" in report.reason


def test_manifest_records_what_was_built(tmp_path, embedder):
    a = make_assistant(tmp_path, embedder, DOCS)
    a.build_index()
    m = store.read_manifest(a.settings.index_dir)
    assert m["embedder"] == {"name": "sentence-transformers/all-MiniLM-L6-v2", "dim": 384}
    assert set(m["files"]) == set(DOCS) and all(len(f["sha256"]) == 64 for f in m["files"].values())
    assert len(m["passage_ids"]) == m["counts"]["passages"] and m["built_at"]
    assert m["chunking"]["target_chars"] == 500
    folder = store.current_dir(a.settings.index_dir).resolve()
    assert sorted(p.name for p in folder.iterdir()) == ["manifest.json", "passages.faiss", "passages.json",
                                                       "sentences.faiss"]


@pytest.mark.parametrize("damage", ["truncate_faiss", "edit_passages", "drop_file"])
def test_damaged_index_is_refused_with_the_fix(tmp_path, embedder, damage):
    a = make_assistant(tmp_path, embedder, DOCS)
    a.build_index()
    folder = store.current_dir(a.settings.index_dir).resolve()
    if damage == "truncate_faiss":
        data = (folder / "passages.faiss").read_bytes()
        (folder / "passages.faiss").write_bytes(data[: len(data) // 2])
    elif damage == "edit_passages":
        text = (folder / "passages.json").read_text()
        (folder / "passages.json").write_text(text.replace("thorium", "uranium"))
    else:
        (folder / "sentences.faiss").unlink()
    with pytest.raises(IndexError_, match="assistant index --rebuild"):
        store.load(a.settings.index_dir)
    report = a.build_index()  # the next build replaces the unusable index
    assert report.full_rebuild and store.load(a.settings.index_dir).passages


def test_empty_source_folder_is_a_clear_error(tmp_path, embedder):
    a = Assistant(Settings(source_dir=tmp_path / "empty", index_dir=tmp_path / "index"), embedder=embedder)
    (tmp_path / "empty").mkdir()
    with pytest.raises(AssistantError, match="no readable .md or .txt documents"):
        a.build_index()


def test_unreadable_file_is_skipped_with_a_warning(tmp_path, embedder):
    docs = dict(DOCS)
    a = make_assistant(tmp_path, embedder, docs)
    (a.settings.source_dir / "latin1.md").write_bytes(b"caf\xe9 au lait.")
    report = a.build_index()
    assert any("latin1.md" in w and "UTF-8" in w for w in report.skipped)
    assert sorted(report.added) == ["alpha.md", "beta.txt", "notes/gamma.md"]


def test_headings_only_documents_are_a_clear_error(tmp_path, embedder):
    a = make_assistant(tmp_path, embedder, {"toc.md": "# Title\n\n## Part one\n\n## Part two\n"})
    with pytest.raises(AssistantError, match="no text passages"):
        a.build_index()


def test_questions_are_checked_before_any_index_work(tmp_path, embedder):
    from assistant.errors import QuestionError

    a = make_assistant(tmp_path, embedder, DOCS)
    with pytest.raises(QuestionError):
        a.search("   ")
    assert not (tmp_path / "index").exists()


def test_an_up_to_date_index_still_clears_what_a_killed_build_left(small):
    a, emb = small
    a.build_index()
    leftover = a.settings.index_dir / ".tmp-20260101-000000-1-1"
    leftover.mkdir()
    (leftover / "passages.json").write_text("{}")
    report = a.build_index()
    assert not report.changed_anything and not leftover.exists()
    assert a.ask("What does the alpha reactor run on?").citations
