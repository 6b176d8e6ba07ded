"""QA: the checks a draft must pass before delivery (agents.qa.node.qa_step runs them all).

- claims: every cited sentence is supported by the chunk its marker names (agents.qa.claims);
- audit: no citation without a source record and chunk, style renders (agents.qa.audit);
- originality: no long unquoted run of a source's words (n-gram shingles + MinHash; agents.qa.originality);
- structure and argument: sections present and in order, words on target, the argument opens and
  closes on the topic (agents.qa.structure); meaning kept (rewrite) and points covered (slides).
"""
