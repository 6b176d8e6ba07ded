"""QA's checks on a section (issue 3): claim versus evidence, the citation audit and the
originality guard, on the real functions with the built-in offline model."""
from __future__ import annotations

from agents.llm import LLMGateway
from agents.qa import originality
from agents.qa.claims import audit_and_check

CHUNKS = {
    ("pretendle2022", 0): "Heat-related mortality rose by a fifth on the hottest nights in the densest districts of the city, "
                          "where older residents living alone were most exposed.",
    ("dummett2021", 0): "Green roofs lowered indoor temperatures on top floors by two degrees during the summer heatwave.",
}  # fmt: skip
KEYS = {"pretendle2022", "dummett2021"}


def test_a_claim_its_passage_supports_passes_and_one_it_does_not_support_is_flagged():
    # given a section with a supported claim, a claim citing an unrelated passage, and a citation of no chunk
    text = (
        "Heat-related mortality rose by a fifth on the hottest nights in the densest districts [@pretendle2022:0]. "
        "Street trees halved emergency calls for asthma in coastal towns [@dummett2021:0]. "
        "Older residents were most exposed [@pretendle2022:7]."
    )

    # when QA checks it
    result = audit_and_check(LLMGateway(["handywriterz/offline"]), text, CHUNKS, KEYS)

    # then one claim is supported, the unrelated one is flagged, the missing chunk is an orphan
    assert (result.cited, result.supported) == (3, 1)
    assert result.orphans == ["@pretendle2022:7"]
    assert any(problem.startswith('unsupported claim: "Street trees halved') for problem in result.problems)
    assert "citation without a source chunk: @pretendle2022:7" in result.problems


def test_a_malformed_marker_is_an_orphan_not_a_citation():
    result = audit_and_check(LLMGateway(["handywriterz/offline"]), "Roofs cool rooms [@Doe2021].", CHUNKS, KEYS)

    assert result.orphans == ["[@Doe2021]"] and result.cited == 0


def test_a_source_copied_without_quotation_is_flagged_and_a_quoted_one_is_not():
    chunks = [{"key": key, "text": text} for (key, _), text in CHUNKS.items()]
    copied = "In short, heat-related mortality rose by a fifth on the hottest nights in the densest districts of the city."
    quoted = ('One study found that "heat-related mortality rose by a fifth on the hottest nights in the densest '
              'districts of the city" [@pretendle2022:0].')  # fmt: skip
    own = "Cities that plant trees and cool their roofs protect the people most at risk during a heatwave."

    flagged = originality.check(copied, chunks, size=8)
    cleared = originality.check(quoted, chunks, size=8)
    clean = originality.check(own, chunks, size=8)

    assert flagged.sources == ["pretendle2022"] and flagged.share > 0.8
    assert flagged.passages == ["heat related mortality rose by a fifth on the hottest nights in the densest districts of the city"]
    assert (cleared.share, cleared.passages) == (0.0, [])
    assert (clean.share, clean.sources) == (0.0, [])
