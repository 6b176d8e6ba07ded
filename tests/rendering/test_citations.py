"""Citation markers rendered by citeproc-py in every supported style; bad input refused clearly."""

import pytest

from agents.rendering import (
    STYLES,
    MalformedCitation,
    OrphanCitation,
    UnknownStyle,
    parse_citations,
    render_document,
)

SOURCES = {
    "doe2021": {
        "id": "doe2021",
        "type": "article-journal",
        "title": "Heat and health in fictional cities",
        "container-title": "Journal of Urban Things",
        "volume": "12",
        "issue": "3",
        "page": "45-67",
        "DOI": "10.5555/fictional.1",
        "issued": {"date-parts": [[2021]]},
        "author": [{"family": "Doe", "given": "Jane"}, {"family": "Roe", "given": "Rick"}],
    },
    "smith2019": {
        "id": "smith2019",
        "type": "book",
        "title": "Cities and heat",
        "publisher": "Fiction Press",
        "publisher-place": "London",
        "issued": {"date-parts": [[2019]]},
        "author": [{"family": "Smith", "given": "Adam"}],
        "URL": "https://example.org/cities-and-heat",
    },
    "never-cited": {"id": "never-cited", "type": "book", "title": "Unused", "issued": {"date-parts": [[2000]]}},
}

DRAFT = (
    "# Introduction\n\n"
    "Heat kills in dense districts [@smith2019:3]. Green roofs help [@doe2021:1; @smith2019:4].\n\n"
    "Night temperatures stay high [@doe2021:2].\n"
)


def test_markers_are_parsed_with_keys_chunks_and_spans():
    text = "A [@doe2021:12]. B [@doe2021:40; @smith-2019_b:7]."

    markers = parse_citations(text)

    assert [(marker.key, marker.chunk_id) for marker in markers] == [("doe2021", 12), ("doe2021", 40), ("smith-2019_b", 7)]
    assert text[slice(*markers[0].span)] == "[@doe2021:12]"
    assert markers[1].span == markers[2].span and text[slice(*markers[1].span)] == "[@doe2021:40; @smith-2019_b:7]"


@pytest.mark.parametrize(
    ("style", "first", "pair", "first_entry"),
    [
        # Each style orders a multi-work citation its own way: APA alphabetically, Cite Them Right by
        # year, MLA and Chicago as written.
        (
            "apa",
            "(Smith, 2019)",
            "(Doe & Roe, 2021; Smith, 2019)",
            "Doe, J., & Roe, R. (2021). Heat and health in fictional cities.",
        ),
        (
            "harvard",
            "(Smith, 2019)",
            "(Smith, 2019; Doe and Roe, 2021)",
            "Doe, J. and Roe, R. (2021) “Heat and health in fictional cities”,",
        ),
        (
            "mla",
            "(Smith)",
            "(Doe and Roe; Smith)",
            "Doe, J., and R. Roe. “Heat and Health in Fictional Cities”. Journal of Urban Things, vol. 12",
        ),
        (
            "chicago",
            "(Smith 2019)",
            "(Doe and Roe 2021; Smith 2019)",
            "Doe, J., and R. Roe. 2021. “Heat and Health in Fictional Cities”.",
        ),
        ("ieee", "[1]", "[1], [2]", "[1] A. Smith, Cities and heat. London: Fiction Press, 2019."),
        ("vancouver", "(1)", "(1,2)", "1. Smith A. Cities and heat [Internet]. London: Fiction Press; 2019."),
    ],
)
def test_every_style_renders_in_text_citations_and_a_bibliography_of_cited_works(style, first, pair, first_entry):
    rendered = render_document(DRAFT, SOURCES, style)

    assert f"districts {first}." in rendered.body
    assert f"help {pair}." in rendered.body
    assert "[@" not in rendered.markdown
    assert len(rendered.bibliography) == 2  # never-cited is not listed
    assert rendered.bibliography[0].startswith(first_entry)
    assert f"## {rendered.heading}" in rendered.markdown
    assert rendered.cited_keys == ["smith2019", "doe2021"]
    assert rendered.chunk_ids == {"smith2019": [3, 4], "doe2021": [1, 2]}


def test_numeric_styles_number_works_in_order_of_first_citation():
    text = "First [@doe2021:1]. Second [@smith2019:2]. First again [@doe2021:3]."

    rendered = render_document(text, SOURCES, "ieee")

    assert rendered.body == "First [1]. Second [2]. First again [1]."
    assert rendered.bibliography[0].startswith("[1] J. Doe and R. Roe")
    assert rendered.bibliography[1].startswith("[2] A. Smith")


def test_author_date_bibliography_is_alphabetical_and_keeps_italics_in_markdown():
    rendered = render_document(DRAFT, SOURCES, "apa")

    assert [entry.split(",")[0] for entry in rendered.bibliography] == ["Doe", "Smith"]
    assert rendered.bibliography[0] == (
        "Doe, J., & Roe, R. (2021). Heat and health in fictional cities. Journal of Urban Things, 12(3), 45–67. "
        "https://doi.org/10.5555/fictional.1"
    )
    assert "*Journal of Urban Things*, *12*(3)" in rendered.bibliography_markdown[0]


def test_a_document_without_markers_renders_without_a_bibliography():
    rendered = render_document("Plain text.", SOURCES, "apa")

    assert (rendered.markdown, rendered.bibliography, rendered.cited_keys) == ("Plain text.", [], [])


def test_unknown_style_lists_the_known_ones():
    with pytest.raises(UnknownStyle) as error:
        render_document(DRAFT, SOURCES, "turabian")

    for name in STYLES:
        assert name in str(error.value)


def test_style_names_are_case_insensitive():
    assert render_document(DRAFT, SOURCES, " APA ").style == "apa"


def test_a_marker_for_an_unknown_source_is_refused_never_invented():
    with pytest.raises(OrphanCitation) as error:
        render_document("Claim [@ghost2020:5; @doe2021:1].", SOURCES, "apa")

    assert error.value.keys == ["ghost2020"]


@pytest.mark.parametrize("fragment", ["[@Doe2021:1]", "[@doe2021]", "[@doe2021:p4]", "[@doe2021:1, @smith2019:2]"])
def test_malformed_markers_are_refused_rather_than_leaked(fragment):
    with pytest.raises(MalformedCitation) as error:
        render_document(f"Claim {fragment}.", SOURCES, "apa")

    assert fragment in str(error.value)
    assert parse_citations(fragment) == []


def test_incomplete_items_and_markup_in_fields_render_as_text():
    sources = {
        "lee2020": {"title": "Stars * and <tags> & co_op", "URL": "https://example.org/a_b", "volume": None},
    }

    rendered = render_document("Claim [@lee2020:1].", sources, "apa")

    assert rendered.bibliography == ["Stars * and <tags> & co_op. (n.d.). Stars * and <tags> & co_op. Retrieved https://example.org/a_b"]
    assert rendered.bibliography_markdown[0].startswith(r"*Stars \* and <tags> & co_op*.")
