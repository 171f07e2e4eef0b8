"""What the web chat shows for an answer: links per [n], the sources list, the highlighted exact span."""
from assistant.ui.render import answer_markdown, document_html, sources_html


def test_answer_markers_become_links_for_their_turn(article):
    answer = article.ask("How did Putin describe Pezeshkian's visit, and what does the conclusion say the visit shows?")
    md = answer_markdown(answer, turn=3)
    assert "[[1]](#cite-3-1)" in md and "[[2]](#cite-3-2)" in md


def test_document_panel_marks_the_exact_cited_text(article):
    answer = article.ask("Who is Iran's foreign minister?")
    c = answer.citations[0]
    page = document_html(answer, article.documents, active=1)
    assert "id='active-cite'" in page and "<sup>[1]</sup>" in page
    marked = page.split("<sup>[1]</sup>", 1)[1].split("</mark>", 1)[0]
    assert marked == c.text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;").replace("'", "&#x27;")


def test_refused_answer_shows_no_sources(article):
    answer = article.ask("What is the capital of Australia?")
    assert "No sources" in sources_html(answer) and "No sources" in answer_markdown(answer, 0)
    assert "<mark" not in document_html(answer, article.documents)


def test_sources_list_names_file_heading_quote_and_score(article):
    answer = article.ask("Who is Iran's foreign minister?")
    html = sources_html(answer, 1, article.headings())
    assert "russia-iran-strategic-partnership.md" in html and "A Strategic Bond Strengthened" in html
    assert "Araghchi" in html and "score" in html


def test_document_text_is_escaped(tmp_path, embedder):
    from .conftest import make_assistant

    a = make_assistant(tmp_path, embedder, {"x.md": "The <script>alert(1)</script> tag is named Zed Quorum. It runs.\n"})
    answer = a.ask("What is the tag named?")
    page = document_html(answer, a.documents)
    assert "<script>" not in page and "&lt;script&gt;" in page


def test_markup_in_quotes_stays_literal_and_only_placed_markers_link():
    from assistant.types import Answer

    quote = "Read [our site](https://evil.example) ![x](http://e/x.png) <img src=x> — sales rose [2]."
    a = Answer("q", f"{quote} [1]", [], segments=[(quote, [1], True)])
    md = answer_markdown(a, 0)
    assert "[[1]](#cite-0-1)" in md and "#cite-0-2" not in md
    assert "](https://evil.example)" not in md and "<img" not in md
