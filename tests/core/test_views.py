"""Pages common to every app: signing in is required everywhere but the home page, the large-text mode for
elderly users holds across pages, and refused requests say why."""

import pytest

from learncity.core.middleware import DisplayPreferencesMiddleware
from learncity.core.models import AuditEvent
from learncity.network.models import Institution, MemberUnit
from learncity.people.models import LearnerProfile
from learncity.places.models import Place, Population

COOKIE = DisplayPreferencesMiddleware.COOKIE


def html(response) -> str:
    return response.content.decode()


def html_tag(page: str) -> str:
    start = page.index("<html")
    return page[start:page.index(">", start) + 1]


# --- signed out ---------------------------------------------------------------------------------------------


def signed_in_pages(world) -> list[str]:
    """Every page behind sign-in, with real objects of the tests' own city (tests/portal/world.py) in its path."""
    district, street = world.district.code, world.street.code
    inst, committee, unit = world.institution.code, world.committee.pk, world.member_unit.pk
    profile = world.learner_profile.pk
    return [
        f"/places/{district}/", f"/places/{street}/", "/places/imports/", f"/places/{district}/population/",
        f"/places/{street}/communities/",
        "/network/", f"/network/?root={district}", f"/network/tree/{district}/", "/network/institutions/new/",
        f"/network/institutions/{inst}/", f"/network/institutions/{inst}/edit/", f"/network/designations/{district}/",
        "/network/committees/", f"/network/committees/{committee}/", f"/network/committees/{committee}/members/",
        f"/network/member-units/{unit}/",
        "/people/", "/people/me/", f"/people/{profile}/", "/people/me/reveal/", "/people/me/tokens/",
        "/people/me/tokens/1/revoke/",
    ]


def login_url(path: str) -> str:
    from urllib.parse import quote

    return "/login/?next=" + quote(path, safe="/")


def test_anonymous_get_of_every_page_redirects_to_login(world, client_as):
    client = client_as(None)

    for path in signed_in_pages(world):
        response = client.get(path)
        assert (response.status_code, response.url) == (302, login_url(path)), path


def test_anonymous_post_to_every_page_redirects_to_login_and_changes_nothing(world, client_as):
    client = client_as(None)
    before = (Place.objects.count(), Population.objects.count(), Institution.objects.count(),
              MemberUnit.objects.count(), AuditEvent.objects.count())

    for path in signed_in_pages(world):
        response = client.post(path, {"name": "匿名", "code": f"{world.street.code}901", "year": "2030",
                                      "total": "1",
                                      "responsibility": "匿名", "kind": "demonstration", "tier": "national"})
        assert (response.status_code, response.url) == (302, login_url(path)), path

    assert (Place.objects.count(), Population.objects.count(), Institution.objects.count(),
            MemberUnit.objects.count(), AuditEvent.objects.count()) == before


def test_home_page_is_open_and_offers_sign_in(db, client_as):
    response = client_as(None).get("/")

    assert response.status_code == 200
    page = html(response)
    assert '<a class="button" href="/login/">登录</a>' in page
    assert '<a href="/network/">' not in page


def test_login_page_is_open(db, client_as):
    assert client_as(None).get("/login/").status_code == 200


def test_home_greets_a_staff_user_with_their_roles_and_places(world, client_as):
    response = client_as(world.district_admin).get("/")

    assert response.status_code == 200
    page = html(response)
    assert f"您好，<strong>{world.district_admin}</strong>" in page
    assert '<span class="badge">区县管理员</span>' in page
    assert f'<a class="button" href="/network/?root={world.district.code}">浏览学习网络</a>' in page


def test_home_shows_a_learner_their_profile_and_no_places(world, client_as):
    profile = LearnerProfile.objects.get(user=world.learner)

    response = client_as(world.learner).get("/")

    assert response.status_code == 200
    page = html(response)
    assert f"您好，<strong>{profile.name}</strong>" in page
    assert f"住在{profile.residence.parent.parent.name}{profile.residence.parent.name}" in page
    assert "浏览学习网络" not in page
    assert '<a href="/network/">' not in page


# --- refused requests ---------------------------------------------------------------------------------------


def test_a_refused_page_says_why_in_the_sites_layout(world, client_as):
    response = client_as(world.district_admin).get(f"/places/{world.district_2.code}/")

    assert response.status_code == 404
    page = html(response)
    assert "<h1>未找到</h1>" in page
    assert f"<p>未找到区划「{world.district_2.code}」，或您无权查看 (not found)</p>" in page
    assert '<nav class="main"' in page


# --- large text ---------------------------------------------------------------------------------------------


def test_large_text_sets_the_cookie_and_the_next_page_is_large(world, client_as):
    # given a signed-in user on the network browser
    client = client_as(world.district_admin)
    assert html_tag(html(client.get("/network/"))) == '<html lang="zh-CN">'

    # when they press "大字模式"
    response = client.post("/display/", {"large": "1", "next": "/network/"})

    # then they are back where they were, the cookie holds the choice for a year, and pages are large
    assert response.status_code == 302
    assert response.url == "/network/"
    cookie = response.cookies[COOKIE]
    assert (cookie.value, cookie["max-age"], cookie["samesite"], cookie["httponly"]) == ("1", 365 * 86400, "Lax", True)
    page = html(client.get("/network/"))
    assert html_tag(page) == '<html lang="zh-CN" class="large-text">'
    assert '<input type="hidden" name="large" value="0">' in page
    assert '<button type="submit" data-testid="large-text-toggle">标准字号</button>' in page


def test_large_text_off_again(db, client_as):
    client = client_as(None)
    client.post("/display/", {"large": "1", "next": "/"})
    assert html_tag(html(client.get("/"))) == '<html lang="zh-CN" class="large-text">'

    response = client.post("/display/", {"large": "0", "next": "/"})

    assert response.cookies[COOKIE].value == "0"
    assert html_tag(html(client.get("/"))) == '<html lang="zh-CN">'


def test_large_text_works_signed_out_too(db, client_as):
    client = client_as(None)

    response = client.post("/display/", {"large": "1", "next": "/login/"})

    assert (response.status_code, response.url) == (302, "/login/")
    assert html_tag(html(client.get("/login/"))) == '<html lang="zh-CN" class="large-text">'


@pytest.mark.parametrize("target", [
    "https://evil.example/", "//evil.example/network/", "http://testserver.evil.example/", "javascript:alert(1)",
    "https:///evil.example/",
])
def test_large_text_does_not_follow_an_off_site_next(db, client_as, target):
    response = client_as(None).post("/display/", {"large": "1", "next": target})

    assert response.status_code == 302
    assert response.url == "/"
    assert response.cookies[COOKIE].value == "1"


def test_large_text_without_next_goes_home(db, client_as):
    response = client_as(None).post("/display/", {"large": "1"})

    assert (response.status_code, response.url) == (302, "/")


def test_large_text_toggle_is_post_only(db, client_as):
    response = client_as(None).get("/display/?large=1&next=/")

    assert response.status_code == 405
    assert COOKIE not in response.cookies
