"""End to end in a real browser (Debian's Chromium driven by Playwright): ask, see the streamed cited answer,
click [1] and see the highlighted span, ask a follow-up, upload a document and ask about it.
Screenshots go to tests/artifacts/."""
import shutil
import subprocess
from pathlib import Path

import pytest

ARTIFACTS = Path(__file__).parent / "artifacts"
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
        "--disable-component-update", "--disable-sync"]


def ensure_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if shutil.which("apt-get") is None:
        pytest.skip("Chromium missing and apt-get unavailable")
    subprocess.run(["apt-get", "update", "-qq"], check=False, capture_output=True)
    subprocess.run(["apt-get", "install", "-y", "-qq", "chromium"], check=True, capture_output=True)


@pytest.fixture(scope="module")
def page(server):
    ensure_chromium()
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
        pg = browser.new_page(viewport={"width": 1400, "height": 1000})
        pg.goto(server["url"])
        pg.wait_for_selector("#question textarea", timeout=60_000)
        yield pg
        browser.close()


WATCH_STREAM = """() => {
  window.__states = new Set();
  const chat = document.querySelector('#chat');
  new MutationObserver(() => {
    const bots = chat.querySelectorAll('[data-testid="bot"]');
    if (bots.length) window.__states.add(bots[bots.length - 1].innerText);
  }).observe(chat, {subtree: true, childList: true, characterData: true});
}"""


BOTS = "#chat [data-testid='bot']"
FINISHED = """(n) => {
  const bots = document.querySelectorAll("#chat [data-testid='bot']");
  if (bots.length <= n) return false;
  const last = bots[bots.length - 1];
  return !!last.querySelector("a[href^='#cite-']") || last.innerText.includes('No sources');
}"""


def ask(page, question: str) -> str:
    """Ask in the chat box; wait for the final (linked or refused) answer and return its text."""
    before = page.locator(BOTS).count()
    page.fill("#question textarea", question)
    page.click("#ask-btn")
    page.wait_for_function(FINISHED, arg=before, timeout=60_000)
    bots = page.locator(BOTS)
    return bots.nth(bots.count() - 1).inner_text()


def test_ask_click_citation_and_see_the_highlighted_span(page, server):
    page.evaluate(WATCH_STREAM)
    text = ask(page, "Who is Iran's foreign minister?")
    assert "Araghchi" in text and "[1]" in text
    assert page.evaluate("() => window.__states.size") >= 3  # the answer arrived in several streamed steps
    page.screenshot(path=str(ARTIFACTS / "1-answer.png"))
    page.click("#chat a[href='#cite-0-1']")
    mark = page.wait_for_selector("#doc-panel mark.active[data-n='1']", timeout=20_000)
    source = (server["source_dir"] / "russia-iran-strategic-partnership.md").read_text(encoding="utf-8")
    quoted = mark.inner_text().replace("[1]", "", 1)
    assert quoted in source and "Abbas Araghchi, Iran’s foreign minister" in quoted
    box = page.locator("#doc-panel .doc-scroll").bounding_box()
    m = mark.bounding_box()
    assert box["y"] - 1 <= m["y"] <= box["y"] + box["height"]  # scrolled into view
    assert "Araghchi" in page.inner_text("#sources-panel")
    page.screenshot(path=str(ARTIFACTS / "2-citation-highlighted.png"))


def test_second_citation_of_a_two_part_answer(page):
    text = ask(page, "How did Putin describe Pezeshkian's visit, and what does the conclusion say the visit shows?")
    assert "[2]" in text
    page.click("#chat a[href='#cite-1-2']")
    mark = page.wait_for_selector("#doc-panel mark.active[data-n='2']", timeout=20_000)
    assert "still evolving" in mark.inner_text()


def test_follow_up_question_in_context(page):
    first = ask(page, "Who is Kazem Jalali?")
    assert "ambassador" in first
    text = ask(page, "What did he say the agreement reflects?")
    assert "realities of the current world" in text
    page.screenshot(path=str(ARTIFACTS / "3-follow-up.png"))


def test_refusal_shows_no_sources(page):
    text = ask(page, "How did Saudi Arabia react to the new Russia-Iran agreement?")
    assert "No sources" in text and "No sources" in page.inner_text("#sources-panel")


def test_upload_a_document_and_ask_about_it(page, server, tmp_path):
    doc = tmp_path / "lighthouse.md"
    doc.write_text("# Gull Island\n\nThe lighthouse keeper on Gull Island is named Ada Lovelock. "
                   "She has kept the light since 1987.\n", encoding="utf-8")
    page.click("button[role='tab']:has-text('Documents')")
    page.set_input_files("#upload input[type='file']", str(doc))
    page.wait_for_timeout(1000)
    page.click("#add-btn")
    page.wait_for_selector("#index-log :text('index')", timeout=120_000)
    log = page.inner_text("#index-log")
    assert "saved" in log and "lighthouse.md" in log and "added 1" in log
    assert (server["source_dir"] / "lighthouse.md").exists()
    page.screenshot(path=str(ARTIFACTS / "4-upload.png"))
    page.click("button[role='tab']:has-text('Chat')")
    text = ask(page, "Who is the lighthouse keeper on Gull Island?")
    assert "Ada Lovelock" in text
    page.click("#chat a[href='#cite-5-1']")
    page.wait_for_selector("#doc-panel :text('lighthouse.md')", timeout=20_000)
    page.screenshot(path=str(ARTIFACTS / "5-uploaded-doc-answer.png"))
