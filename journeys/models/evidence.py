"""Sources the agents actually retrieved, and the evidence chunks cited claims rest on.

Integrity rule: a citation in a deliverable must resolve to a Source of its run and to a Chunk of
that source. Nothing here is ever written from model output alone: a Source row is created only
from a record a research tool returned (or from a student's upload).
"""
from __future__ import annotations

from django.conf import settings
from django.db import models
from pgvector.django import HnswIndex, VectorField

EMBEDDING_DIMENSIONS = 384


class SourceOrigin(models.TextChoices):
    SEARCH = "search"  # returned by a scholarly search tool
    UPLOAD = "upload"  # a student's own reading or draft
    INGESTED = "ingested"  # returned by a tool ingested at run time (OpenAPI / MCP)


class Source(models.Model):
    """One retrieved work. `csl` is its CSL-JSON record (what citation rendering reads)."""

    run = models.ForeignKey("journeys.Run", on_delete=models.CASCADE, related_name="sources", null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="sources")
    key = models.SlugField(max_length=80, help_text="Citation key, unique within the run.")
    origin = models.CharField(max_length=20, choices=SourceOrigin.choices, default=SourceOrigin.SEARCH)
    csl = models.JSONField(help_text="CSL-JSON record of the work.")
    doi = models.CharField(max_length=255, blank=True, db_index=True)
    url = models.URLField(max_length=1000, blank=True)
    title = models.TextField()
    year = models.IntegerField(null=True, blank=True)
    provider = models.CharField(max_length=60, help_text="The tool that returned it (openalex, crossref ...).")
    query = models.TextField(blank=True, help_text="The query that found it.")
    relevance = models.FloatField(default=0.0)
    credibility = models.FloatField(default=0.0)
    has_full_text = models.BooleanField(default=False)
    step_seq = models.IntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["run_id", "-relevance", "key"]
        constraints = [models.UniqueConstraint(fields=["run", "key"], name="source_run_key_unique")]
        indexes = [models.Index(fields=["user", "origin"], name="source_user_origin")]

    def __str__(self) -> str:
        return f"{self.key}: {self.title[:60]}"


class Chunk(models.Model):
    """A passage of a source (~350 words, citation-aware boundaries) that claims can rest on."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="chunks")
    run = models.ForeignKey("journeys.Run", on_delete=models.CASCADE, related_name="chunks", null=True, blank=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="chunks")
    ordinal = models.IntegerField()
    text = models.TextField()
    anchor = models.CharField(max_length=120, blank=True, help_text="Where in the source: abstract, p. 4, section 2 ...")
    embedding = VectorField(dimensions=EMBEDDING_DIMENSIONS, null=True, blank=True)
    embedding_model = models.CharField(max_length=120, blank=True)
    embedding_dimensions = models.SmallIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["source_id", "ordinal"]
        constraints = [models.UniqueConstraint(fields=["source", "ordinal"], name="chunk_source_ordinal_unique")]
        indexes = [
            # Cosine distance (<=>) is what vector search orders by; HNSW keeps it fast at 100k+ chunks.
            HnswIndex(name="chunk_embedding_hnsw", fields=["embedding"], m=16, ef_construction=64,
                      opclasses=["vector_cosine_ops"]),
            # The background embedder looks for chunks whose vector is missing or from another model.
            models.Index(fields=["embedding_model"], name="chunk_embedding_model"),
        ]

    def __str__(self) -> str:
        return f"chunk {self.ordinal} of {self.source_id}"
