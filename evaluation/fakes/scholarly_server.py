"""A real HTTP server on 127.0.0.1 that answers like the scholarly APIs, from a corpus directory.

Paths (each provider's own, under a prefix per provider; `base_urls` gives the prefixes):
    /openalex/works?search=&filter=&per-page=               OpenAlex JSON
    /crossref/works?query=&filter=&rows=                     Crossref JSON (message.items)
    /s2/graph/v1/paper/search?query=&year=&limit=            Semantic Scholar JSON
    /arxiv/api/query?search_query=&max_results=              arXiv Atom XML
    /europepmc/webservices/rest/search?query=&pageSize=      Europe PMC JSON (resultType=core)
    /fulltext/<id>  /fulltext/<id>.pdf                       open-access copies (HTML / PDF)
    /redirect?to=URL                                         a 302 (for redirect-safety tests)
    /tool/works?q=&limit=                                    the upstream of the harness's registry search
                                                             tool: {"results": [{title, year, doi,
                                                             abstract, authors}]} (knobs: "registry")
    /offers/<name>                                           an offered OpenAPI document (offer())
    /offered/<name>/...?query=&limit=                        the offered API: {"data": [paper, ...]}
                                                             (a last path segment naming a paper id
                                                             answers that paper alone)

Python:  with ScholarlyServer("tests/fixtures/corpora/urban_heat") as server: server.base_urls ...
         server.behave("openalex", empty=True) / (status=500) / (status=429, retry_after=1)
         / (delay=2.0) / (empty_first=3) / (rename={"title": "display_title"}) (schema drift:
         JSON answers carry renamed fields); "*" means every provider; server.reset().
Shell:   python -m evaluation.fakes.scholarly_server --corpus DIR [--host 127.0.0.1] [--port N]
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from html import escape
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

from evaluation.fakes import scholarly_wire as wire
from evaluation.fakes.corpus import Corpus, CorpusWork
from evaluation.fakes.pdf import minimal_pdf
from evaluation.fakes.scholarly_queries import Query, parse_query

PREFIXES = {
    "openalex": "/openalex",
    "crossref": "/crossref",
    "semantic_scholar": "/s2",
    "arxiv": "/arxiv",
    "europe_pmc": "/europepmc",
}
# The knobs of /tool/works (the registry search tool's upstream) are behave(REGISTRY, ...).
REGISTRY = "registry"
SEARCH_PATHS = {
    "/openalex/works": "openalex",
    "/crossref/works": "crossref",
    "/s2/graph/v1/paper/search": "semantic_scholar",
    "/arxiv/api/query": "arxiv",
    "/europepmc/webservices/rest/search": "europe_pmc",
}


@dataclass
class Behaviour:
    """How one provider misbehaves. `status` alone fails every request with it; with
    `fail_first` only the first N requests fail (500 unless `status` says otherwise).
    `empty_first` answers the first N requests with no results. `rename` (old -> new field
    name) renames those keys everywhere in a JSON answer: a provider's schema drifting."""

    empty: bool = False
    status: int | None = None
    retry_after: float | None = None
    delay: float = 0.0
    empty_first: int = 0
    fail_first: int = 0
    rename: dict[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.always_fail = self.status is not None and self.fail_first == 0


class _QuietServer(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that hung up (timeout and size-limit tests do) is not a server error.
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


class ScholarlyServer:
    """The fake APIs over one corpus. Thread-safe knobs; every request is logged in `requests`."""

    def __init__(self, corpus: Path | str, host: str = "127.0.0.1", port: int = 0) -> None:
        self.corpus = Corpus(corpus)
        self.behaviours: dict[str, Behaviour] = {}
        self.requests: list[dict[str, Any]] = []
        self.lock = threading.Lock()
        self.httpd = _QuietServer((host, port), _handler_for(self))
        self.thread: threading.Thread | None = None
        self.offers: dict[str, str] = {}
        self.offered: dict[str, Corpus] = {}

    @property
    def root(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def base_urls(self) -> dict[str, str]:
        return {provider: self.root + prefix for provider, prefix in PREFIXES.items()}

    def env(self) -> dict[str, str]:
        """Environment for a process that should use this server (HandyWriterz settings)."""
        host = self.httpd.server_address[0]
        return {"HW_SCHOLARLY_BASE_URLS": json.dumps(self.base_urls), "HW_FETCH_ALLOWED_HOSTS": str(host)}

    def start(self) -> ScholarlyServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="fake-scholarly", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def __enter__(self) -> ScholarlyServer:
        return self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    def use_corpus(self, corpus: Path | str) -> None:
        with self.lock:
            self.corpus = Corpus(corpus)

    def behave(self, provider: str, **knobs: Any) -> None:
        providers = list(PREFIXES) if provider == "*" else [provider]
        with self.lock:
            for name in providers:
                self.behaviours[name] = Behaviour(**knobs)

    def reset(self) -> None:
        with self.lock:
            self.behaviours.clear()
            self.requests.clear()
            self.offers.clear()
            self.offered.clear()

    def offer(self, name: str, document: str, corpus: Path | str) -> str:
        """Serve the OpenAPI `document` at /offers/<name> and the API it describes at
        /offered/<name> over `corpus`; returns the document's URL. The text `{{server}}` in the
        document becomes the API's base URL (so the document can name this server's port)."""
        with self.lock:
            self.offers[name] = document.replace("{{server}}", f"{self.root}/offered/{name}")
            self.offered[name] = Corpus(corpus)
        return f"{self.root}/offers/{name}"

    def offered_answer(self, path: str, params: dict[str, str]) -> tuple[int, dict[str, Any]]:
        name, _, rest = path.removeprefix("/offered/").partition("/")
        with self.lock:
            corpus = self.offered.get(name)
        if corpus is None:
            return 404, {"error": f"no offered API {name!r}"}
        last = rest.rstrip("/").rsplit("/", 1)[-1]
        if last in corpus.works:
            return 200, wire.offered_paper(corpus.works[last])
        text = params.get("query") or params.get("q") or params.get("search") or ""
        found = corpus.search(text, "offered", limit=int(params.get("limit") or 10))
        return 200, {"data": [wire.offered_paper(work) for work in found]}

    def searches(self, provider: str | None = None) -> list[dict[str, Any]]:
        with self.lock:
            return [entry for entry in self.requests if entry.get("provider") and provider in (None, entry["provider"])]

    def fulltext_url(self, work: CorpusWork) -> str:
        if not work.full_text:
            return ""
        suffix = ".pdf" if work.full_text_format == "pdf" else ""
        return f"{self.root}/fulltext/{quote(work.id)}{suffix}"

    def decide(self, provider: str) -> tuple[str, Behaviour]:
        """'fail', 'empty' or 'answer' for the next request to `provider`."""
        with self.lock:
            behaviour = self.behaviours.get(provider) or Behaviour()
            if behaviour.fail_first > 0:
                behaviour.fail_first -= 1
                return "fail", behaviour
            if behaviour.always_fail:
                return "fail", behaviour
            if behaviour.empty_first > 0:
                behaviour.empty_first -= 1
                return "empty", behaviour
            return ("empty" if behaviour.empty else "answer"), behaviour

    def answer(self, provider: str, query: Query, empty: bool) -> tuple[str, str]:
        """(content type, body) of a search answer."""
        with self.lock:
            corpus = self.corpus
        found = (
            []
            if empty
            else corpus.search(
                query.text,
                provider,
                year_from=query.year_from,
                year_to=query.year_to,
                require_all=query.require_all,
                limit=query.limit,
            )
        )
        if provider == "crossref":
            found = [work for work in found if work.record.get("DOI")]  # Crossref only holds DOIs
        if provider == "arxiv":
            entries = [wire.arxiv_entry(work, self.fulltext_url(work)) for work in found]
            return "application/atom+xml; charset=utf-8", wire.arxiv_feed(entries, query.text, len(found))
        render = {
            "openalex": lambda: {
                "meta": {"count": len(found), "page": 1, "per_page": query.limit},
                "results": [wire.openalex_work(work, self.fulltext_url(work)) for work in found],
            },
            "crossref": lambda: {
                "status": "ok",
                "message-type": "work-list",
                "message-version": "1.0.0",
                "message": {
                    "total-results": len(found),
                    "items-per-page": query.limit,
                    "items": [wire.crossref_item(work, self.fulltext_url(work)) for work in found],
                },
            },
            "semantic_scholar": lambda: {
                "total": len(found),
                "offset": 0,
                "data": [wire.semantic_scholar_paper(work, self.fulltext_url(work)) for work in found],
            },
            "europe_pmc": lambda: {
                "version": "6.9",
                "hitCount": len(found),
                "nextCursorMark": "*",
                "request": {"queryString": query.text, "resultType": "core", "pageSize": query.limit},
                "resultList": {"result": [wire.europe_pmc_result(work, self.fulltext_url(work)) for work in found]},
            },
        }[provider]
        return "application/json; charset=utf-8", json.dumps(render())


def _handler_for(server: ScholarlyServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - the stdlib's name
            pass  # the request log is `server.requests`

        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            parts = urlsplit(self.path)
            params = {key: values[-1] for key, values in parse_qs(parts.query).items()}
            provider = SEARCH_PATHS.get(parts.path)
            with server.lock:
                server.requests.append({"provider": provider, "path": parts.path, "params": params})
            if provider:
                self.search(provider, params)
            elif parts.path.startswith("/fulltext/"):
                self.fulltext(parts.path.removeprefix("/fulltext/"))
            elif parts.path == "/tool/works":
                self.registry_search(params)
            elif parts.path.startswith("/offers/") and parts.path.removeprefix("/offers/") in server.offers:
                self.send(200, "application/yaml; charset=utf-8", server.offers[parts.path.removeprefix("/offers/")])
            elif parts.path.startswith("/offered/"):
                status, payload = server.offered_answer(parts.path, params)
                self.send(status, "application/json", json.dumps(payload))
            elif parts.path == "/redirect" and params.get("to"):
                self.send(302, "text/plain", "see elsewhere", {"Location": params["to"]})
            else:
                self.send(404, "application/json", json.dumps({"error": f"no such path {parts.path}"}))

        def search(self, provider: str, params: dict[str, str]) -> None:
            decision, behaviour = server.decide(provider)
            if behaviour.delay:
                time.sleep(behaviour.delay)
            if decision == "fail":
                status = behaviour.status or 500
                headers = {"Retry-After": f"{behaviour.retry_after:g}"} if behaviour.retry_after is not None else {}
                self.send(status, "application/json", json.dumps({"error": "the fake provider was told to fail"}), headers)
                return
            content_type, body = server.answer(provider, parse_query(provider, params), empty=decision == "empty")
            if behaviour.rename and content_type.startswith("application/json"):
                body = json.dumps(renamed(json.loads(body), behaviour.rename))
            self.send(200, content_type, body)

        def registry_search(self, params: dict[str, str]) -> None:
            decision, behaviour = server.decide(REGISTRY)
            if behaviour.delay:
                time.sleep(behaviour.delay)
            if decision == "fail":
                headers = {"Retry-After": f"{behaviour.retry_after:g}"} if behaviour.retry_after is not None else {}
                self.send(behaviour.status or 500, "application/json", json.dumps({"error": "told to fail"}), headers)
                return
            with server.lock:
                corpus = server.corpus
            found = [] if decision == "empty" else corpus.search(params.get("q", ""), REGISTRY, limit=int(params.get("limit") or 5))
            body = {"results": [wire.registry_work(work) for work in found], "meta": {"query": params.get("q", "")}}
            self.send(200, "application/json", json.dumps(renamed(body, behaviour.rename)))

        def fulltext(self, name: str) -> None:
            wanted_pdf = name.endswith(".pdf")
            work = server.corpus.works.get(name.removesuffix(".pdf"))
            if work is None or not work.full_text:
                self.send(404, "text/html", "<html><body><p>Not found</p></body></html>")
            elif wanted_pdf:
                self.send(200, "application/pdf", minimal_pdf(work.record["title"], work.full_text))
            else:
                self.send(200, "text/html; charset=utf-8", fulltext_page(work))

        def send(self, status: int, content_type: str, body: str | bytes, headers: dict[str, str] | None = None) -> None:
            data = body.encode("utf-8") if isinstance(body, str) else body
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(data)))
            for key, value in (headers or {}).items():
                self.send_header(key, value)
            try:
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                self.close_connection = True  # the client gave up (a timeout test): nothing to tell it

    return Handler


def renamed(value: Any, names: dict[str, str]) -> Any:
    """`value` with every dict key found in `names` renamed, at any depth."""
    if isinstance(value, dict):
        return {names.get(key, key): renamed(item, names) for key, item in value.items()}
    if isinstance(value, list):
        return [renamed(item, names) for item in value]
    return value


def fulltext_page(work: CorpusWork) -> str:
    paragraphs = [part.strip() for part in re.split(r"\n\s*\n|\f", work.full_text) if part.strip()]
    body = "".join(f"<p>{escape(paragraph)}</p>" for paragraph in paragraphs)
    title = escape(work.record["title"])
    return (
        f"<!doctype html><html><head><title>{title}</title></head><body>"
        f"<nav><a href='/'>Fictional Repository home</a> | <a href='/about'>About</a></nav>"
        f"<article><h1>{title}</h1>{body}</article><footer>Fixture repository, fictional works only.</footer></body></html>"
    )


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Serve a CSL-JSON corpus in the scholarly APIs' wire formats.")
    parser.add_argument("--corpus", required=True, help="directory of CSL-JSON records, one work per .json file")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0, help="0 picks a free port")
    arguments = parser.parse_args(argv)
    server = ScholarlyServer(arguments.corpus, arguments.host, arguments.port)
    print(json.dumps({"root": server.root, **server.env()}), flush=True)
    try:
        server.httpd.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.httpd.server_close()


if __name__ == "__main__":
    main()
