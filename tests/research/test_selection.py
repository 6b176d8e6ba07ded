"""De-duplication, scoring, region and recency filters, chunking and citation keys: the
Researcher's decisions, on hand-made works."""

from __future__ import annotations

import datetime
import json

from agents.llm.offline.research import expand_queries
from agents.research import (
    Criteria,
    assess,
    chunk_abstract,
    chunk_full_text,
    citation_key,
    clean_queries,
    core_terms,
    credibility,
    deduplicate,
    known_identities,
    region_match,
    relevance,
    research_goal,
)
from agents.research.scoring import affiliation_country
from agents.research.selection import choose, quota_for
from tools.scholarly import Work

ABSTRACT = "Urban heat islands raise night-time temperatures and harm public health in dense districts."


def work(
    title="Urban heat islands and public health",
    *,
    doi="10.5555/x.1",
    year=2022,
    kind="article-journal",
    provider="openalex",
    abstract=ABSTRACT,
    cited_by=None,
    countries=(),
    affiliations=(),
    full_text_url="",
):
    csl = {
        "title": title,
        "type": kind,
        "issued": {"date-parts": [[year]]} if year else None,
        "DOI": doi,
        "abstract": abstract,
        "author": [{"family": "Placeholder", "given": "Avery"}],
    }
    csl = {key: value for key, value in csl.items() if value}
    return Work(
        provider=provider,
        provider_id=title,
        csl=csl,
        cited_by=cited_by,
        countries=tuple(countries),
        affiliations=tuple(affiliations),
        full_text_url=full_text_url,
    )


def test_works_are_merged_by_doi_and_by_normalised_title_keeping_the_best_record():
    # given the same article from two providers, and its preprint without the journal DOI
    journal = work(doi="10.5555/x.1", cited_by=12, countries=("GB",))
    same_doi = work(
        title="URBAN HEAT ISLANDS AND PUBLIC HEALTH.",
        doi="10.5555/X.1",
        provider="crossref",
        cited_by=30,
        full_text_url="http://127.0.0.1/fulltext/x",
    )
    preprint = work(title="Urban heat islands and public-health", doi="", kind="article", provider="arxiv")
    other = work(title="Green roofs and cooling", doi="10.5555/x.2")

    candidates, duplicates = deduplicate(
        [("openalex", "q1", journal), ("crossref", "q1", same_doi), ("arxiv", "q2", preprint), ("openalex", "q2", other)]
    )

    assert duplicates == 2 and len(candidates) == 2
    merged = candidates[0]
    assert merged.providers == ["openalex", "crossref", "arxiv"] and merged.query == "q1"
    assert merged.work.csl["type"] == "article-journal"  # the peer-reviewed version wins
    assert merged.work.cited_by == 30 and merged.work.full_text_url == "http://127.0.0.1/fulltext/x"
    assert merged.work.countries == ("GB",)


def test_works_the_run_already_has_are_not_found_again():
    known = known_identities([{"key": "a", "csl": {"DOI": "10.5555/x.1", "title": "Something else entirely"}}])

    candidates, duplicates = deduplicate([("openalex", "q", work())], known)

    assert candidates == [] and duplicates == 1


def test_relevance_rewards_the_goals_terms_in_title_and_abstract():
    core = core_terms("Write an essay on urban heat islands and public health", {})
    assert core == ["urban", "heat", "island", "public", "health"]

    on_topic = relevance(work(), core)
    abstract_only = relevance(work(title="A study of cities"), core)
    off_topic = relevance(work(title="Bond markets in 1990", abstract="Interest rates and bond yields."), core)

    assert on_topic == 1.0 and 0.5 < abstract_only < on_topic and off_topic == 0.0


def test_credibility_prefers_peer_reviewed_cited_recent_works_with_dois():
    year = 2026
    strong = credibility(work(cited_by=150, year=2025), year, 10)
    preprint = credibility(work(kind="article", doi="", cited_by=0, year=2025), year, 10)
    old = credibility(work(cited_by=150, year=1990), year, 10)

    assert strong >= 0.95 and preprint < 0.5 and old < strong
    assert 0 <= preprint <= old <= 1


def test_region_comes_from_stated_countries_affiliation_strings_or_the_study_setting():
    assert region_match(work(countries=("GB",)), "UK").status == "match"
    assert region_match(work(affiliations=("School of Health, University of Leeds, Leeds, UK",)), "UK").status == "match"
    assert region_match(work(title="Heat deaths in an English city"), "UK").status == "match"
    assert region_match(work(abstract="Hospital admissions rose across the NHS."), "United Kingdom").status == "match"
    assert region_match(work(countries=("US",)), "UK").status == "other"
    assert region_match(work(), "UK").status == "unknown"
    assert region_match(work(countries=("FR",)), "Europe").status == "match"
    assert region_match(work(), "").status == "match"
    assert affiliation_country("Dept of Medicine, Queen's University Belfast, Northern Ireland") == "GB"
    assert affiliation_country("Trinity College Dublin, Ireland") == "IE"


