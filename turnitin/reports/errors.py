"""The one error of report reading: a report we will not use, with a message for the uploader."""


class ReportRejected(ValueError):
    """The upload cannot be used; the message says why, in words for the checker who sent it."""
