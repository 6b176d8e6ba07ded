"""Why an upload was refused. Every error is a ValueError with a message fit to show the student."""
from __future__ import annotations


class DocumentError(ValueError):
    """Base class of every refusal; callers may catch this one."""


class UnsupportedDocument(DocumentError):
    """Not a DOCX, PDF or text file (judged by its bytes, not its name), empty, or without text."""


class EncryptedDocument(UnsupportedDocument):
    """Password-protected: we cannot read it and never try to guess the password."""


class DocumentTooLarge(DocumentError):
    """Bigger than the byte limit (refused before reading the rest of a stream)."""

    def __init__(self, size: int | None, max_bytes: int):
        self.size = size
        self.max_bytes = max_bytes
        shown = f"{size / 1_048_576:.1f} MB" if size is not None else "more than the limit"
        super().__init__(f"the file is too large ({shown}); the limit is {max_bytes / 1_048_576:.0f} MB")


class UnsafeDocument(DocumentError):
    """Built to attack the reader: zip bomb, XML entity / DTD tricks, absurd part counts."""
