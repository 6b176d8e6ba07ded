"""Each scholarly client against the fake server speaking that provider's wire format: what
comes back is CSL-JSON with the work's metadata, and failures are reported, not raised raw."""

from __future__ import annotations

import time

import pytest

from tools.scholarly import PROVIDERS, ProviderError, ScholarlyConfig, SearchFilters, UnknownProvider, search

QUERY = "heatwave early warning hospital admissions"
WEB_PROVIDERS = sorted(name for name in PROVIDERS if name != "corpus")  # "corpus" reads a directory, not an API


@pytest.mark.parametrize("provider", WEB_PROVIDERS)
def test_each_client_maps_its_wire_format_to_csl_json(tools, provider):
    # given the urban heat corpus behind every provider
    # when searching for one work's subject
    works = tools.search(provider, QUERY, SearchFilters(limit=5))

    # then the work comes back first with its bibliographic metadata as CSL-JSON
    work = works[0]
    assert work.provider == provider
    assert work.title == "Heatwave early warning systems and hospital admissions"
    assert work.doi == "10.5555/fict.uhi.004" and work.csl["DOI"] == work.doi
    assert work.year == 2020
    assert [author["family"] for author in work.csl["author"]] == ["Dummett"]
    assert "heatwave warning hospital admissions" in work.abstract
    assert work.full_text_url.endswith("/fulltext/uhi-004.pdf")
    expected_type = "article" if provider == "arxiv" else "article-journal"
    assert work.csl["type"] == expected_type
    if provider != "arxiv":
        assert work.csl["container-title"] == "Fictional Review of Public Health"
        assert work.cited_by and work.cited_by > 0


def test_openalex_rebuilds_the_abstract_and_states_countries(tools):
    work = tools.search("openalex", "night-time temperatures sleep", SearchFilters(limit=3))[0]

    assert work.abstract.startswith("This fictional study examines night-time temperatures sleep public health")
    assert work.countries == ("GB",)
    assert work.affiliations == ("University of Exampleton, United Kingdom",)
    assert work.csl["issued"]["date-parts"][0][:1] == [2023]
    assert work.csl["page"].count("-") == 1 and work.csl["volume"]


def test_crossref_strips_jats_and_reads_only_openly_licensed_links(tools):
    works = {work.doi: work for work in tools.search("crossref", "urban heat island", SearchFilters(limit=20))}

    open_work, closed_work = works["10.5555/fict.uhi.001"], works["10.5555/fict.uhi.003"]
    assert "<jats" not in open_work.abstract and open_work.abstract.startswith("This fictional study")
    assert open_work.full_text_url.endswith("/fulltext/uhi-001")
    assert closed_work.full_text_url == ""
    assert all(work.doi for work in works.values())  # Crossref holds only works with DOIs


def test_year_filters_reach_every_provider_in_its_own_syntax(tools, fake_scholarly):
    for provider in WEB_PROVIDERS:
        works = tools.search(provider, "urban heat", SearchFilters(year_from=2022, year_to=2023, limit=25))
        assert works, provider
        assert all(2022 <= work.year <= 2023 for work in works), provider
    sent = {entry["provider"]: entry["params"] for entry in fake_scholarly.searches()}
    assert sent["openalex"]["filter"] == "from_publication_date:2022-01-01,to_publication_date:2023-12-31"
    assert sent["crossref"]["filter"] == "from-pub-date:2022-01-01,until-pub-date:2023-12-31"
    assert sent["semantic_scholar"]["year"] == "2022-2023"
    assert "submittedDate:[202201010000 TO 202312312359]" in sent["arxiv"]["search_query"]
    assert sent["europe_pmc"]["query"] == "(urban heat) AND (PUB_YEAR:[2022 TO 2023])"
    assert sent["openalex"]["mailto"] == "tests@example.org"


def test_a_query_that_matches_nothing_returns_an_empty_list(tools):
    for provider in WEB_PROVIDERS:
        assert tools.search(provider, "quantum chromodynamics lattice gluons", SearchFilters()) == []


def test_a_failing_provider_is_retried_then_reported_as_transient(tools, fake_scholarly):
    # given a provider that answers 500 to every request
    fake_scholarly.behave("openalex", status=500)

    # when searching, then the error says what happened after the bounded retries
    with pytest.raises(ProviderError) as raised:
        tools.search("openalex", QUERY, SearchFilters())
    assert raised.value.transient and "HTTP 500 (3 attempts)" in str(raised.value)
    assert len(fake_scholarly.searches("openalex")) == 3


def test_a_429_with_a_short_retry_after_is_waited_for_and_then_succeeds(tools, fake_scholarly):
    # given a provider that rate-limits the first request, asking for half a second
    fake_scholarly.behave("crossref", fail_first=1, status=429, retry_after=0.5)

    started = time.monotonic()
    works = tools.search("crossref", QUERY, SearchFilters())

    assert works and time.monotonic() - started >= 0.5
    assert len(fake_scholarly.searches("crossref")) == 2


def test_a_429_asking_for_a_long_wait_is_not_waited_for(tools, fake_scholarly):
    fake_scholarly.behave("semantic_scholar", status=429, retry_after=120)

    started = time.monotonic()
    with pytest.raises(ProviderError, match="retry after 120 s"):
        tools.search("semantic_scholar", QUERY, SearchFilters())
    assert time.monotonic() - started < 1.0
    assert len(fake_scholarly.searches("semantic_scholar")) == 1


def test_a_slow_provider_times_out_within_the_configured_timeout(fake_scholarly):
    fake_scholarly.behave("europe_pmc", delay=1.5)
    config = ScholarlyConfig(base_urls=fake_scholarly.base_urls, timeout=0.3, max_retries=0)

    started = time.monotonic()
    with pytest.raises(ProviderError, match="timed out after 0.3 s"):
        search("europe_pmc", QUERY, SearchFilters(), config)
    assert time.monotonic() - started < 1.2


def test_a_client_error_is_permanent_and_not_retried(fake_scholarly):
    config = ScholarlyConfig(base_urls={**fake_scholarly.base_urls, "openalex": fake_scholarly.root + "/nowhere"})

    with pytest.raises(ProviderError) as raised:
        search("openalex", QUERY, SearchFilters(), config)
    assert not raised.value.transient and "HTTP 404" in str(raised.value)


def test_an_unknown_provider_names_the_known_ones():
    with pytest.raises(
        UnknownProvider, match="unknown scholarly provider 'scopus'; known: arxiv, .*europe_pmc, openalex, semantic_scholar"
    ):
        search("scopus", QUERY, SearchFilters(), ScholarlyConfig())
