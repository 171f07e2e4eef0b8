"""Documents -> passages: exact offsets, whole sentences, headings, overlap; unreadable files named, not fatal."""
from pathlib import Path

import pytest

from assistant.documents import discover, read_source, split_passages
from assistant.errors import DocumentError
from assistant.settings import ChunkingSettings
from assistant.text import sentence_spans

from .conftest import ARTICLE


def load_article():
    return read_source(ARTICLE, ARTICLE.parent, 10_000_000)


def test_every_passage_slices_the_file_exactly():
    doc = load_article()
    passages = split_passages(doc, ChunkingSettings())
    assert len(passages) > 10
    for p in passages:
        assert doc.text[p.start:p.end] == p.text
        for s in p.sentences:
            assert p.start <= s.start < s.end <= p.end


def test_passages_are_whole_sentences_of_a_few_hundred_chars_with_one_sentence_overlap():
    doc = load_article()
    passages = split_passages(doc, ChunkingSettings(target_chars=500))
    for p in passages:
        assert p.text[0].isupper() or p.text[0] in "“\"'(", p.text[:30]
        assert p.text.rstrip()[-1] in ".?!”\"')", p.text[-30:]
        assert len(p.text) <= 500 or len(p.sentences) == 1
    same_section = [(a, b) for a, b in zip(passages, passages[1:]) if a.heading == b.heading]
    assert same_section and all(a.sentences[-1] == b.sentences[0] for a, b in same_section)


def test_passages_keep_their_heading_and_never_include_heading_lines():
    doc = load_article()
    passages = split_passages(doc, ChunkingSettings())
    assert passages[0].heading == ""
    assert {p.heading for p in passages} >= {"A Strategic Bond Strengthened", "Alternatives to the Western Model"}
    assert not any("###" in p.text for p in passages)
    quote = "Moscow and Tehran are actively seeking ways"
    assert next(p for p in passages if quote in p.text).heading == "Alternatives to the Western Model"


def test_ids_are_stable_across_runs():
    a = split_passages(load_article(), ChunkingSettings())
    b = split_passages(load_article(), ChunkingSettings())
    assert [p.passage_id for p in a] == [p.passage_id for p in b]
    assert len({p.passage_id for p in a}) == len(a)


def test_abbreviations_and_initials_do_not_end_sentences():
    text = "Dmitri S. Peskov spoke about the U.S. elections. Then Mr. Smith left. Why? Nobody knows."
    got = [text[a:b] for a, b in sentence_spans(text)]
    assert got == ["Dmitri S. Peskov spoke about the U.S. elections.", "Then Mr. Smith left.", "Why?", "Nobody knows."]


def test_crlf_and_unicode_offsets_still_slice(tmp_path):
    path = tmp_path / "w.md"
    path.write_bytes("# Título\r\n\r\nCafé “quoted” text — here. Second line’s end.\r\nThird.\r\n".encode())
    doc = read_source(path, tmp_path, 10_000)
    for p in split_passages(doc, ChunkingSettings()):
        assert doc.text[p.start:p.end] == p.text
        assert "\r" not in p.text.strip() or "\n" in p.text


def test_discover_recurses_skips_hidden_and_other_types(tmp_path):
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "a.md").write_text("A sentence here.")
    (tmp_path / "b.txt").write_text("Another one.")
    (tmp_path / ".hidden.md").write_text("Secret.")
    (tmp_path / "c.pdf").write_bytes(b"%PDF")
    files, warnings = discover(tmp_path, (".md", ".txt"))
    assert [f.relative_to(tmp_path).as_posix() for f in files] == ["b.txt", "sub/a.md"]


@pytest.mark.parametrize("payload, message", [
    (b"\xff\xfe\x00bad", "binary"),
    (b"caf\xe9 latin-1", "not UTF-8"),
    (b"   \n\t ", "empty"),
])
def test_unusable_files_raise_one_line_reasons(tmp_path, payload, message):
    path = tmp_path / "bad.md"
    path.write_bytes(payload)
    with pytest.raises(DocumentError, match=message) as err:
        read_source(path, tmp_path, 10_000)
    assert "\n" not in str(err.value) and "bad.md" in str(err.value)


def test_underlined_headings_split_sections():
    from assistant.documents import sections

    text = "Intro line.\n\nUsage\n=====\n\nRun it.\n\nNotes\n-----\n\nMore.\n"
    assert [h for _, _, h in sections(text)] == ["", "Usage"]  # '-----' is not a heading marker here


def test_sentence_splitting_stays_linear_on_big_files():
    import time

    text = "The U.S. team met Mr. Smith at 5 p.m. on Friday. It rained. " * 20_000  # ~1.2 MB, one line
    t = time.perf_counter()
    spans = sentence_spans(text)
    assert time.perf_counter() - t < 5 and len(spans) == 40_000


def test_byte_order_mark_is_dropped_and_offsets_match_utf8_sig(tmp_path):
    path = tmp_path / "bom.md"
    path.write_bytes("\ufeffFirst sentence here. Second one.\r\n".encode())
    doc = read_source(path, tmp_path, 10_000)
    with open(path, encoding="utf-8-sig", newline="") as fh:
        assert fh.read() == doc.text
