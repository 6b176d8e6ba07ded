"""The checker workbench: server-rendered pages for people in the "checker" group.

Thin views: check the role, validate the form, call one service, render or redirect. Every refusal
is a page with a clear message and a 4xx status; nothing a checker sends can cause a 500.
"""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from turnitin import services
from turnitin.forms import ReportUploadForm
from turnitin.models import CycleStatus, TurnitinCycle
from turnitin.reports import CONTENT_TYPES, ReportRejected


def checker_required(view):
    @wraps(view)
    @login_required
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not services.is_checker(request.user):
            return render(request, "turnitin/refused.html", {"message": "This page is for checkers."}, status=403)
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@checker_required
def queue(request: HttpRequest) -> HttpResponse:
    waiting = (
        TurnitinCycle.objects.filter(status=CycleStatus.PENDING_UPLOAD)
        .select_related("run")
        .order_by("-run__priority", "created_at")
    )
    mine = TurnitinCycle.objects.filter(status=CycleStatus.AWAITING_REPORT, checker=request.user).order_by("claim_expires_at")
    context = {
        "waiting": waiting[:50],
        "waiting_count": waiting.count(),
        "mine": mine,
        "capacity": services.claim_capacity(request.user),
        "now": timezone.now(),
    }
    return render(request, "turnitin/queue.html", context)


@require_POST
@checker_required
def claim(request: HttpRequest) -> HttpResponse:
    try:
        cycle = services.claim_next_cycle(request.user)
    except services.CycleError as error:
        messages.error(request, str(error))
        return redirect("turnitin:queue")
    if cycle is None:
        messages.info(request, "The queue is empty; nothing to claim right now.")
        return redirect("turnitin:queue")
    messages.success(request, f"You claimed {cycle.reference}. Download the draft, run it through Turnitin, upload the report.")
    return redirect("turnitin:job", cycle.pk)


def own_cycle(request: HttpRequest, cycle_id: int) -> TurnitinCycle | None:
    cycle = get_object_or_404(TurnitinCycle.objects.select_related("run", "checker"), pk=cycle_id)
    return cycle if request.user.is_staff or cycle.checker_id == request.user.pk else None


@require_GET
@checker_required
def job(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = own_cycle(request, cycle_id)
    if cycle is None:
        return render(request, "turnitin/refused.html", {"message": "This job is not claimed by you."}, status=403)
    form = ReportUploadForm(initial={"submission_id": ReportUploadForm.new_submission_id()})
    return render(request, "turnitin/job.html", {"cycle": cycle, "form": form, "now": timezone.now()})


@require_GET
@checker_required
def download_draft(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = own_cycle(request, cycle_id)
    if cycle is None or (cycle.status != CycleStatus.AWAITING_REPORT and not request.user.is_staff):
        return render(request, "turnitin/refused.html", {"message": "Claim this job before downloading its draft."}, status=403)
    response = HttpResponse(bytes(cycle.draft_docx.blob), content_type=CONTENT_TYPES["docx"])
    response["Content-Disposition"] = f'attachment; filename="{cycle.draft_filename}"'
    return response


@require_POST
@checker_required
def upload_report(request: HttpRequest, cycle_id: int) -> HttpResponse:
    cycle = get_object_or_404(TurnitinCycle.objects.select_related("run", "checker"), pk=cycle_id)
    form = ReportUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return render(request, "turnitin/job.html", {"cycle": cycle, "form": form, "now": timezone.now()}, status=400)
    try:
        result = services.submit_report(
            cycle.pk,
            by=request.user,
            report=form.file_bytes("report"),
            highlighted=form.file_bytes("highlighted_docx"),
            submission_id=form.cleaned_data["submission_id"],
        )
    except ReportRejected as error:
        form.add_error("report", f"This report was not accepted: {error}.")
        return render(request, "turnitin/job.html", {"cycle": cycle, "form": form, "now": timezone.now()}, status=400)
    except services.CycleError as error:
        return render(request, "turnitin/refused.html", {"message": str(error), "cycle": cycle}, status=error.status)
    done = result.cycle
    if result.created:
        messages.success(request, f"Report for {done.reference} received: {done.observed_similarity:g}% similarity. Thank you.")
    else:
        messages.info(request, f"That report for {done.reference} had already been received.")
    return redirect("turnitin:queue")


@require_POST
@checker_required
def release(request: HttpRequest, cycle_id: int) -> HttpResponse:
    try:
        cycle = services.release_claim(cycle_id, request.user)
    except services.CycleError as error:
        return render(request, "turnitin/refused.html", {"message": str(error)}, status=error.status)
    messages.info(request, f"{cycle.reference} is back in the queue.")
    return redirect("turnitin:queue")
