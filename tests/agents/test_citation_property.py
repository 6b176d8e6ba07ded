"""Property: whatever the model writes, every citation that survives into a draft names a passage
the writer was given, and every sentence the offline model cites is supported by that passage."""
from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from agents.citing import cited_pairs, keep_known
from agents.llm.offline import writing
from agents.llm.offline.text import sentences
from agents.qa.support import lexical_support
from agents.rendering.citations import malformed_markers

WORDS = ("heat", "urban", "mortality", "trees", "shade", "night", "temperature", "older", "residents", "roofs",
         "cooling", "hospital", "admissions", "warnings", "deprivation", "exposure", "districts", "summer")
sentence = st.lists(st.sampled_from(WORDS), min_size=7, max_size=20).map(lambda words: " ".join(words).capitalize() + ".")
passage = st.lists(sentence, min_size=1, max_size=5).map(" ".join)
key = st.from_regex(r"[a-z]{3,8}20[0-2][0-9]", fullmatch=True)


@st.composite
def evidence(draw):
    keys = draw(st.lists(key, min_size=1, max_size=4, unique=True))
    items = []
    for item_key in keys:
        for ordinal in range(draw(st.integers(1, 3))):
            items.append({"key": item_key, "ordinal": ordinal, "marker": f"[@{item_key}:{ordinal}]", "text": draw(passage)})
    return items


@settings(max_examples=25, deadline=None)
@given(evidence(), st.integers(60, 250), st.sampled_from(["Introduction", "Mechanisms", "Conclusion"]))
def test_the_offline_writer_cites_only_given_passages_that_support_the_sentence(items, words, heading):
    text = writing.write_section({
        "goal": "Write about urban heat and health", "topic": "urban heat and health", "heading": heading,
        "points": ["explain the exposure", "weigh the evidence"], "words": words, "evidence": items, "angle": "", "revise": {},
    })
    allowed = {(item["key"], item["ordinal"]) for item in items}
    kept, removed = keep_known(text, allowed)
    passages = {(item["key"], item["ordinal"]): item["text"] for item in items}

    assert removed == [] and kept == text
    for found in sentences(text):
        for pair in cited_pairs(found):
            assert pair in allowed
            assert lexical_support(found, passages[pair])[0], (found, passages[pair])


marker_like = st.one_of(
    st.builds(lambda k, n: f"[@{k}:{n}]", key, st.integers(0, 9)),
    st.builds(lambda a, b: f"[@{a}:1; @{b}:2]", key, key),
    st.sampled_from(["[@Doe2021]", "[@doe:p4]", "[@ ]", "[see @x]"]),
)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.one_of(sentence, marker_like), max_size=30), evidence())
def test_no_marker_outside_the_given_passages_survives(parts, items):
    allowed = {(item["key"], item["ordinal"]) for item in items}
    text = " ".join(parts)

    kept, _ = keep_known(text, allowed)

    assert set(cited_pairs(kept)) <= allowed
    assert malformed_markers(kept) == []
