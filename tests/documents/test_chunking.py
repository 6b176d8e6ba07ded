"""Chunks end on sentence boundaries, keep citation markers whole and carry their anchors."""

import re

from agents.documents import Anchor, chunk_text

SENTENCE = "Heat waves raise mortality in dense districts by {n} per cent (Doe et al. 2021, p. 4) [@doe2021:{n}]."


def prose(sentences: int, start: int = 0) -> str:
    return " ".join(SENTENCE.format(n=n) for n in range(start, start + sentences))


def test_chunks_stay_near_the_target_and_end_on_sentences():
    text = "\n\n".join(prose(12, start) for start in range(0, 120, 12))

    chunks = chunk_text(text, target_words=100)

    assert all(chunk.words <= 100 for chunk in chunks)
    assert all(chunk.words >= 40 for chunk in chunks[:-1])
    assert all(chunk.text.endswith("].") and chunk.text.startswith("Heat waves") for chunk in chunks)
    assert " ".join(chunk.text for chunk in chunks).split() == text.split()


def test_citation_markers_are_never_split_and_stay_with_their_sentence():
    text = "First claim [@doe2021:1; @smith2019:2]. Second claim. [@roe2020:3] Third claim."

    chunks = chunk_text(text, target_words=2)

    assert [chunk.text for chunk in chunks] == [
        "First claim [@doe2021:1; @smith2019:2].",
        "Second claim. [@roe2020:3]",
        "Third claim.",
    ]


def test_abbreviations_initials_and_decimals_do_not_end_sentences():
    text = "Dr. J. Doe measured 3.5 degrees, e.g. in Fig. 2 of the report. Next sentence here."

    chunks = chunk_text(text, target_words=8)

    assert [chunk.text for chunk in chunks] == [
        "Dr. J. Doe measured 3.5 degrees, e.g. in Fig. 2 of the report.",
        "Next sentence here.",
    ]


def test_headings_open_a_chunk_and_paragraph_breaks_are_preferred():
    text = "Opening words.\n\n# Results\nShort intro sentence here.\n\n" + prose(3)

    chunks = chunk_text(text, target_words=20)

    assert [chunk.text for chunk in chunks[:2]] == ["Opening words.", "# Results\nShort intro sentence here."]
    assert [chunk.anchor for chunk in chunks[:3]] == ["para. 1", "para. 2", "para. 3"]
    assert all(chunk.text.startswith("Heat waves") for chunk in chunks[2:])


def test_page_anchors_are_kept_and_ranges_shown_when_a_chunk_spans_pages():
    page_one, page_two = prose(2), prose(2, start=2)
    text = page_one + "\n\n" + page_two
    anchors = [Anchor(0, "page", 7), Anchor(len(page_one) + 2, "page", 8)]

    single = chunk_text(text, target_words=20, anchors=anchors)
    spanning = chunk_text(text, target_words=1000, anchors=anchors)

    assert [chunk.anchor for chunk in single] == ["p. 7", "p. 7", "p. 8", "p. 8"]
    assert [(chunk.anchor, chunk.as_record()["anchor"]) for chunk in spanning] == [("pp. 7–8", "pp. 7–8")]


def test_a_run_on_sentence_is_cut_between_words_with_markers_whole():
    words = [f"word{n} [@doe2021:{n}; @roe2020:{n}]" if n % 7 == 0 else f"word{n}" for n in range(500)]
    text = " ".join(words)

    chunks = chunk_text(text, target_words=50)

    assert len(chunks) > 5
    markers = [marker for chunk in chunks for marker in re.findall(r"\[@[^\]]*\]", chunk.text)]
    assert markers == re.findall(r"\[@[^\]]*\]", text)
    assert all(text[chunk.start : chunk.end] == chunk.text for chunk in chunks)


def test_empty_text_gives_no_chunks():
    assert chunk_text("  \n\n ") == []
