"""Journey C end to end: research -> an annotation per source -> a claims matrix whose every dot is
a passage that states the claim -> a short synthesis -> QA -> research-pack.md/.docx/.pdf; no
similarity (Turnitin) step."""
from __future__ import annotations

import io
from pathlib import Path

from docx import Document

from journeys import services
from journeys.models import RunStatus, Source, Step
from tests.journeys.citations import assert_citations_resolve
from tests.journeys.conftest import wait_until_settled

GOAL = "A research pack on urban heat islands and public health: annotated bibliography, claims matrix, short synthesis"


def test_research_pack_annotates_every_source_and_builds_a_checked_claims_matrix(worker, script, student, urban_heat):
    run = services.start_run(student, "research_pack", GOAL, words=200, spec={"min_sources": 5})
    wait_until_settled(run, 240)

    assert run.status == RunStatus.SUCCEEDED, run.status_reason
    assert not Step.objects.filter(run=run, route="turnitin_pause").exists()
    pack = run.artifacts.get(name="deliverable").content
    assert pack.index("## Annotated bibliography") < pack.index("## Claims matrix") < pack.index("## Synthesis")
    sources = Source.objects.filter(run=run).exclude(origin="upload")
    annotations = run.artifacts.filter(name="annotations").latest("version").content
    assert annotations.count("### ") == sources.count() >= 5
    assert all(source.title in annotations for source in sources)
    matrix = run.artifacts.filter(name="claims-matrix").latest("version").content
    rows = [line for line in matrix.splitlines() if line.startswith("| ") and "•" in line]
    assert len(rows) >= 2 and all(line.count("•") >= 1 for line in rows)
    assert run.state["qa"]["passed"], run.state["qa"]
    document = Document(io.BytesIO(Path(run.artifacts.get(name="deliverable-docx").path).read_bytes()))
    assert document.tables and len(document.tables[0].rows) == len(rows) + 1
    assert_citations_resolve(run, minimum=8)
