"""Read-side views of a run, shared by the CLI, the API, the portal and the admin."""
from __future__ import annotations

from django.http import HttpResponse
from django.utils.http import content_disposition_header

from journeys.models import Artifact, Run


def deliverable_paths(run: Run) -> list[str]:
    paths = Artifact.objects.filter(run=run).exclude(path="").order_by("name", "-version")
    seen: dict[str, str] = {}
    for name, path in paths.values_list("name", "path"):
        seen.setdefault(name, path)
    return sorted(seen.values())


def run_summary(run: Run) -> dict:
    budget = run.budget_view()
    return {
        "run_id": run.pk,
        "status": run.status,
        "reason": run.status_reason,
        "journey": run.journey,
        "route": run.route,
        "seq": run.seq,
        "progress": run.state.get("progress", 0.0),
        "usage": budget["used"],
        "budgets": budget["limits"],
        "deliverables": deliverable_paths(run),
        "created_at": run.created_at.isoformat(),
        "finished_at": run.finished_at.isoformat() if run.finished_at else None,
    }


def latest_artifacts(run: Run, deliverables_only: bool = False) -> list[Artifact]:
    """The newest version of each artifact of the run (content deferred: lists stay light)."""
    rows = Artifact.objects.filter(run=run).defer("content", "blob").order_by("name", "-version")
    if deliverables_only:
        rows = rows.exclude(path="")
    latest: dict[str, Artifact] = {}
    for artifact in rows:
        latest.setdefault(artifact.name, artifact)
    return sorted(latest.values(), key=lambda artifact: artifact.name)


def artifact_filename(artifact: Artifact) -> str:
    if artifact.path:
        return artifact.path.rsplit("/", 1)[-1]
    extension = CONTENT_EXTENSIONS.get(artifact.content_type.split(";")[0].strip(), ".txt")
    return f"{artifact.name}-v{artifact.version}{extension}"


CONTENT_EXTENSIONS = {
    "text/markdown": ".md",
    "text/plain": ".txt",
    "application/json": ".json",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation": ".pptx",
    "application/x-research-info-systems": ".ris",
    "application/x-bibtex": ".bib",
    "application/vnd.citationstyles.csl+json": ".json",
}


def artifact_bytes(artifact: Artifact) -> bytes:
    return bytes(artifact.blob) if artifact.blob is not None else artifact.content.encode("utf-8")


def find_artifact(run: Run, name: str, version: int | None = None) -> Artifact | None:
    """The given version of a run's artifact, or its newest one; None when there is none."""
    versions = Artifact.objects.filter(run=run, name=name)
    if version is not None:
        versions = versions.filter(version=version)
    return versions.order_by("-version").first()


def artifact_response(artifact: Artifact) -> HttpResponse:
    """The artifact as a download. Its content type is the one the producing node set (never
    taken from a request) and browsers are told not to sniff, so a download cannot run script."""
    response = HttpResponse(artifact_bytes(artifact), content_type=artifact.content_type or "application/octet-stream")
    response["Content-Disposition"] = content_disposition_header(True, artifact_filename(artifact))
    response["X-Content-Type-Options"] = "nosniff"
    return response


def pending_question(run: Run) -> dict | None:
    """The agents' open question to a human ({kind, questions, ...}) while the run waits for it."""
    human = run.state.get("human") or {}
    if run.status != "waiting_human" or not human.get("pending"):
        return None
    return {key: value for key, value in human.items() if key not in {"pending", "resume_route"}}


def question_items(question: dict | None) -> list[dict[str, str]]:
    """The questions as [{id, text, hint}], whatever shape the agent used (strings or dicts)."""
    if not question:
        return []
    items = []
    for index, raw in enumerate(question.get("questions") or []):
        if isinstance(raw, dict):
            text = str(raw.get("question") or raw.get("text") or raw.get("prompt") or "")
            hint = str(raw.get("hint") or raw.get("why") or "")
            items.append({"id": str(raw.get("id") or f"q{index + 1}"), "text": text, "hint": hint})
        else:
            items.append({"id": f"q{index + 1}", "text": str(raw), "hint": ""})
    return items


def answers_by_question(items: list[dict[str, str]], answers: dict[str, str]) -> dict[str, str]:
    """Answers keyed by the question's own text (what the agent reads back), from answers keyed
    by question id (what forms and API clients send)."""
    texts = {item["id"]: item["text"] or item["id"] for item in items}
    return {texts.get(key, key): value.strip() for key, value in answers.items()}
