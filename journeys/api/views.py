"""/api/v2 views: validate with a serializer, call one journeys service, answer. Authorization is
journeys.access.RULES (through the RouteRule permission), throttling per user in settings."""
from __future__ import annotations

from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import generics, status
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.renderers import BrowsableAPIRenderer, JSONRenderer
from rest_framework.response import Response
from rest_framework.views import APIView

from journeys import access, live, reports, services, uploads
from journeys.api.renderers import EventStreamRenderer
from journeys.api.serializers import (
    AbortSerializer,
    AnswerSerializer,
    ArtifactSerializer,
    EventPageSerializer,
    RunSerializer,
    StartRunSerializer,
)
from journeys.api.throttling import AnonThrottle, UserThrottle
from journeys.models import Artifact, Run
from journeys.requests import spec_from_request

RUN_ID = OpenApiParameter("run_id", OpenApiTypes.INT, OpenApiParameter.PATH)
PROBLEM = OpenApiResponse(description="The request cannot be carried out; `detail` says why.")


class RunObjectMixin:
    """Loads the run named in the URL and applies the route's object rule (404 for others)."""

    def get_run(self) -> Run:
        run = get_object_or_404(Run, pk=self.kwargs["run_id"])
        self.check_object_permissions(self.request, run)
        return run


@extend_schema(tags=["runs"])
class RunListCreate(generics.ListCreateAPIView):
    serializer_class = RunSerializer

    def get_queryset(self):
        return access.runs_visible_to(self.request.user).order_by("-created_at")

    @extend_schema(request=StartRunSerializer, responses={201: RunSerializer, 400: PROBLEM})
    def post(self, request, *args, **kwargs) -> Response:
        """Start a run; its first step is queued as soon as it is stored."""
        incoming = StartRunSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        data = incoming.validated_data
        upload = data.get("upload")
        files = [uploads.UploadedFile(upload.name, upload.read())] if upload else []
        run = services.start_run(
            request.user, data["journey"], data["goal"], words=data.get("words"), spec=spec_from_request(data), files=files
        )
        return Response(RunSerializer(run).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["runs"], parameters=[RUN_ID])
class RunDetail(RunObjectMixin, generics.RetrieveAPIView):
    serializer_class = RunSerializer

    def get_object(self) -> Run:
        return self.get_run()


@extend_schema(
    tags=["runs"],
    parameters=[
        RUN_ID,
        OpenApiParameter("after", OpenApiTypes.INT, description="Only events with a larger id."),
    ],
    responses={200: EventPageSerializer},
    description="The run's events in order. With `Accept: text/event-stream` this is a Server-Sent "
    "Events stream (bounded in time; reconnect with Last-Event-ID), otherwise a JSON page.",
)
class RunEvents(RunObjectMixin, APIView):
    renderer_classes = [JSONRenderer, BrowsableAPIRenderer, EventStreamRenderer]

    def get(self, request, run_id: int):
        run = self.get_run()
        # A reconnecting EventSource repeats its original ?after= but sends Last-Event-ID: the larger wins.
        after = max(parse_after(request.query_params.get("after") or "0"), parse_after(request.headers.get("Last-Event-ID") or "0"))
        if request.accepted_renderer.format == EventStreamRenderer.format:
            body = live.LiveStream.open_for(run.pk, after)
            if body is None:
                busy = HttpResponse("too many live viewers on this server; retry shortly", status=503, content_type="text/plain")
                busy["Retry-After"] = "10"
                return busy
            response = StreamingHttpResponse(body, content_type="text/event-stream")
            response["Cache-Control"] = "no-cache"
            response["X-Accel-Buffering"] = "no"  # nginx: do not buffer the stream
            return response
        events = live.events_after(run.pk, after)
        last = events[-1]["id"] if events else after
        return Response({"events": events, "last_id": last, "status": run.status})


def parse_after(raw: str) -> int:
    try:
        value = int(raw)
    except ValueError:
        raise ValidationError({"after": "must be a whole number (an event id)"}) from None
    if not 0 <= value <= 2**62:
        raise ValidationError({"after": "must be a non-negative event id"})
    return value


