"""Portal forms. Errors are shown next to their field (Django renders aria-invalid and
aria-describedby), so a screen reader announces what is wrong and where."""
from __future__ import annotations

from django import forms
from django.conf import settings
from django.contrib.auth.forms import UserCreationForm
from django.utils import timezone

from agents.taskspec import MAX_WORDS, MIN_WORDS
from journeys import uploads
from journeys.policies import known_journeys
from journeys.requests import CITATION_STYLES, LEVELS, MAX_MIN_SOURCES, MAX_RECENCY_YEARS, MAX_REGION_CHARS, upload_problem


class SignupForm(UserCreationForm):
    """A new student account (Django auth); checkers and operators are made by an operator."""

    class Meta(UserCreationForm.Meta):
        fields = ("username",)


def optional(choices: list[tuple[str, str]], label: str) -> list[tuple[str, str]]:
    return [("", label), *choices]


class NewRunForm(forms.Form):
    journey = forms.ChoiceField(choices=[], initial="write", help_text="What kind of work the agents should do.")
    goal = forms.CharField(
        max_length=settings.HW_GOAL_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text="Say what you need: the question or title, the angle, anything your tutor asked for.",
    )
    words = forms.IntegerField(label="Word target", min_value=MIN_WORDS, max_value=MAX_WORDS, initial=1000)
    style = forms.ChoiceField(label="Citation style", choices=optional(CITATION_STYLES, "Let the agents choose"), required=False)
    level = forms.ChoiceField(label="Level", choices=optional(LEVELS, "Not specified"), required=False)
    region = forms.CharField(
        label="Region", max_length=MAX_REGION_CHARS, required=False, help_text="Prefer sources about this place, e.g. UK."
    )
    recency = forms.IntegerField(
        label="Recency (years)", min_value=1, max_value=MAX_RECENCY_YEARS, required=False,
        help_text="Prefer sources published in the last N years.",
    )
    min_sources = forms.IntegerField(
        label="Minimum sources", min_value=0, max_value=MAX_MIN_SOURCES, required=False,
        help_text="At least this many retrieved works must be cited (the journey's default if empty).",
    )
    deadline = forms.DateField(required=False, widget=forms.DateInput(attrs={"type": "date"}))
    upload = forms.FileField(
        label="Your draft or readings", required=False,
        help_text="Optional: .docx, .pdf, .txt or .md, up to the size limit.",
    )

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.fields["journey"].choices = [(name, name.replace("_", " ").capitalize()) for name in known_journeys()]
        limit = settings.HW_UPLOAD_MAX_BYTES / 1_048_576
        self.fields["upload"].help_text = f"Optional: .docx, .pdf, .txt or .md, up to {limit:.0f} MB."

    def clean_goal(self) -> str:
        goal = self.cleaned_data["goal"].strip()
        if "\x00" in goal:
            raise forms.ValidationError("The goal contains a NUL character.")
        return goal

    def clean_deadline(self):
        deadline = self.cleaned_data.get("deadline")
        if deadline and deadline < timezone.localdate():
            raise forms.ValidationError("The deadline is in the past.")
        return deadline

    def clean_upload(self) -> list[uploads.UploadedFile]:
        """The upload checked by name and size, then by its bytes (what it really is, whether any
        text can be read), so a refusal shows next to the field; [] when none was given."""
        upload = self.cleaned_data.get("upload")
        if not upload:
            return []
        problem = upload_problem(upload.name, upload.size, settings.HW_UPLOAD_MAX_BYTES)
        if problem:
            raise forms.ValidationError(problem)
        data = upload.read()
        try:
            uploads.prepare_upload(upload.name, data)
        except uploads.UploadRefused as error:
            raise forms.ValidationError(str(error)) from None
        return [uploads.UploadedFile(upload.name, data)]


class AnswerForm(forms.Form):
    """One text field per question the agents asked; the field names are the question ids."""

    def __init__(self, questions: list[dict[str, str]], *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        for item in questions:
            self.fields[item["id"]] = forms.CharField(
                label=item["text"], help_text=item["hint"], max_length=4000,
                widget=forms.Textarea(attrs={"rows": 2}),
            )


class AbortForm(forms.Form):
    reason = forms.CharField(max_length=500, required=False)
