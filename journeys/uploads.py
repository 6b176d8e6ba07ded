"""Uploaded documents (a draft to rewrite, a paper to turn into slides, the student's reading).

Two halves, so a bad file never touches stored data:
- `prepare_upload` checks and extracts in memory (size, emptiness, type sniffing and text
  extraction by agents.documents); it raises UploadRefused with a message for the student.
- `store_upload` writes the prepared file inside the caller's transaction: the original bytes as
  an Artifact (blob) and its text as a Source (origin "upload", owned by the user) with chunks.
"""
from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db.models import Max

from agents import documents
from journeys.evidence import write_source
from journeys.memory import hooks as memory_hooks
from journeys.models import Artifact, Run, Source
from journeys.models.evidence import SourceOrigin

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "markdown": "text/markdown",
    "text": "text/plain",
}


class UploadRefused(ValueError):
    """The file cannot be used; the message says why, for the student."""


@dataclass(frozen=True)
class UploadedFile:
    filename: str
    data: bytes


@dataclass(frozen=True)
class PreparedUpload:
    filename: str
    data: bytes
    text: str
    content_type: str
    chunks: list[dict[str, str]] = field(default_factory=list)
    # What was neutralised on the way in (a PDF's scripts, a misleading name): shown as events.
    warnings: list[str] = field(default_factory=list)

    @property
    def words(self) -> int:
        return len(self.text.split())


def check_size(filename: str, size: int) -> None:
    """Refuse before reading: an empty file, or one over HW_UPLOAD_MAX_BYTES."""
    limit = settings.HW_UPLOAD_MAX_BYTES
    if size == 0:
        raise UploadRefused(f"{filename}: the file is empty")
    if size > limit:
        raise UploadRefused(f"{filename}: the file is {size / 1e6:.1f} MB; the limit is {limit / 1e6:.0f} MB")


def prepare_upload(filename: str, data: bytes) -> PreparedUpload:
    """Check and extract one upload. Nothing is written; UploadRefused explains a refusal."""
    name = Path(filename or "upload").name[:200] or "upload"
    check_size(name, len(data))
    try:
        extracted = documents.extract_text(data, name, max_bytes=settings.HW_UPLOAD_MAX_BYTES)
    except documents.DocumentError as error:
        raise UploadRefused(f"{name}: {error}") from None
    text = extracted.text
    if len(text.split()) < settings.HW_UPLOAD_MIN_WORDS:
        raise UploadRefused(f"{name}: no readable text was found in the file")
    chunks = [item.as_record() for item in extracted.chunks()]
    return PreparedUpload(name, data, text, CONTENT_TYPES.get(extracted.kind, "application/octet-stream"), chunks,
                          list(extracted.warnings))


def upload_key(run: Run) -> str:
    taken = Source.objects.filter(run=run, origin=SourceOrigin.UPLOAD).count()
    return f"upload-{taken + 1}"


def store_upload(run: Run, prepared: PreparedUpload, seq: int | None = None) -> str:
    """Store the original and its text (inside the caller's transaction); returns the Source key."""
    key = upload_key(run)
    latest = Artifact.objects.filter(run=run, name=key).aggregate(latest=Max("version"))["latest"] or 0
    Artifact.objects.create(
        run=run, name=key, version=latest + 1, kind="upload", content_type=prepared.content_type,
        content=prepared.text, blob=prepared.data, size=len(prepared.data),
        sha256=hashlib.sha256(prepared.data).hexdigest(), step_seq=seq,
    )
    write_source(run, seq, upload_record(key, run, prepared))
    memory_hooks.chunks_written(run.pk)  # the student's library: embedded in the background
    spec = dict(run.spec)
    spec["uploads"] = [*spec.get("uploads", []), key]
    run.spec = spec
    run.save(update_fields=["spec", "updated_at"])
    return key


def upload_record(key: str, run: Run, prepared: PreparedUpload) -> dict[str, Any]:
    title = re.sub(r"[_-]+", " ", Path(prepared.filename).stem).strip() or prepared.filename
    return {
        "key": key,
        "origin": SourceOrigin.UPLOAD,
        "provider": "upload",
        "has_full_text": True,
        "csl": {"id": key, "type": "manuscript", "title": title, "note": f"uploaded file {prepared.filename}"},
        "chunks": prepared.chunks,
    }


class UploadReader:
    """The SERVICE_FACTORIES entry "uploads": the text of a run's uploaded documents."""

    def __init__(self, run: Run) -> None:
        self.run_id = run.pk
        self.keys = list(run.spec.get("uploads", []))

    def text(self, key: str) -> str:
        row = Artifact.objects.filter(run_id=self.run_id, name=key, kind="upload").order_by("-version").first()
        if row is None:
            raise KeyError(f"run {self.run_id} has no upload {key!r}; it has {self.keys}")
        return row.content


def upload_reader(run: Run) -> UploadReader:
    return UploadReader(run)
