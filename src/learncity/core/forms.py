"""Helpers for page forms: domain errors land on the form's fields."""

from learncity.core.errors import DomainError


def add_domain_errors(form, exc: DomainError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's errors on the form fields they are about (`aliases` maps service names to form fields)."""
    aliases = aliases or {}
    for field, messages in exc.errors.items():
        field = aliases.get(field, field)
        target = field if field in form.fields else None
        for m in messages:
            form.add_error(target, m)
