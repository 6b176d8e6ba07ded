"""The checker's upload form. The real type of each file is judged later from its content."""

from __future__ import annotations

import uuid

from django import forms
from django.conf import settings


class ReportUploadForm(forms.Form):
    report = forms.FileField(help_text="The Turnitin similarity report, exported as PDF or HTML.")
    highlighted_docx = forms.FileField(required=False, help_text="Optional: the draft with the matched text highlighted (DOCX).")
    # Fixed when the form is shown: submitting the same form twice stores one report.
    submission_id = forms.CharField(widget=forms.HiddenInput, max_length=100)

    @staticmethod
    def new_submission_id() -> str:
        return uuid.uuid4().hex

    def clean(self) -> dict:
        cleaned = super().clean()
        limit = settings.HW_TURNITIN_REPORT_MAX_BYTES
        for name in ("report", "highlighted_docx"):
            upload = cleaned.get(name)
            if upload is not None and upload.size > limit:
                self.add_error(name, f"The file is {upload.size / 1_048_576:.1f} MB; the limit is {limit / 1_048_576:.1f} MB.")
        return cleaned

    def file_bytes(self, name: str) -> bytes | None:
        upload = self.cleaned_data.get(name)
        return upload.read() if upload is not None else None
