"""People pages: the residents list and a resident's page in the viewer's scope, and a learner's own page with
the one-time reveal of their ID number (audited). In the tests' own city (tests/portal/world.py: 达州市, its 通川区
and 达川区), with residents of both districts who have no account."""

import pytest

from learncity.core import crypto
from learncity.core.models import AuditEvent
from learncity.people.models import ApiToken, LearnerProfile
from learncity.people.services import ID_CONTEXT
from tests.people.factories import learner_make
from tests.places.factories import street_of


@pytest.fixture(scope="module", autouse=True)
def _residents(world_built):
    """Beside the world's learner: two residents of 通川区 and two of 达川区, without accounts."""
    for district, names in ((world_built.district, ("通川学员甲", "通川学员乙")),
                            (world_built.district_2, ("达川学员甲", "达川学员乙"))):
        for i, name in enumerate(names):
            learner_make(street_of(district, i), name=name, account=False, actor=world_built.admin)


def resident_of(path: str) -> LearnerProfile:
    """A resident of the district at `path` who has no account."""
    return LearnerProfile.objects.filter(residence__path__startswith=path, user__isnull=True).order_by("pk")[0]


def full_number(profile: LearnerProfile) -> str:
    return crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)


def audit_count(action: str) -> int:
    return AuditEvent.objects.filter(action=action).count()


# --- the residents list --------------------------------------------------------------------------------


def test_district_admin_lists_only_the_residents_of_their_district(world, client_as):
    # given 通川区's admin, and residents on both sides of the 通川区 / 达川区 line
    tongchuan = list(LearnerProfile.objects.filter(residence__path__startswith=world.district.path).order_by("pk"))
    dachuan = list(LearnerProfile.objects.filter(residence__path__startswith=world.district_2.path).order_by("pk"))
    assert tongchuan and dachuan

    # when they open the list
    response = client_as(world.district_admin).get("/people/")

    # then every resident of 通川区 is listed, masked, and nobody from 达川区
    assert response.status_code == 200
    page = response.content.decode()
    assert f'<p class="muted">{len(tongchuan)} 位</p>' in page
    for p in tongchuan:
        assert f'<a href="/people/{p.pk}/">' in page
        assert p.id_number_masked in page
        assert full_number(p) not in page
    for p in dachuan:
        assert f'<a href="/people/{p.pk}/">' not in page


def test_auditor_lists_every_resident_of_the_city(world, client_as):
    response = client_as(world.auditor).get("/people/")

    assert response.status_code == 200
    city = LearnerProfile.objects.filter(residence__path__startswith=world.city.path).count()
    assert f'<p class="muted">{city} 位</p>' in response.content.decode()


def test_residents_search_as_htmx_returns_only_the_results(world, client_as):
    # given a resident of 通川区, searched by their full ID number (found through its keyed hash)
    resident = resident_of(world.district.path)

    # when the search box asks with HTMX
    response = client_as(world.district_admin).get(
        "/people/", {"q": full_number(resident)}, headers={"HX-Request": "true"})

    # then only the results fragment comes back, with that one resident
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert '<p class="muted">1 位</p>' in page
    assert f'<a href="/people/{resident.pk}/">{resident.name}</a>' in page


def test_district_admin_cannot_find_another_districts_resident_by_number(world, client_as):
    resident = resident_of(world.district_2.path)

    response = client_as(world.district_admin).get("/people/", {"q": full_number(resident)})

    assert response.status_code == 200
    page = response.content.decode()
    assert '<p class="muted">0 位</p>' in page
    assert f"/people/{resident.pk}/" not in page


@pytest.mark.parametrize("username", ["staff", "reporter", "expert", "learner"])
def test_roles_without_residents_in_scope_get_403_for_the_list(world, client_as, username):
    # institution staff, member-unit reporters and expert reviewers see no learner profiles (scopes table);
    # a learner sees only their own, on /people/me/
    response = client_as(world.user(username)).get("/people/")

    assert response.status_code == 403
    assert f"/people/{resident_of(world.district.path).pk}/" not in response.content.decode()


@pytest.mark.parametrize(("username", "linked"), [
    ("city_admin", True), ("district_admin", True), ("auditor", True),
    ("staff", False), ("reporter", False), ("expert", False), ("learner", False),
])
def test_nav_links_the_residents_list_only_for_roles_that_may_open_it(world, client_as, username, linked):
    page = client_as(world.user(username)).get("/people/me/").content.decode()

    assert ('<a href="/people/">' in page) is linked


# --- a resident's page -----------------------------------------------------------------------------------


