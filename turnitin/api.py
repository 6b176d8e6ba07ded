"""/api/v2/turnitin/: the external workbench's webhook and the status endpoint for the UI."""

from __future__ import annotations

import base64
import binascii

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db import IntegrityError, transaction
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import JSONParser
from rest_framework.permissions import AllowAny
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys.models import Run
from turnitin import services, webhook
from turnitin.models import REPORTABLE_STATUSES, TurnitinCycle, WebhookReceipt
from turnitin.reports import ReportRejected


class FileSerializer(serializers.Serializer):
    filename = serializers.CharField(max_length=200, required=False, default="")
    content_base64 = serializers.CharField()

    def validate_content_base64(self, value: str) -> bytes:
        try:
            return base64.b64decode(value, validate=True)
        except (binascii.Error, ValueError):
            raise serializers.ValidationError("not valid base64") from None


class ReportWebhookSerializer(serializers.Serializer):
    submission_id = serializers.CharField(max_length=100)
    cycle = serializers.IntegerField(min_value=1, required=False, help_text="Check number; default: the open one.")
    checker = serializers.CharField(max_length=150, required=False, allow_blank=True)
    report = FileSerializer()
    highlighted_docx = FileSerializer(required=False)


def open_cycle(run: Run, number: int | None) -> TurnitinCycle:
    cycles = TurnitinCycle.objects.filter(run=run)
    cycle = (
        cycles.filter(number=number).first()
        if number
        else cycles.filter(status__in=REPORTABLE_STATUSES).order_by("-number").first()
    )
    if cycle is None:
        raise services.CycleNotFound(f"run {run.pk} has no Turnitin check {number or 'waiting for a report'}")
    return cycle


class ReportWebhook(APIView):
    """POST a signed report for a run's open check (see turnitin.webhook for the scheme)."""

    authentication_classes: list = []
    permission_classes = [AllowAny]
    parser_classes = [JSONParser]

    @extend_schema(request=ReportWebhookSerializer, responses={200: OpenApiTypes.OBJECT, 201: OpenApiTypes.OBJECT})
    def post(self, request: Request, run_id: int) -> Response:
        if int(request.META.get("CONTENT_LENGTH") or 0) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            limit = settings.HW_TURNITIN_REPORT_MAX_BYTES / 1_048_576
            return Response({"detail": f"request too large; a report may be at most {limit:.1f} MB"}, status=413)
        body = request.body  # the exact bytes that were signed, read before any parsing
        try:
            digest = webhook.verify(
                settings.HW_TURNITIN_WEBHOOK_SECRET,
                request.META.get(webhook.TIMESTAMP_HEADER),
                request.META.get(webhook.SIGNATURE_HEADER),
                body,
                settings.HW_TURNITIN_WEBHOOK_TOLERANCE_SECONDS,
            )
        except webhook.WebhookRefused as refused:
            return Response({"detail": refused.message}, status=refused.status)
        serializer = ReportWebhookSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        run = get_object_or_404(Run, pk=run_id)
        try:
            with transaction.atomic():
                WebhookReceipt.objects.create(signature=digest, submission_id=data["submission_id"], run_id=run.pk)
        except IntegrityError:
            return Response({"detail": "replayed request: this exact signed request was already received"}, status=409)
        try:
            # A retried delivery names the cycle it already reported on, which no longer waits.
            earlier = TurnitinCycle.objects.filter(run=run, submission_id=data["submission_id"]).first()
            result = services.submit_report(
                (earlier or open_cycle(run, data.get("cycle"))).pk,
                by=checker_user(data.get("checker")),
                report=data["report"]["content_base64"],
                highlighted=(data.get("highlighted_docx") or {}).get("content_base64"),
                submission_id=data["submission_id"],
                via="webhook",
            )
        except (ReportRejected, services.CycleError) as error:
            # A refused request may be corrected and signed again; it leaves no receipt behind.
            WebhookReceipt.objects.filter(signature=digest).delete()
            code = 400 if isinstance(error, ReportRejected) else error.status
            return Response({"detail": str(error)}, status=code)
        body = cycle_status(result.cycle) | {"created": result.created, "resumed": result.resumed}
        return Response(body, status=status.HTTP_201_CREATED if result.created else status.HTTP_200_OK)


def checker_user(username: str | None):
    if not username:
        return None
    return get_user_model().objects.filter(username=username).first()


class CycleStatusView(APIView):
    """GET the Turnitin status of a run: its owner, staff and checkers may look (the route's
    rule in journeys.access.RULES, applied by the default RouteRule permission; to anyone else
    the run does not exist: 404, as on every run route)."""

    @extend_schema(responses=OpenApiTypes.OBJECT)
    def get(self, request: Request, run_id: int) -> Response:
        run = get_object_or_404(Run, pk=run_id)
        self.check_object_permissions(request, run)
        cycles = TurnitinCycle.objects.filter(run=run).select_related("checker").order_by("number")
        turnitin = run.state.get("turnitin", {})
        return Response(
            {
                "run": run.pk,
                "run_status": run.status,
                "waiting_for_checker": run.state.get("human", {}).get("kind") == "turnitin"
                and bool(run.state["human"].get("pending")),
                "target_similarity": turnitin.get("target"),
                "max_cycles": turnitin.get("max_cycles"),
                "cycles": [cycle_status(cycle) for cycle in cycles],
            }
        )


def cycle_status(cycle: TurnitinCycle) -> dict:
    parsed = cycle.parsed or {}
    return {
        "cycle": cycle.number,
        "reference": cycle.reference,
        "status": cycle.status,
        "outcome": cycle.outcome,
        "target_similarity": cycle.target_similarity,
        "observed_similarity": cycle.observed_similarity,
        "ai_writing": parsed.get("ai_display"),
        "claimed": cycle.checker_id is not None,
        "claim_expires_at": cycle.claim_expires_at,
        "report_uploaded_at": cycle.report_uploaded_at,
        "flagged_passages": len(parsed.get("flagged", [])),
        "unlocated_passages": len(parsed.get("unlocated", [])),
    }
