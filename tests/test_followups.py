"""Follow-up questions resolved against the conversation, measured on hand-written pairs over the article."""
import json
from pathlib import Path

from assistant.conversation import is_follow_up
from assistant.evaluation import contains_all

PAIRS = [json.loads(l) for l in (Path(__file__).parent / "data" / "followups.jsonl").read_text().splitlines() if l]


def test_follow_up_detection():
    assert is_follow_up("What did he call the agreement?")
    assert is_follow_up("Why?") and is_follow_up("And with North Korea?")
    assert not is_follow_up("What did Araghchi call the agreement?")
    assert not is_follow_up("Who is Iran's foreign minister?")


def test_follow_up_hit_rate(article):
    with_history = without = 0
    for pair in PAIRS:
        first = article.ask(pair["first"])
        follow = article.ask(pair["follow_up"], history=[(pair["first"], first.answer)])
        alone = article.ask(pair["follow_up"])
        with_history += (not follow.refused) and contains_all(follow.answer, pair["must_include"])
        without += (not alone.refused) and contains_all(alone.answer, pair["must_include"])
    print(f"\nfollow-up pairs: {with_history}/{len(PAIRS)} answered with history, {without}/{len(PAIRS)} without")
    assert len(PAIRS) >= 8
    assert with_history / len(PAIRS) >= 0.8 and with_history > without
