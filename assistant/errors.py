"""Errors a user can cause. The CLI prints ``str(error)`` as one line and exits non-zero."""


class AssistantError(Exception):
    """Base class: the message is one line that says what went wrong and how to fix it."""

    exit_code = 2


class DocumentError(AssistantError):
    """A source file cannot be read (not UTF-8, too big, unreadable, vanished)."""


class IndexError_(AssistantError):
    """The index is missing, corrupt or does not match the settings."""


class QuestionError(AssistantError):
    """The question or a search parameter is unusable (empty, too long, bad k)."""
