"""Per-student profile memory: preferred citation style and level, and a writing fingerprint
measured from the student's own drafts (their uploads that are not readings)."""
from __future__ import annotations

from typing import Any

from django.db import transaction

from agents.memory.profile import combine, fingerprint, guidance
from journeys.models import Chunk, Run, Source, UserProfile
from journeys.models.evidence import SourceOrigin


def reading_ids(spec: dict[str, Any]) -> set[int]:
    ids = set()
    for reference in spec.get("readings") or []:
        value = reference.get("source") if isinstance(reference, dict) else reference
        try:
            ids.add(int(value))
        except (TypeError, ValueError):
            continue
    return ids


def draft_text(source: Source) -> str:
    return "\n\n".join(Chunk.objects.filter(source=source).order_by("ordinal").values_list("text", flat=True))


def update_profile(run: Run) -> UserProfile:
    """Fold what the run tells about its student into their profile: the style and level they
    chose explicitly, and the fingerprint of any draft of theirs not measured yet. Idempotent."""
    spec = run.spec or {}
    explicit = set(spec.get("explicit") or [])
    with transaction.atomic():
        profile, _ = UserProfile.objects.select_for_update().get_or_create(user_id=run.user_id)
        if spec.get("style") and ("style" in explicit or not profile.citation_style):
            profile.citation_style = str(spec["style"])[:20]
        if spec.get("level") and ("level" in explicit or not profile.level):
            profile.level = str(spec["level"])[:20]
        drafts = (
            Source.objects.filter(run=run, user_id=run.user_id, origin=SourceOrigin.UPLOAD)
            .exclude(pk__in=reading_ids(spec))
            .exclude(pk__in=profile.drafts)
            .order_by("pk")
        )
        for source in drafts:
            measured = fingerprint(draft_text(source))
            if measured:
                profile.fingerprint = combine(profile.fingerprint, measured)
            profile.drafts = [*profile.drafts, source.pk]
        profile.save()
    return profile


def profile_for(user_id: int) -> dict[str, Any]:
    """What the Writer and Planner read: {style, level, fingerprint, guidance} (empty when unknown)."""
    profile = UserProfile.objects.filter(user_id=user_id).first()
    if profile is None:
        return {"style": "", "level": "", "fingerprint": {}, "guidance": ""}
    return {
        "style": profile.citation_style,
        "level": profile.level,
        "fingerprint": profile.fingerprint,
        "guidance": guidance(profile.fingerprint or None, profile.level),
    }


def profile_preferences(user_id: int) -> dict[str, str]:
    """The student's remembered choices, as spec defaults a new run starts from (never overriding
    what they set on the form): {"style": ..., "level": ...}, only what is known."""
    row = UserProfile.objects.filter(user_id=user_id).values("citation_style", "level").first() or {}
    preferences = {"style": row.get("citation_style", ""), "level": row.get("level", "")}
    return {name: value for name, value in preferences.items() if value}
