"""Sources and chunks written through the record writer and read back through the evidence service."""
from journeys import services
from journeys.evidence import evidence_reader, write_source
from journeys.models import Chunk, Source

RECORD = {
    "key": "doe2021",
    "provider": "openalex",
    "query": "urban heat island mortality",
    "relevance": 0.8,
    "csl": {
        "id": "doe2021",
        "type": "article-journal",
        "title": "Heat and health in fictional cities",
        "DOI": "10.5555/fictional.1",
        "issued": {"date-parts": [[2021]]},
        "author": [{"family": "Doe", "given": "Jane"}],
    },
    "chunks": [
        {"text": "Night-time temperatures in dense districts stay high and raise mortality.", "anchor": "abstract"},
        {"text": "Green roofs lowered surface temperature in the fictional study area.", "anchor": "p. 4"},
    ],
}


def test_a_source_record_is_written_once_and_searchable(still_student):
    run = services.start_run(still_student, "write", "Write about urban heat", words=200)

    write_source(run, 1, RECORD)
    write_source(run, 2, RECORD)  # a redelivered step writes nothing twice

    assert Source.objects.filter(run=run).count() == 1
    source = Source.objects.get(run=run)
    assert (source.doi, source.year, source.step_seq) == ("10.5555/fictional.1", 2021, 1)
    assert Chunk.objects.filter(source=source).count() == 2
    reader = evidence_reader(run)
    assert [item["key"] for item in reader.sources()] == ["doe2021"]
    hits = reader.search("green roofs temperature")
    assert hits[0]["anchor"] == "p. 4" and hits[0]["key"] == "doe2021"
