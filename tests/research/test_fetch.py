"""Open-access full text: HTML and PDF are read, and the fetcher never reaches private,
loopback or link-local addresses unless the host is allow-listed (SSRF guard)."""

from __future__ import annotations

from urllib.parse import quote

import pytest

from tools.netguard import NetPolicy, check_url, is_public_address
from tools.scholarly import FetchPolicy, FetchRefused, fetch_full_text

ALLOW_LOOPBACK = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), timeout=5.0)


def test_an_html_page_is_reduced_to_its_article_text(fake_scholarly):
    text = fetch_full_text(f"{fake_scholarly.root}/fulltext/uhi-001", ALLOW_LOOPBACK)

    assert text.content_type == "text/html" and text.pages == ()
    assert text.title == "Urban heat islands and heat-related mortality in a fictional English city"
    assert "Dense districts retain heat after sunset" in text.text
    assert "Fictional Repository home" not in text.text  # navigation is boilerplate, not text
    assert len(text.text.split()) > 500


def test_a_pdf_is_read_page_by_page(fake_scholarly):
    text = fetch_full_text(f"{fake_scholarly.root}/fulltext/uhi-004.pdf", ALLOW_LOOPBACK)

    assert text.content_type == "application/pdf"
    assert len(text.pages) >= 2 and text.pages[0].startswith("Heatwave early warning systems")
    assert "heatwave warning hospital admissions" in text.text


@pytest.mark.parametrize(
    "url",
    [
        "http://127.0.0.1/",
        "http://localhost/",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.1/",
        "http://192.168.1.1/",
        "http://[::1]/",
        "http://[::ffff:127.0.0.1]/",
        "http://0.0.0.0/",
    ],
)
def test_private_loopback_and_link_local_addresses_are_refused_before_connecting(url):
    with pytest.raises(FetchRefused, match="non-public address"):
        fetch_full_text(url, FetchPolicy(timeout=1.0))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://127.0.0.1/", "http:///nohost"])
def test_only_http_urls_with_a_host_are_fetched(url):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch_full_text(url, FetchPolicy(timeout=1.0))


def test_a_redirect_to_a_private_address_is_refused(fake_scholarly):
    # given an allowed host that redirects to the cloud metadata address
    url = f"{fake_scholarly.root}/redirect?to={quote('http://169.254.169.254/latest/meta-data/')}"

    with pytest.raises(FetchRefused, match="169.254.169.254"):
        fetch_full_text(url, ALLOW_LOOPBACK)


def test_a_redirect_between_allowed_pages_is_followed(fake_scholarly):
    url = f"{fake_scholarly.root}/redirect?to={quote('/fulltext/uhi-007')}"

    text = fetch_full_text(url, ALLOW_LOOPBACK)

    assert text.final_url.endswith("/fulltext/uhi-007") and text.url == url


def test_answers_that_are_not_readable_text_are_refused(fake_scholarly):
    with pytest.raises(FetchRefused, match="content type 'application/json'"):
        fetch_full_text(f"{fake_scholarly.root}/openalex/works?search=heat", ALLOW_LOOPBACK)


def test_a_body_over_the_size_limit_is_refused(fake_scholarly):
    small = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), max_bytes=2000)

    with pytest.raises(FetchRefused, match="over the 2000-byte limit"):
        fetch_full_text(f"{fake_scholarly.root}/fulltext/uhi-001", small)


def test_public_hosts_are_connected_to_by_the_checked_address():
    # the URL is pinned to the address that passed the check; Host and TLS SNI keep the name
    hop = check_url("https://93.184.215.14:8443/paper?id=1", NetPolicy())
    assert hop.connect_url == "https://93.184.215.14:8443/paper?id=1"
    assert hop.headers["Host"] == "93.184.215.14:8443" and hop.extensions == {"sni_hostname": "93.184.215.14"}


def test_address_classification():
    assert is_public_address("93.184.215.14") and is_public_address("2606:4700::1111")
    for address in (
        "127.0.0.1",
        "10.1.2.3",
        "172.16.0.1",
        "192.168.0.1",
        "169.254.1.1",
        "100.64.0.1",
        "::1",
        "fe80::1",
        "fc00::1",
        "::ffff:10.0.0.1",
        "224.0.0.1",
        "0.0.0.0",
    ):
        assert not is_public_address(address), address