class RunAction(RunObjectMixin, APIView):
    """POST-only control of a run; a run in the wrong state answers 409 with the reason."""

    invalid_request_status = status.HTTP_409_CONFLICT
    serializer_class = None

    def act(self, run: Run, request) -> Run:  # pragma: no cover - every subclass defines it
        raise NotImplementedError

    def post(self, request, run_id: int) -> Response:
        run = self.act(self.get_run(), request)
        run.refresh_from_db()
        return Response(RunSerializer(run).data)


def who(request) -> str:
    return request.user.get_username()


@extend_schema(tags=["control"], parameters=[RUN_ID], request=None, responses={200: RunSerializer, 409: PROBLEM})
class RunPause(RunAction):
    def act(self, run: Run, request) -> Run:
        return services.pause_run(run.pk, by=who(request))


@extend_schema(tags=["control"], parameters=[RUN_ID], request=None, responses={200: RunSerializer, 409: PROBLEM})
class RunResume(RunAction):
    def act(self, run: Run, request) -> Run:
        return services.resume_run(run.pk, by=who(request))


@extend_schema(tags=["control"], parameters=[RUN_ID], request=AbortSerializer, responses={200: RunSerializer, 409: PROBLEM})
class RunAbort(RunAction):
    def act(self, run: Run, request) -> Run:
        incoming = AbortSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        return services.abort_run(run.pk, by=who(request), reason=incoming.validated_data.get("reason", ""))


@extend_schema(tags=["control"], parameters=[RUN_ID], request=AnswerSerializer, responses={200: RunSerializer, 409: PROBLEM})
class RunAnswer(RunAction):
    """Answer the questions the agents asked (the run's `waiting` field)."""

    def act(self, run: Run, request) -> Run:
        incoming = AnswerSerializer(data=request.data)
        incoming.is_valid(raise_exception=True)
        answers = incoming.validated_data["answers"]
        items = reports.question_items(reports.pending_question(run))
        if not items:
            # Waiting for someone else (a Turnitin checker) is not a question for the student.
            raise services.InvalidRequest(f"run {run.pk} is {run.status} and has no question for you to answer")
        known = {item["id"] for item in items}
        unknown = sorted(set(answers) - known)
        if unknown:
            raise ValidationError({"answers": f"unknown question ids {unknown}; the questions are {sorted(known)}"})
        return services.answer_run(run.pk, reports.answers_by_question(items, answers), by=who(request))


@extend_schema(tags=["artifacts"], parameters=[RUN_ID], responses={200: ArtifactSerializer(many=True)})
class RunArtifacts(RunObjectMixin, APIView):
    def get(self, request, run_id: int) -> Response:
        run = self.get_run()
        return Response(ArtifactSerializer(reports.latest_artifacts(run), many=True).data)


@extend_schema(
    tags=["artifacts"],
    parameters=[
        RUN_ID,
        OpenApiParameter("name", OpenApiTypes.STR, OpenApiParameter.PATH),
        OpenApiParameter("version", OpenApiTypes.INT, description="A given version; the newest by default."),
    ],
    responses={(200, "application/octet-stream"): OpenApiTypes.BINARY, 404: PROBLEM},
)
class RunArtifactDownload(RunObjectMixin, APIView):
    def get(self, request, run_id: int, name: str) -> HttpResponse:
        run = self.get_run()
        artifact = find_artifact(run, name, request.query_params.get("version"))
        return reports.artifact_response(artifact)


def find_artifact(run: Run, name: str, version: str | None) -> Artifact:
    wanted = None
    if version not in (None, ""):
        try:
            wanted = int(version)
        except ValueError:
            raise ValidationError({"version": "must be a whole number"}) from None
        if not 1 <= wanted <= 2**31 - 1:
            raise ValidationError({"version": "must be a version number from 1"})
    artifact = reports.find_artifact(run, name, wanted)
    if artifact is None:
        raise NotFound(f"run {run.pk} has no artifact {name!r}" + (f" version {wanted}" if wanted else ""))
    return artifact


@extend_schema(tags=["auth"])
class ObtainToken(ObtainAuthToken):
    """Exchange a username and password for an API token (send it as `Authorization: Token ...`).
    Throttled like every other endpoint, so passwords cannot be guessed at speed."""

    throttle_classes = [AnonThrottle, UserThrottle]
