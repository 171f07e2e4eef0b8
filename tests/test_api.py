"""The Python API and its LangChain faces."""
import subprocess
import sys

from assistant import Answer, Assistant, Citation, Passage


def test_import_is_light():
    code = "import sys, assistant; print(any(m in sys.modules for m in ('torch', 'sentence_transformers', 'faiss', 'gradio', 'langchain_core')))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True).stdout.strip()
    assert out == "False"


def test_public_types(article):
    answer = article.ask("What kind of agreement was discussed at the meeting?")
    assert isinstance(answer, Answer) and isinstance(answer.citations[0], Citation)
    assert "strategic cooperation" in answer.answer
    hits = article.search("railway to the Persian Gulf", k=3)
    assert len(hits) == 3 and all(isinstance(p, Passage) for p in hits)
    assert "railway" in " ".join(p.text for p in hits)


def test_langchain_chain_and_retriever(article):
    result = article.chain.invoke({"question": "Who is Iran's foreign minister?", "history": []})
    assert isinstance(result, Answer) and "Araghchi" in result.answer
    docs = article.as_retriever(k=2).invoke("sanctions")
    assert len(docs) == 2 and docs[0].metadata["source"].endswith(".md")
    assert docs[0].page_content == article.documents[docs[0].metadata["source"]][docs[0].metadata["start"]:docs[0].metadata["end"]]


def test_assistant_builds_missing_index_on_first_question(tmp_path, embedder):
    src = tmp_path / "docs"
    src.mkdir()
    (src / "a.md").write_text("The lighthouse keeper is named Ada Lovelock. She lights the lamp at dusk.\n")
    a = Assistant(source_dir=src, index_dir=tmp_path / "idx", embedder=embedder)
    answer = a.ask("Who is the lighthouse keeper?")
    assert "Ada Lovelock" in answer.answer and answer.citations[0].source == "a.md"
    assert a.status()["stale"] is False
