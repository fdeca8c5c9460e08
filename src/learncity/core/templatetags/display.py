"""Records named in the language of the page: their English name where one was given, else their own.

`{{ course|display_title }}` — a course's, event's or resource's `title_en` when the page is in English and it is
set, else its `title`. `{{ venue|display_name }}` — the same with `name_en` / `name`.
`{{ course|original_title }}` / `{{ venue|original_name }}` — the Chinese name beside the English one: the title
when the page shows `title_en` instead, else nothing (so `{% if course|original_title %}` shows a subtitle only
when there is something to add).

The same choice in Python: `display(obj, "title")`."""

from django import template
from django.utils import translation

register = template.Library()


def english_active() -> bool:
    return (translation.get_language() or "").lower().startswith("en")


def _english(obj, field: str) -> str:
    return (getattr(obj, f"{field}_en", "") or "").strip() if english_active() else ""


def display(obj, field: str = "title") -> str:
    """obj.<field>_en on an English page when set, else obj.<field> ("" for None)."""
    if obj is None:
        return ""
    return _english(obj, field) or (getattr(obj, field, "") or "")


@register.filter
def display_title(obj) -> str:
    return display(obj, "title")


@register.filter
def display_name(obj) -> str:
    return display(obj, "name")


@register.filter
def original_title(obj) -> str:
    return (getattr(obj, "title", "") or "") if obj is not None and _english(obj, "title") else ""


@register.filter
def original_name(obj) -> str:
    return (getattr(obj, "name", "") or "") if obj is not None and _english(obj, "name") else ""