def test_assess_filters_by_relevance_recency_and_region_and_counts_why():
    candidates, _ = deduplicate(
        [
            ("openalex", "q", work(doi="10.5555/a", countries=("GB",))),
            ("openalex", "q", work(title="Urban heat and public health in 2001", doi="10.5555/b", year=2001, countries=("GB",))),
            ("openalex", "q", work(title="Urban heat islands in American cities", doi="10.5555/c", countries=("US",))),
            ("openalex", "q", work(title="Urban heat islands: an unplaced study", doi="10.5555/d")),
            ("openalex", "q", work(title="Bond market yields", doi="10.5555/e", abstract="Interest rates.")),
            ("openalex", "q", work(title="Urban heat islands, title only", doi="10.5555/f", abstract="")),
        ]
    )
    criteria = Criteria(core=["urban", "heat", "island", "public", "health"], region="UK", year_from=2016, this_year=2026)

    kept, rejected = assess(candidates, criteria)

    assert [candidate.work.doi for candidate in kept] == ["10.5555/a"]
    assert rejected == {
        "too old": 1,
        "outside the region": 1,
        "region unknown": 1,
        "off topic": 1,
        "no abstract or open text to cite": 1,
    }
    assert kept[0].region == "author affiliation in GB"


def test_choose_takes_the_best_scores_up_to_the_quota():
    candidates, _ = deduplicate(
        [("openalex", "q", work(title=f"Urban heat islands study {n}", doi=f"10.5555/{n}", cited_by=n * 10)) for n in range(1, 6)]
    )
    kept, _ = assess(candidates, Criteria(core=["urban", "heat", "island"]))

    chosen = choose(kept, 2)

    assert [candidate.work.doi for candidate in chosen] == ["10.5555/5", "10.5555/4"]
    assert quota_for(0, 6, first_pass=True) == 9 and quota_for(4, 6, first_pass=False) == 4


def test_chunks_are_about_350_words_on_sentence_boundaries_with_anchors():
    sentence = "Dense districts keep their heat long after sunset and this matters for sleep."  # 13 words
    text = "\n\n".join(" ".join([sentence] * 10) for _ in range(8))  # 8 paragraphs of 130 words

    chunks = chunk_full_text(text)

    assert [chunk["anchor"] for chunk in chunks] == ["paras. 1–3", "paras. 3–5", "paras. 6–8", "para. 8"]
    assert all(len(chunk["text"].split()) <= 350 and chunk["text"].endswith("sleep.") for chunk in chunks)
    pages = chunk_full_text("", pages=("First page. " * 200, "Second page. " * 200))
    assert pages[0]["anchor"] == "p. 1" and pages[-1]["anchor"] == "p. 2"
    assert chunk_abstract(ABSTRACT) == [{"text": ABSTRACT, "anchor": "abstract"}]
    assert len(chunk_full_text(text, max_words=400)) == 2


def test_citation_keys_are_unique_slugs():
    taken = {"placeholder2022"}
    csl = {"author": [{"family": "Ó Placeholder-Smith"}], "issued": {"date-parts": [[2022]]}}

    assert citation_key(csl, taken) == "oplaceholdersmith2022"
    assert citation_key(csl, taken) == "oplaceholdersmith2022b"
    assert citation_key({"title": "Anonymous report"}, taken) == "anonymousnd"


def test_offline_query_expansion_is_deterministic_and_widens_at_level_two():
    inputs = {
        "goal": "Write an essay on urban heat islands and public health",
        "topic": "urban heat islands and public health",
        "keywords": ["urban", "heat", "islands", "public", "health"],
        "region": "UK",
        "level": 1,
        "headings": [],
        "tried": [],
        "count": 4,
    }

    first = json.loads(expand_queries(inputs))["queries"]
    second = json.loads(expand_queries({**inputs, "level": 2, "tried": first, "headings": ["Mechanisms and causes"]}))["queries"]

    assert first[0] == "urban heat islands public health UK" and len(first) == 4
    assert "city heat islands public health" in second and not set(first) & set(second)
    assert json.loads(expand_queries(inputs))["queries"] == first
    assert clean_queries(["  a  b ", "A B", "c d", "new"], ["c d"], 5) == ["a b", "new"]


def test_the_research_goal_takes_the_spec_over_the_policy_and_the_larger_minimum():
    policy = {"gates": {"min_sources": 6, "recency_years": 10, "region": ""}}
    today = datetime.date(2026, 6, 1)

    goal = research_goal({"min_sources": 8, "region": "UK", "recency_years": 5}, policy, today)
    assert (goal.min_sources, goal.region, goal.recency_years, goal.year_from) == (8, "UK", 5, 2021)
    goal = research_goal({"min_sources": 2, "region": "", "recency_years": None}, policy, today)
    assert (goal.min_sources, goal.region, goal.year_from) == (6, "", 2016)
    goal = research_goal({"recency_years": None, "explicit": ["recency_years"]}, policy, today)
    assert goal.year_from is None  # the student chose "any year"
    assert research_goal({}, {"gates": {}}, today).year_from is None
