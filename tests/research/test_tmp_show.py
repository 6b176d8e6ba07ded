from journeys import services
from journeys.models import Event, Source
from tests.research.test_research_journey import GOAL, wait_until_ended


def test_show(worker, script, student, fake_scholarly):
    run = services.start_run(student, "research_probe", GOAL, spec={"min_sources": 6})
    wait_until_ended(run)
    print(run.spec)
    for event in Event.objects.filter(run=run).order_by("seq", "index"):
        print(event.seq, event.kind, event.message)
    for s in Source.objects.filter(run=run):
        print(s.key, s.provider, s.year, s.doi, s.csl.get("type"))
