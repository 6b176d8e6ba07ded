"""What a report reader extracts, whatever the file format, and how highlighted words become passages."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Token:
    """A word of the report. `colour` is its highlight (None: not highlighted); `label` marks a
    source number drawn in front of a highlighted passage."""

    text: str
    colour: tuple | str | None = None
    label: bool = False


@dataclass(frozen=True)
class Passage:
    text: str
    source: int | None


@dataclass
class Extracted:
    kind: str
    pages: int
    lines: list[str]
    passages: list[Passage] = field(default_factory=list)


def passages_from_tokens(lines: list[list[Token]]) -> list[Passage]:
    """Runs of highlighted words, across line breaks, as passages.

    A run ends at a word that is not highlighted, at a change of highlight colour, or at a new
    source label. Its source is the label in front of it, else the source whose label box has the
    same colour elsewhere in the report (the overview's numbered list).
    """
    colour_sources = {token.colour: int(token.text) for line in lines for token in line if token.label and token.colour is not None}
    passages: list[Passage] = []
    words: list[str] = []
    colour, source, pending = None, None, None

    def close() -> None:
        nonlocal words, colour, source
        if words:
            passages.append(Passage(" ".join(words), source))
        words, colour, source = [], None, None

    for line in lines:
        for token in line:
            if token.label:
                close()
                pending = int(token.text)
            elif token.colour is None:
                close()
                pending = None
            else:
                if words and token.colour != colour:
                    close()
                if not words:
                    colour = token.colour
                    source = pending if pending is not None else colour_sources.get(token.colour)
                words.append(token.text)
    close()
    return passages
