"""Records named in the language of the page: the English name where one was given (core/templatetags/display.py),
on the catalogue's pages."""

from types import SimpleNamespace

import pytest
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from learncity.catalog.models import Course, CourseState, Venue


def render(text: str, language: str, **context) -> str:
    with translation.override(language):
        return Template("{% load display %}" + text).render(Context(context))


@pytest.mark.parametrize(("language", "title_en", "shown", "original"), [
    ("en", "Calligraphy for beginners", "Calligraphy for beginners", "书法入门"),
    ("en", "  ", "书法入门", ""),  # no English title: the Chinese one, and no subtitle
    ("zh-hans", "Calligraphy for beginners", "书法入门", ""),
])
def test_a_title_is_english_on_an_english_page_when_there_is_one(language, title_en, shown, original):
    course = SimpleNamespace(title="书法入门", title_en=title_en)

    assert render("{{ c|display_title }}|{{ c|original_title }}", language, c=course) == f"{shown}|{original}"


def test_a_name_without_an_english_field_and_nothing_at_all_are_shown_as_they_are():
    place = SimpleNamespace(name="鼓楼区")  # no name_en at all

    assert render("{{ p|display_name }}|{{ p|original_name }}|{{ none|display_title }}", "en", p=place,
                  none=None) == "鼓楼区||"


def english_client(client_as, user=None):
    client = client_as(user)
    client.cookies["django_language"] = "en"
    return client


def test_the_course_page_is_titled_in_english_with_the_chinese_beside_it(client_as, db):
    course = Course.objects.filter(state=CourseState.PUBLISHED).order_by("id").first()
    Course.objects.filter(pk=course.pk).update(title_en="Test course in English")
    url = reverse("catalog:course", args=[course.pk])

    english = english_client(client_as).get(url).content.decode()
    chinese = client_as(None).get(url).content.decode()

    assert "<title>Test course in English · learncity</title>" in english
    assert f'<h1>Test course in English <span lang="zh-CN" class="muted" data-testid="title-zh">{course.title}</span>' in english
    assert f"<h1>{course.title} <span lang=\"en\" class=\"muted\" data-testid=\"title-en\">Test course in English</span>" in chinese


def test_the_venue_list_and_page_use_the_english_name(client_as, db):
    venue = Venue.objects.filter(closed_on__isnull=True).order_by("id").first()
    Venue.objects.filter(pk=venue.pk).update(name_en="Test Library")
    client = english_client(client_as)

    page = client.get(reverse("catalog:venue", args=[venue.pk])).content.decode()
    listing = client.get(reverse("catalog:venues"), {"q": venue.name}).content.decode()

    assert "<title>Test Library · learncity</title>" in page
    assert f'<p class="muted" lang="zh-CN">{venue.name}</p>' in page
    assert ">Test Library</a>" in listing