def test_district_admin_opens_a_resident_of_their_district_masked(world, client_as):
    resident = resident_of(world.district.path)

    response = client_as(world.district_admin).get(f"/people/{resident.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<h1>{resident.name}</h1>" in page
    assert f"<dd>{resident.id_number_masked}</dd>" in page
    assert full_number(resident) not in page


def test_district_admin_gets_404_for_a_resident_of_another_district(world, client_as):
    resident = resident_of(world.district_2.path)

    response = client_as(world.district_admin).get(f"/people/{resident.pk}/")

    assert response.status_code == 404
    page = response.content.decode()
    assert resident.name not in page
    assert resident.id_number_masked not in page


def test_auditor_opens_a_resident_anywhere_in_the_city_masked(world, client_as):
    resident = resident_of(world.district_2.path)

    response = client_as(world.auditor).get(f"/people/{resident.pk}/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<dd>{resident.id_number_masked}</dd>" in page
    assert full_number(resident) not in page


@pytest.mark.parametrize("username", ["staff", "reporter", "expert", "learner"])
def test_roles_without_residents_in_scope_get_404_for_a_resident(world, client_as, username):
    resident = resident_of(world.district.path)

    response = client_as(world.user(username)).get(f"/people/{resident.pk}/")

    assert response.status_code == 404
    assert resident.name not in response.content.decode()


# --- the learner's own page ------------------------------------------------------------------------------


def test_learner_sees_their_own_page_with_the_number_masked(world, client_as):
    profile = LearnerProfile.objects.get(user=world.learner)

    response = client_as(world.learner).get("/people/me/")

    assert response.status_code == 200
    page = response.content.decode()
    assert f"<dd>{profile.name}</dd>" in page
    assert profile.id_number_masked in page
    assert full_number(profile) not in page
    assert 'data-testid="reveal"' in page


def test_learner_reveal_returns_the_full_number_and_audits_it_once(world, client_as):
    # given the learner's own profile and the audit trail so far
    learner = world.learner
    profile = LearnerProfile.objects.get(user=learner)
    before = audit_count("pii.view")

    # when they press "显示完整号码" (an HTMX POST)
    response = client_as(learner).post("/people/me/reveal/", headers={"HX-Request": "true"})

    # then the fragment carries the full number, and exactly one pii.view row says who saw whose number
    assert response.status_code == 200
    page = response.content.decode()
    assert "<html" not in page
    assert f'<strong data-testid="id-revealed">{full_number(profile)}</strong>' in page
    assert audit_count("pii.view") == before + 1
    event = AuditEvent.objects.filter(action="pii.view").order_by("-pk")[0]
    assert (event.actor_id, event.object_type, event.object_id, event.detail) == (
        learner.pk, "people.learnerprofile", str(profile.pk), {"field": "id_number"})


def test_reveal_is_post_only(world, client_as):
    before = audit_count("pii.view")

    response = client_as(world.learner).get("/people/me/reveal/")

    assert response.status_code == 405
    assert audit_count("pii.view") == before


def test_reveal_without_a_profile_is_404_and_audits_nothing(world, client_as):
    # given the auditor, who has no learner profile of their own
    before = audit_count("pii.view")

    response = client_as(world.auditor).post("/people/me/reveal/")

    assert response.status_code == 404
    assert audit_count("pii.view") == before


def test_me_without_a_profile_shows_no_profile_card(world, client_as):
    response = client_as(world.district_admin).get("/people/me/")

    assert response.status_code == 200
    page = response.content.decode()
    assert "我的学习档案" not in page
    assert 'data-testid="reveal"' not in page


# --- personal API tokens ---------------------------------------------------------------------------------


def test_token_created_on_the_page_is_shown_once(world, client_as):
    # given the learner signed in
    learner = world.learner
    client = client_as(learner)
    before = ApiToken.objects.filter(user=learner).count()

    # when they create a token
    response = client.post("/people/me/tokens/", {"name": "手机", "days": "30"})

    # then it is stored, shown on the next page, and not again after that
    assert response.status_code == 302
    assert response.url == "/people/me/"
    assert ApiToken.objects.filter(user=learner).count() == before + 1
    row = ApiToken.objects.filter(user=learner).order_by("-pk")[0]
    first = client.get("/people/me/").content.decode()
    assert f'<code data-testid="new-token">lc_{row.prefix}_' in first
    second = client.get("/people/me/").content.decode()
    assert 'data-testid="new-token"' not in second
    assert f"<code>lc_{row.prefix}…</code>" in second


def test_token_revoke_of_someone_elses_token_is_404_and_changes_nothing(world, client_as):
    # given a token of the city admin
    from learncity.people.services import api_token_create

    row, _token = api_token_create(actor=world.city_admin, name="city")

    # when the learner tries to revoke it
    response = client_as(world.learner).post(f"/people/me/tokens/{row.pk}/revoke/")

    # then it is not found for them, and still live
    assert response.status_code == 404
    row.refresh_from_db()
    assert row.revoked_at is None


# --- signed out --------------------------------------------------------------------------------------------


def test_anonymous_reveal_redirects_to_login_and_audits_nothing(client_as):
    before = audit_count("pii.view")

    response = client_as(None).post("/people/me/reveal/")

    assert response.status_code == 302
    assert response.url == "/login/?next=/people/me/reveal/"
    assert audit_count("pii.view") == before
