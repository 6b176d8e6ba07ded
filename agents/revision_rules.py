"""The integrity rules of revising after a similarity report (DESIGN.md section 3), as code.

Three strategies only: rewrite in the writer's own synthesis, quote and cite, or replace the
source. Obfuscation (character swaps, look-alike letters, invisible characters, synonym spinning
that keeps the flagged sentence's structure) is refused, whatever model produced it.
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from typing import Any

STRATEGIES = {
    "rewrite": "rewritten in the writer's own synthesis",
    "quote_and_cite": "quoted and cited",
    "replace_source": "re-grounded in a different retrieved source",
}
# Beyond this share of the flagged wording kept in order, a "rewrite" is word substitution.
MAX_KEPT_SEQUENCE = 0.55
_INVISIBLE = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufeff", "\u00ad"}
_WORD = re.compile(r"\w+", re.UNICODE)


def tokens(text: str) -> list[str]:
    return [word.lower() for word in _WORD.findall(text)]


def obfuscation_problem(original: str, revised: str, strategy: str) -> str | None:
    """Why `revised` is not an acceptable revision of `original`, or None when it is."""
    if not revised.strip():
        return "the revision is empty"
    hidden = sorted({f"U+{ord(char):04X}" for char in revised if char in _INVISIBLE})
    if hidden:
        return f"the revision contains invisible characters ({', '.join(hidden)})"
    mixed = [word for word in _WORD.findall(revised) if mixed_scripts(word)]
    if mixed:
        return f"the revision mixes alphabets inside words (look-alike letters): {', '.join(mixed[:3])}"
    if strategy == "quote_and_cite":
        return (
            None
            if quoted_verbatim(original, revised)
            else "a quotation must keep the flagged words verbatim inside quotation marks"
        )
    kept = difflib.SequenceMatcher(None, tokens(original), tokens(revised), autojunk=False).ratio()
    if kept > MAX_KEPT_SEQUENCE:
        return f"the revision keeps {kept:.0%} of the flagged wording in order: that is word substitution, not a rewrite"
    return None


def mixed_scripts(word: str) -> bool:
    scripts = {unicodedata.name(char, "UNKNOWN").split(" ")[0] for char in word if char.isalpha()}
    return len(scripts) > 1


def quoted_verbatim(original: str, revised: str) -> bool:
    core = " ".join(original.split()).rstrip(".").replace('"', "'")
    quoted = re.findall(r"[\"“]([^\"”]+)[\"”]", revised)
    return any(core.rstrip(".") in " ".join(quote.split()) for quote in quoted)


def citation(csl: dict[str, Any], key: str) -> dict[str, str]:
    """Author-date naming of a retrieved source record: {"who": "Smith et al.", "cite": "Smith et al., 2021"}."""
    families = [author.get("family") or author.get("literal") or "" for author in csl.get("author", [])]
    families = [name for name in families if name]
    if len(families) == 1:
        who = families[0]
    elif len(families) == 2:
        who = f"{families[0]} and {families[1]}"
    elif families:
        who = f"{families[0]} et al."
    else:
        who = (csl.get("title") or key)[:60]
    try:
        year = str(csl["issued"]["date-parts"][0][0])
    except (KeyError, IndexError, TypeError):
        year = "n.d."
    return {"who": who, "cite": f"{who}, {year}", "key": key}


def allowed_strategy(choice: str, passage: dict[str, Any]) -> tuple[str, str]:
    """The strategy actually used and, if it differs from `choice`, why.

    Quoting needs a retrieved source record to cite; replacing needs another retrieved source.
    """
    if choice not in STRATEGIES:
        return "rewrite", f"'{choice}' is not an allowed strategy"
    if choice == "quote_and_cite" and not (passage.get("source") or {}).get("key"):
        return "rewrite", "the matched source is not one of this run's retrieved sources, so it cannot be cited"
    if choice == "replace_source" and not passage.get("alternatives"):
        return "rewrite", "no other retrieved source supports this claim"
    return choice, ""
