"""Bibliography exports (RIS, BibTeX, CSL-JSON) from CSL-JSON items.

Fields exported: authors, title, container (journal / book / proceedings), year, volume, issue,
pages, publisher, DOI and URL. Items without an `id` get one from author and year.
"""
from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping

RIS_TYPES = {
    "article-journal": "JOUR", "article-magazine": "MGZN", "article-newspaper": "NEWS", "book": "BOOK",
    "chapter": "CHAP", "paper-conference": "CPAPER", "report": "RPRT", "thesis": "THES", "webpage": "ELEC",
    "dataset": "DATA",
}
BIBTEX_TYPES = {
    "article-journal": "article", "article-magazine": "article", "article-newspaper": "article", "book": "book",
    "chapter": "incollection", "paper-conference": "inproceedings", "report": "techreport", "thesis": "phdthesis",
}
_CONTAINER_FIELD = {"article": "journal", "incollection": "booktitle", "inproceedings": "booktitle"}


def _items(items: Iterable[dict] | Mapping[str, dict]) -> list[dict]:
    """Accept a list of items or a key -> item mapping (as render_document takes)."""
    if isinstance(items, Mapping):
        return [{**item, "id": item.get("id") or key} for key, item in items.items()]
    return list(items)


def _year(item: dict) -> str:
    parts = (item.get("issued") or {}).get("date-parts") or [[]]
    return str(parts[0][0]) if parts and parts[0] else ""


def _author_names(item: dict) -> list[str]:
    """Authors as "Family, Given" (or a literal / institutional name)."""
    names = []
    for author in item.get("author") or []:
        if author.get("literal"):
            names.append(author["literal"])
        else:
            names.append(", ".join(part for part in (author.get("family", ""), author.get("given", "")) if part))
    return [name for name in names if name]


def _pages(item: dict) -> tuple[str, str]:
    """First and last page of a CSL "page" such as "45-67" or "45–67"; ("e123", "") for one page."""
    pieces = re.split(r"\s*[-–—]+\s*", str(item.get("page") or "").strip(), maxsplit=1)
    return pieces[0], pieces[1] if len(pieces) > 1 else ""


def _key(item: dict, index: int) -> str:
    if item.get("id"):
        return re.sub(r"[^A-Za-z0-9_:-]", "", str(item["id"])) or f"item{index}"
    family = ((item.get("author") or [{}])[0].get("family") or "anon").lower()
    return re.sub(r"[^a-z0-9]", "", family) + (_year(item) or str(index))


def to_ris(items: Iterable[dict] | Mapping[str, dict]) -> str:
    """RIS records (`TY  - JOUR` ... `ER  - `), one per item."""
    records = []
    for item in _items(items):
        lines = [("TY", RIS_TYPES.get(item.get("type", ""), "GEN"))]
        lines += [("AU", name) for name in _author_names(item)]
        start, end = _pages(item)
        container_tag = "JO" if item.get("type", "").startswith("article") else "T2"
        lines += [
            ("TI", item.get("title")), (container_tag, item.get("container-title")), ("PY", _year(item)),
            ("VL", item.get("volume")), ("IS", item.get("issue")), ("SP", start), ("EP", end),
            ("PB", item.get("publisher")), ("DO", item.get("DOI")), ("UR", item.get("URL")), ("ID", item.get("id")),
        ]
        body = "\n".join(f"{tag}  - {_one_line(value)}" for tag, value in lines if value)
        records.append(f"{body}\nER  - \n")
    return "\n".join(records)


def _one_line(value: object) -> str:
    return " ".join(str(value).split())


_BIBTEX_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "&": r"\&", "%": r"\%", "$": r"\$",
                   "#": r"\#", "_": r"\_", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}"}


def _bibtex_escape(value: object) -> str:
    return "".join(_BIBTEX_SPECIAL.get(character, character) for character in _one_line(value))


def to_bibtex(items: Iterable[dict] | Mapping[str, dict]) -> str:
    """BibTeX entries; titles are double-braced so BibTeX styles keep their capitalisation.
    DOI and URL are written verbatim (only braces removed): BibTeX styles print them as URLs."""
    entries = []
    for index, item in enumerate(_items(items), start=1):
        kind = BIBTEX_TYPES.get(item.get("type", ""), "misc")
        start, end = _pages(item)
        fields = [
            ("author", " and ".join(_bibtex_escape(name) for name in _author_names(item))),
            ("title", "{" + _bibtex_escape(item["title"]) + "}" if item.get("title") else ""),
            (_CONTAINER_FIELD.get(kind, "howpublished"), _bibtex_escape(item.get("container-title") or "")),
            ("year", _year(item)), ("volume", _bibtex_escape(item.get("volume") or "")),
            ("number", _bibtex_escape(item.get("issue") or "")), ("pages", f"{start}--{end}" if end else start),
            ("publisher", _bibtex_escape(item.get("publisher") or "")),
            ("doi", re.sub(r"[{}]", "", str(item.get("DOI") or ""))), ("url", re.sub(r"[{}\s]", "", str(item.get("URL") or ""))),
        ]
        body = ",\n".join(f"  {name} = {{{value}}}" for name, value in fields if value)
        entries.append(f"@{kind}{{{_key(item, index)},\n{body}\n}}\n")
    return "\n".join(entries)


def to_csl_json(items: Iterable[dict] | Mapping[str, dict]) -> str:
    """The items as a CSL-JSON array (UTF-8 text, stable key order), loadable by Zotero and pandoc."""
    return json.dumps(_items(items), ensure_ascii=False, indent=2, sort_keys=True)
