"""Portal pages. Access is checked before any of these run (journeys.access.RULES via
RouteRulesMiddleware); each view validates a form, calls one service and renders or redirects."""
from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from journeys import access, reports, services
from journeys.models import Run
from journeys.portal.forms import AbortForm, AnswerForm, NewRunForm, SignupForm
from journeys.portal.panels import run_panels, timeline
from journeys.requests import spec_from_request

RUNS_PER_PAGE = 20


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("portal:run-list")
    return render(request, "portal/home.html")


@require_http_methods(["GET", "POST"])
def signup(request: HttpRequest) -> HttpResponse:
    form = SignupForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}. Start your first run below.")
        return redirect("portal:run-new")
    return render(request, "portal/signup.html", {"form": form}, status=400 if form.errors else 200)


@require_GET
def run_list(request: HttpRequest) -> HttpResponse:
    runs = access.runs_visible_to(request.user).order_by("-created_at")
    page = Paginator(runs, RUNS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "portal/run_list.html", {"page": page})


@require_http_methods(["GET", "POST"])
def run_new(request: HttpRequest) -> HttpResponse:
    form = NewRunForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            run = services.start_run(
                request.user, data["journey"], data["goal"], words=data["words"], spec=spec_from_request(data), files=data["upload"]
            )
        except services.InvalidRequest as error:
            form.add_error(None, str(error))
        else:
            return redirect("portal:run-detail", run_id=run.pk)
    return render(request, "portal/run_new.html", {"form": form}, status=400 if form.errors else 200)


def owned_run(run_id: int) -> Run:
    """The run in the URL; the middleware has already checked the user may see it."""
    return get_object_or_404(Run, pk=run_id)


def detail_context(request: HttpRequest, run: Run, answer_form: AnswerForm | None = None) -> dict:
    context = run_panels(run)
    context["timeline"] = timeline(run)
    context["last_event_id"] = context["timeline"][-1]["id"] if context["timeline"] else 0
    context["is_owner"] = run.user_id == request.user.pk
    context["answer_form"] = answer_form or (AnswerForm(context["questions"]) if context["questions"] else None)
    context["events_url"] = reverse("api:run-events", args=[run.pk])
    return context


@require_GET
def run_detail(request: HttpRequest, run_id: int) -> HttpResponse:
    run = owned_run(run_id)
    return render(request, "portal/run_detail.html", detail_context(request, run))


@require_GET
def run_panels_fragment(request: HttpRequest, run_id: int) -> HttpResponse:
    """The live panels alone, re-fetched by the page's script when events arrive."""
    run = owned_run(run_id)
    context = detail_context(request, run)
    return render(request, "portal/_panels.html", context)


def control(request: HttpRequest, run_id: int, action, done: str) -> HttpResponse:
    try:
        action(run_id)
    except services.InvalidRequest as error:
        messages.error(request, str(error))
    else:
        messages.success(request, done)
    return redirect("portal:run-detail", run_id=run_id)


@require_POST
def run_pause(request: HttpRequest, run_id: int) -> HttpResponse:
    by = request.user.get_username()
    return control(request, run_id, lambda pk: services.pause_run(pk, by=by), "Paused. The step in progress finishes first.")


@require_POST
def run_resume(request: HttpRequest, run_id: int) -> HttpResponse:
    by = request.user.get_username()
    return control(request, run_id, lambda pk: services.resume_run(pk, by=by), "Resumed from where it stopped.")


@require_POST
def run_abort(request: HttpRequest, run_id: int) -> HttpResponse:
    form = AbortForm(request.POST)
    reason = form.cleaned_data.get("reason", "") if form.is_valid() else ""
    by = request.user.get_username()
    return control(request, run_id, lambda pk: services.abort_run(pk, by=by, reason=reason), "Aborted.")


@require_POST
def run_answer(request: HttpRequest, run_id: int) -> HttpResponse:
    run = owned_run(run_id)
    questions = reports.question_items(reports.pending_question(run))
    if not questions:
        messages.error(request, "This run is not waiting for an answer any more.")
        return redirect("portal:run-detail", run_id=run.pk)
    form = AnswerForm(questions, request.POST)
    if not form.is_valid():
        return render(request, "portal/run_detail.html", detail_context(request, run, form), status=400)
    try:
        services.answer_run(run.pk, reports.answers_by_question(questions, form.cleaned_data), by=request.user.get_username())
    except services.InvalidRequest as error:
        messages.error(request, str(error))
    else:
        messages.success(request, "Thanks, the agents continue with your answers.")
    return redirect("portal:run-detail", run_id=run.pk)


@require_GET
def run_download(request: HttpRequest, run_id: int, name: str) -> HttpResponse:
    artifact = reports.find_artifact(owned_run(run_id), name)
    if artifact is None:
        raise Http404("no such file")
    return reports.artifact_response(artifact)


def locked_out(request: HttpRequest, original_response=None, credentials: dict | None = None) -> HttpResponse:
    """django-axes' answer to a log-in of a locked-out username and address (AXES_LOCKOUT_CALLABLE):
    the portal's page with a clear message and 429, never the credentials asked for again."""
    minutes = max(1, round(settings.AXES_COOLOFF_TIME.total_seconds() / 60))
    context = {"failure_limit": settings.AXES_FAILURE_LIMIT, "minutes": minutes}
    return render(request, "registration/locked_out.html", context, status=429)
