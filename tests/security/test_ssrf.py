"""SSRF (docs/security.md): every outbound fetch of a URL that a user, a document or a model
chose goes through tools.netguard, which refuses non-public addresses in every spelling, pins
the connection to the checked address and re-checks every redirect hop. The allow-list for the
local fake servers comes only from settings."""
from __future__ import annotations

import socket

import pytest

from agents.tool_ingestor import ingest_offer
from journeys.research import scholarly_service
from tests.fakes.hostile_http import RecordingServer
from tests.fakes.mini_scholar import MiniScholar
from tools import netguard
from tools.ingest.openapi import IngestLimits, IngestRejected
from tools.netguard import NetPolicy, URLRefused, check_url
from tools.registry import ToolFailed, ToolRegistry
from tools.sandbox import SandboxLimits
from tools.scholarly import FetchPolicy, FetchRefused, fetch_full_text
from tools.services import definition_of, ingest_openapi, sandbox_limits
from tools.spec import ToolDefinition, ToolSpec

NON_PUBLIC = {
    "loopback": "http://127.0.0.1/",
    "loopback-name": "http://localhost/",
    "loopback-ipv6": "http://[::1]/",
    "private-10": "http://10.0.0.1/",
    "private-172": "http://172.16.5.4/",
    "private-192": "http://192.168.1.1/",
    "shared-cgnat": "http://100.64.0.1/",
    "link-local": "http://169.254.10.1/",
    "cloud-metadata": "http://169.254.169.254/latest/meta-data/",
    "link-local-ipv6": "http://[fe80::1]/",
    "unique-local": "http://[fd00::1]/",
    "multicast": "http://224.0.0.1/",
    "multicast-ipv6": "http://[ff02::1]/",
    "reserved": "http://240.0.0.1/",
    "unspecified": "http://0.0.0.0/",
    "unspecified-ipv6": "http://[::]/",
    "ipv4-mapped-ipv6": "http://[::ffff:127.0.0.1]/",
    "ipv4-mapped-metadata": "http://[::ffff:a9fe:a9fe]/",
    "6to4-of-loopback": "http://[2002:7f00:1::]/",
    "nat64-of-private": "http://[64:ff9b::a00:1]/",
    "decimal": "http://2130706433/",
    "octal": "http://0177.0.0.1/",
    "hex": "http://0x7f000001/",
    "hex-dotted": "http://0x7f.0x0.0x0.0x1/",
    "short-form": "http://127.1/",
    "decimal-metadata": "http://2852039166/",
    "trailing-dot": "http://127.0.0.1./",
    "with-userinfo": "http://user@127.0.0.1:6379/",
}


@pytest.mark.parametrize("url", NON_PUBLIC.values(), ids=NON_PUBLIC.keys())
def test_every_kind_and_spelling_of_non_public_address_is_refused_before_connecting(url):
    with pytest.raises(URLRefused, match="non-public address"):
        check_url(url, NetPolicy())
    with pytest.raises(FetchRefused, match="non-public address"):
        fetch_full_text(url, FetchPolicy(timeout=1.0))


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/x", "gopher://127.0.0.1:6379/_INFO",
                                 "dict://127.0.0.1:6379/", "javascript:alert(1)", "http:///nohost"])
def test_schemes_other_than_http_and_https_are_refused(url):
    with pytest.raises(URLRefused, match="only http and https"):
        check_url(url, NetPolicy())


def test_a_public_address_is_pinned_and_keeps_its_name_for_host_and_tls():
    hop = check_url("https://93.184.215.14:8443/paper?id=1", NetPolicy())

    assert hop.connect_url == "https://93.184.215.14:8443/paper?id=1" and hop.address == "93.184.215.14"
    assert hop.headers == {"Host": "93.184.215.14:8443"} and hop.extensions == {"sni_hostname": "93.184.215.14"}


def test_the_connection_goes_to_the_checked_address_not_a_second_dns_answer(monkeypatch, hostile):
    # given a resolver (the network edge) that answers public first and the local server after
    # (DNS rebinding)
    answers = [("93.184.215.14", 80), ("127.0.0.1", hostile.port)]
    asked: list[str] = []
    real_getaddrinfo = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        if host != "rebind.example":
            return real_getaddrinfo(host, port, *args, **kwargs)
        asked.append(host)
        address = answers[min(len(asked), 2) - 1][0]
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (address, port))]

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)

    # when the page is fetched
    with pytest.raises(Exception):  # noqa: B017 - the public address is unreachable here; either error will do
        fetch_full_text(f"http://rebind.example:{hostile.port}/page", FetchPolicy(timeout=1.0))

    # then the name was resolved once, and the local server never saw a request
    assert asked == ["rebind.example"]
    assert hostile.requests == []


