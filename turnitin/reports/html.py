"""Reading a Turnitin similarity report exported as HTML.

Highlighted text is any element marked as such: <mark>, a non-white background colour in its
style, or a class naming a match or highlight. A source number is a `data-source` attribute, or
a small label in front of the passage (<sup> or an element whose class names a label) holding
only digits.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser

from turnitin.reports.errors import ReportRejected
from turnitin.reports.extracted import Extracted, Token, passages_from_tokens

_BLOCKS = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "table", "section", "article", "header", "footer"}
_VOID = {"br", "img", "meta", "link", "hr", "input", "col", "area", "base", "source", "wbr"}
_SKIPPED = {"script", "style", "head", "title", "noscript", "template"}
_BACKGROUND = re.compile(r"background(?:-color)?\s*:\s*([^;]+)", re.IGNORECASE)
_WHITE = {"white", "#fff", "#ffffff", "transparent", "none", "inherit", "initial", "rgb(255,255,255)", "rgba(0,0,0,0)"}


class ReportHTMLParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.stack: list[tuple[str, str | None, bool, bool]] = []  # tag, highlight, label, skipped
        self.lines: list[list[Token]] = [[]]

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _BLOCKS:
            self.new_line()
        if tag in _VOID:
            return
        values = {name: value or "" for name, value in attrs}
        parent_highlight = self.stack[-1][1] if self.stack else None
        highlight = highlight_of(tag, values) or parent_highlight
        if values.get("data-source", "").isdigit():
            self.lines[-1].append(Token(values["data-source"], highlight, label=True))
        label = tag == "sup" or "label" in values.get("class", "").lower()
        skipped = tag in _SKIPPED or (bool(self.stack) and self.stack[-1][3])
        self.stack.append((tag, highlight, label, skipped))

    def handle_endtag(self, tag: str) -> None:
        for index in range(len(self.stack) - 1, -1, -1):
            if self.stack[index][0] == tag:
                del self.stack[index:]
                break
        if tag in _BLOCKS:
            self.new_line()

    def handle_data(self, data: str) -> None:
        highlight, label, skipped = self.stack[-1][1:] if self.stack else (None, False, False)
        if skipped:
            return
        for word in data.split():
            self.lines[-1].append(Token(word, highlight, label=label and word.isdigit()))

    def new_line(self) -> None:
        if self.lines[-1]:
            self.lines.append([])


def highlight_of(tag: str, attributes: dict[str, str]) -> str | None:
    if tag == "mark":
        return "mark:" + attributes.get("data-source", "")
    match = _BACKGROUND.search(attributes.get("style", ""))
    if match and match.group(1).strip().lower().replace(" ", "") not in _WHITE:
        return match.group(1).strip().lower()
    classes = attributes.get("class", "").lower()
    if "match" in classes or "highlight" in classes:
        return "class:" + classes
    return None


def read_html(data: bytes) -> Extracted:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("latin-1")
    parser = ReportHTMLParser()
    try:
        parser.feed(text)
        parser.close()
    except Exception as error:  # noqa: BLE001 - html.parser is lenient; anything else is a broken file
        raise ReportRejected(f"the HTML report could not be read ({type(error).__name__})") from error
    lines = [line for line in parser.lines if line]
    return Extracted(
        kind="html", pages=1, lines=[" ".join(token.text for token in line) for line in lines], passages=passages_from_tokens(lines)
    )
