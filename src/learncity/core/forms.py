"""Helpers for page forms: domain errors land on the form's fields."""

from learncity.core.errors import DomainError


def add_domain_errors(form, exc: DomainError) -> None:
    for field, messages in exc.errors.items():
        target = field if field in form.fields else None
        for m in messages:
            form.add_error(target, m)
