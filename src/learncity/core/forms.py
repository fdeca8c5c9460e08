"""Helpers for page forms: domain errors land on the form's fields."""

from learncity.core import uploads
from learncity.core.errors import DomainError


def add_domain_errors(form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's errors on the form fields they are about (`aliases` maps service names to form fields)."""
    aliases = aliases or {}
    for field, messages in exc.errors.items():
        field = aliases.get(field, field)
        target = field if field in form.fields else None
        for m in messages:
            form.add_error(target, m)


def flash_domain_errors(request, exc: DomainError) -> None:
    """For redirect-after-POST forms: show a refused input's messages on the next page. (A refusal of access or a
    missing object is not a DomainError: it never reaches here and goes on to its error page.)"""
    from django.contrib import messages

    for field_messages in exc.errors.values():
        for m in field_messages:
            messages.error(request, m)


def upload_refused(form, request, field: str = "file") -> bool:
    """When the request's file was stopped while it arrived (`core.uploads.LimitedUploadHandler`), make that the
    form's only error, on `field`, and say True: the fields sent after the file never arrived, so their "required"
    would mislead."""
    refused = uploads.upload_refusal(request)
    if refused is None:
        return False
    form.errors.clear()
    form.add_error(field, refused.summary)
    return True
