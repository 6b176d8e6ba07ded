"""The Researcher's library: query expansion, de-duplication, scoring, filters, chunking and the
widening ladder. Pure functions over tools.scholarly Works; the node is agents.researcher.

Public API:
    ResearchGoal, research_goal(spec, policy, today=None)      what the research must meet
    RUNGS, Rung                                                the widening ladder
    QUERY_SCHEMA, expansion_inputs(...), clean_queries(...), core_terms(goal, spec)
    Candidate, deduplicate(found, known), known_identities(sources), identity_keys(work)
    relevance(work, core, extra), credibility(work, this_year, horizon), region_match(work, region)
    Criteria, assess(candidates, criteria), choose(kept, quota)
    chunk_abstract(text), chunk_full_text(text, pages)         [{text, anchor}], ~350 words
    citation_key(csl, taken), source_record(candidate, key, text)
"""

from agents.research.chunking import chunk_abstract, chunk_full_text
from agents.research.dedupe import Candidate, deduplicate, identity_keys, known_identities
from agents.research.goal import ResearchGoal, research_goal
from agents.research.ladder import RUNGS, Rung
from agents.research.queries import QUERY_SCHEMA, clean_queries, core_terms, expansion_inputs
from agents.research.records import citation_key, source_record
from agents.research.scoring import credibility, region_match, relevance
from agents.research.selection import Criteria, assess, choose

__all__ = [
    "QUERY_SCHEMA",
    "RUNGS",
    "Candidate",
    "Criteria",
    "ResearchGoal",
    "Rung",
    "assess",
    "choose",
    "chunk_abstract",
    "chunk_full_text",
    "citation_key",
    "clean_queries",
    "core_terms",
    "credibility",
    "deduplicate",
    "expansion_inputs",
    "identity_keys",
    "known_identities",
    "region_match",
    "relevance",
    "research_goal",
    "source_record",
]
