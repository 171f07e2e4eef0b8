"""Uploaded documents: only safe names, allowed types, bounded size, UTF-8 text; saved atomically."""
import pytest

from assistant.uploads import UploadError, save_upload

EXT = (".md", ".txt")


@pytest.mark.parametrize("name, data, message", [
    ("../escape.md", b"hi there", "plain file name"),
    ("/etc/passwd.md", b"hi there", "plain file name"),
    ("sub\\x.md", b"hi there", "plain file name"),
    (".hidden.md", b"hi there", "hidden"),
    ("notes.pdf", b"hi there", "only .md, .txt"),
    ("weird<name>.md", b"hi there", "letters, digits"),
    ("big.md", b"x" * 2000, "upload limit"),
    ("empty.md", b"  \n ", "empty"),
    ("bin.md", b"\x00\x01\x02abc", "binary"),
    ("latin.txt", b"caf\xe9", "not UTF-8"),
])
def test_bad_uploads_are_refused_and_nothing_is_written(tmp_path, name, data, message):
    with pytest.raises(UploadError, match=message):
        save_upload(tmp_path, name, data, EXT, max_bytes=1000)
    assert list(tmp_path.iterdir()) == []


def test_good_upload_is_saved_and_can_replace(tmp_path):
    first = save_upload(tmp_path, "My notes (v2).md", "Café notes.".encode(), EXT, 1000)
    assert first.name == "My notes (v2).md" and not first.replaced
    again = save_upload(tmp_path, "My notes (v2).md", b"New text.", EXT, 1000)
    assert again.replaced and (tmp_path / "My notes (v2).md").read_text() == "New text."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["My notes (v2).md"]


def test_upload_checks_match_indexing_checks(tmp_path):
    with pytest.raises(UploadError, match="empty"):
        save_upload(tmp_path, "bom.md", "\ufeff\n".encode(), EXT, 1000)
