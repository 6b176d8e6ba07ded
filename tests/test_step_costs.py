"""What one step costs the database does not grow with the run's length (issue 9): artifacts of a
family are read in one query, the state patch copies only the path it changes."""
from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test.utils import CaptureQueriesContext

from journeys.context import SERVICE_FACTORIES, build_services
from journeys.models import Artifact, Run
from journeys.persistence import ArtifactLoader
from journeys.state import merge_patch


def run_with_sections(count: int, revised: int | None = None) -> tuple[Run, dict[str, int]]:
    user = get_user_model().objects.create_user(f"reader{count}")
    run = Run.objects.create(user=user, journey="sketch", goal="Rivers", spec={}, policy={}, state={},
                             limit_tokens=1000, limit_seconds=60, limit_usd=1)
    references = {}
    for index in range(count):
        name = f"section-{index}"
        Artifact.objects.create(run=run, name=name, version=1, content=f"text of {index} v1", sha256="x")
        references[name] = 1
    if revised is not None:
        Artifact.objects.create(run=run, name=f"section-{revised}", version=2, content=f"text of {revised} v2", sha256="x")
        references[f"section-{revised}"] = 2
    Artifact.objects.create(run=run, name="outline", version=1, content="the outline", sha256="x")
    references["outline"] = 1
    return run, references


@pytest.mark.django_db
def test_reading_every_section_takes_one_query_whatever_the_count():
    # given a run with 30 written sections, one of them revised
    run, references = run_with_sections(30, revised=7)
    read = ArtifactLoader(run.pk, references)

    # when a node reads every section's current text
    with CaptureQueriesContext(connection) as queries:
        texts = [read(f"section-{index}") for index in range(30)]

    # then it took one query and got each section's current version
    assert len(queries) == 1
    assert texts[7] == "text of 7 v2" and texts[29] == "text of 29 v1"


@pytest.mark.django_db
def test_another_family_and_an_old_version_are_read_on_their_own():
    # given a run with sections, an outline and a revised section
    run, references = run_with_sections(3, revised=1)
    read = ArtifactLoader(run.pk, references)

    # when a node reads the outline and the first version of the revised section
    with CaptureQueriesContext(connection) as queries:
        outline, old = read("outline"), read("section-1", 1)

    # then each is its own query and has its own content
    assert len(queries) == 2 and "section" not in queries[0]["sql"].split("WHERE")[1]
    assert (outline, old) == ("the outline", "text of 1 v1")


@pytest.mark.django_db
def test_an_unknown_or_dangling_artifact_is_a_clear_error():
    run, references = run_with_sections(2)
    read = ArtifactLoader(run.pk, {**references, "section-5": 1})
    with pytest.raises(KeyError, match="no artifact named 'draft'"):
        read("draft")
    with pytest.raises(Artifact.DoesNotExist):
        read("section-5")


def test_a_patch_leaves_its_target_and_itself_unchanged_and_copies_what_it_changes():
    # given a state with a plan and notes, and a patch of one section list
    target = {"plan": {"title": "T", "sections": [{"heading": "A"}]}, "notes": {"n": [1, 2]}}
    patch = {"plan": {"sections": [{"heading": "A", "written": 10}]}, "notes": {"n": None}}

    # when it is applied
    result = merge_patch(target, patch)

    # then the result is patched, the inputs are as they were, and changing the result's
    # patched parts changes neither input
    assert result == {"plan": {"title": "T", "sections": [{"heading": "A", "written": 10}]}, "notes": {}}
    assert target == {"plan": {"title": "T", "sections": [{"heading": "A"}]}, "notes": {"n": [1, 2]}}
    result["plan"]["sections"][0]["written"] = 99
    result["plan"]["title"] = "U"
    assert patch["plan"]["sections"][0]["written"] == 10 and target["plan"]["title"] == "T"


@pytest.mark.django_db
def test_a_step_builds_only_the_services_its_node_uses():
    # given the services of a step of a run
    run, _ = run_with_sections(1)
    services = build_services(run, ending="")

    # when a node uses the tool registry only
    with CaptureQueriesContext(connection) as queries:
        services.get("tools")
        services["tools"]

    # then only the registry was built, once, and every other service is still offered
    assert services.built() == ["tools"] and len(queries) == 1
    assert set(services) == set(SERVICE_FACTORIES) and "ending" not in services
    assert "ending" in build_services(run, ending="budget_exhausted: 3 steps")
    with pytest.raises(KeyError):
        services["weather"]
