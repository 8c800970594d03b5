"""Errors with stable codes: a function that handles one item raises one; the pipeline records it.

Codes are part of the public interface (they land in ``Failure.code`` and in ``veille failures``).
"""

from __future__ import annotations


class VeilleError(Exception):
    """Base error; ``code`` is a stable machine-readable name, the message says what to do next."""

    code = "error"

    def __init__(self, message: str, *, code: str | None = None) -> None:
        super().__init__(message)
        if code is not None:
            self.code = code


class InputError(VeilleError):
    """Bad input for one item: empty, binary, undecodable, too large, malformed container."""

    code = "bad_input"


class EmptyInputError(InputError):
    """The item has no bytes, or no text once decoded."""

    code = "empty_input"


class MissingInputError(InputError):
    """The path given does not exist or cannot be read."""

    code = "missing"


class NotTextError(InputError):
    """The item is binary (an image, an archive...) where text or HTML was expected."""

    code = "not_text"


class EncodingError(InputError):
    """The item's bytes cannot be decoded with any plausible encoding."""

    code = "bad_encoding"


class TooLargeError(InputError):
    """The item is larger than the configured limit (see ``max_document_bytes``)."""

    code = "too_large"


class MalformedError(InputError):
    """A container (WARC, feed, JSON) is broken or truncated."""

    code = "malformed"


class FetchError(InputError):
    """A URL could not be fetched (network error, HTTP error, disallowed by robots.txt)."""

    code = "fetch_failed"


class ExtractionError(VeilleError):
    """No article could be extracted from the document."""

    code = "no_article"


class ModelMissingError(VeilleError):
    """A spaCy pipeline package is not installed; the message gives the pip command."""

    code = "model_missing"


class DateError(VeilleError):
    """A date could not be read or resolved."""

    code = "bad_date"


class StoreError(VeilleError):
    """The store cannot be opened or written (path, permissions, schema newer than this code)."""

    code = "store_error"


class BudgetExceededError(VeilleError):
    """An item took longer than its stage's time budget (``understand_budget_seconds``); the run goes on."""

    code = "budget_exceeded"


class UsageError(VeilleError):
    """The command was called wrongly (unknown id, bad option)."""

    code = "usage"