def test_a_local_server_redirecting_to_a_private_address_is_refused_at_that_hop(hostile):
    # given only the local server's own host:port is allowed; it redirects to Redis on loopback,
    # to the cloud metadata address and to loopback spelt in hex
    policy = FetchPolicy(allowed_hosts=frozenset({f"127.0.0.1:{hostile.port}"}), timeout=5.0)
    assert "Cooling centres" in fetch_full_text(f"{hostile.root}/page", policy).text
    for target in ("http://127.0.0.1:6379/", "http://169.254.169.254/latest/meta-data/", "http://0x7f000001:6379/"):
        # then the redirect hop is checked like the first and refused
        with pytest.raises(FetchRefused, match="non-public address"):
            fetch_full_text(hostile.redirect_to(target), policy)
    assert all(path.startswith(("/page", "/redirect")) for _method, path in hostile.requests)


def test_a_redirect_to_another_scheme_is_refused(hostile):
    with pytest.raises(FetchRefused, match="only http and https"):
        fetch_full_text(hostile.redirect_to("file:///etc/passwd"), FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), timeout=5.0))


def test_redirect_chains_are_capped(hostile):
    url = hostile.redirect_to(hostile.redirect_to(hostile.redirect_to(f"{hostile.root}/page")))
    policy = FetchPolicy(allowed_hosts=frozenset({"127.0.0.1"}), timeout=5.0, max_redirects=2)

    with pytest.raises(FetchRefused, match="more than 2 redirects"):
        fetch_full_text(url, policy)


def test_the_local_test_server_is_reachable_only_through_the_settings_allow_list(hostile, settings):
    url = f"{hostile.root}/page"

    # given no allow-list in settings: the fake server on 127.0.0.1 is refused like any loopback
    settings.HW_FETCH_ALLOWED_HOSTS = []
    with pytest.raises(FetchRefused, match="127.0.0.1, a non-public address"):
        scholarly_service(None).fetch_full_text(url)

    # given 127.0.0.1 on the allow-list (HW_FETCH_ALLOWED_HOSTS): it is read
    settings.HW_FETCH_ALLOWED_HOSTS = ["127.0.0.1"]
    assert "Cooling centres" in scholarly_service(None).fetch_full_text(url).text


def test_operators_ingestion_and_tool_calls_need_the_allow_list_too(db, mini_scholar, settings):
    # given no allow-list: the operator's ingestion of a loopback API is refused with a reason
    settings.HW_TOOL_OFFER_ALLOWED_HOSTS = []
    with pytest.raises(IngestRejected, match="non-public address"):
        ingest_openapi(url=f"{mini_scholar.base}/openapi.json", by="operator:test")

    # given it is allowed, the tools are ingested; but a registry without the allow-list cannot call them
    settings.HW_TOOL_OFFER_ALLOWED_HOSTS = ["127.0.0.1"]
    versions = ingest_openapi(url=f"{mini_scholar.base}/openapi.json", by="operator:test")
    definitions = [definition_of(version) for version in versions]
    with pytest.raises(ToolFailed, match="non-public address") as refused:
        ToolRegistry(definitions, limits=SandboxLimits()).call("mini_scholar_api.get_paper", {"paper_id": "P-17"})
    assert refused.value.observation["transient"] is False  # an observation for the Critic, not a retry loop
    answer = ToolRegistry(definitions, limits=sandbox_limits()).call("mini_scholar_api.get_paper", {"paper_id": "P-17"})
    assert answer.result["year"] == 2022


def test_an_ingested_tool_is_checked_again_at_every_call(mini_scholar):
    # given a tool ingested while its server was allowed, called later under a policy that is not
    tools = ingest_offer(f"{mini_scholar.base}/openapi.json", IngestLimits(), allowed_hosts=["127.0.0.1"])
    definitions = [definition_of_data(tool) for tool in tools]

    with pytest.raises(ToolFailed, match="127.0.0.1, a non-public address"):
        ToolRegistry(definitions, limits=SandboxLimits(allowed_hosts=())).call("mini_scholar_api.get_paper", {"paper_id": "P-17"})


def test_the_stream_helper_does_not_follow_redirects_for_other_methods(hostile):
    url = hostile.redirect_to("http://169.254.169.254/")
    policy = NetPolicy.allowing(["127.0.0.1"])

    with netguard.client(5.0) as http, netguard.stream(http, "POST", url, policy) as (response, final):
        assert response.status_code == 302 and final == url


def definition_of_data(tool: dict) -> ToolDefinition:
    return ToolDefinition(spec=ToolSpec.from_dict(tool["spec"]), kind=tool["kind"], version=1, status="candidate",
                          binding=tool["binding"], provenance=tool["provenance"])


@pytest.fixture
def mini_scholar():
    with MiniScholar() as server:
        yield server


@pytest.fixture
def hostile():
    with RecordingServer() as server:
        yield server
