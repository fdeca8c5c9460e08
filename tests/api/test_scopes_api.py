"""The scope rules, through the API: a district admin sees and changes nothing of another district, institution
staff see only their institution, a learner sees only themself and alone sees their full ID number."""

import re

import pytest

from learncity.core import crypto
from learncity.core.models import AuditEvent
from learncity.network.models import Committee, Institution, MemberUnit
from learncity.people.models import LearnerProfile
from learncity.people.services import ID_CONTEXT, learner_profile_create, user_create
from learncity.places.models import Place, PlaceLevel, Population
from tests.api.support import GULOU, TAIJIANG, fresh_id_number

MASKED_ID = re.compile(r"^\d{6}\*{8}\d{3}[\dX]$")

# Each district admin against the other district: (admin, own district, other district).
DISTRICT_PAIRS = [("district_admin", GULOU, TAIJIANG), ("district_admin_2", TAIJIANG, GULOU)]


def _items(response) -> list[dict]:
    assert response.status_code == 200, response.content
    body = response.json()
    return body["items"] if isinstance(body, dict) else body


def _district(code: str) -> dict:
    """The objects of one district that another district's admin must not reach."""
    district = Place.objects.get(code=code)
    inside = {"place__path__startswith": district.path}
    resident = LearnerProfile.objects.filter(residence__path__startswith=district.path).order_by("pk")[0]
    committee = Committee.objects.get(place=district)
    return {
        "district": district,
        "street": Place.objects.filter(parent=district, level=PlaceLevel.STREET).order_by("code")[0],
        "community": Place.objects.filter(path__startswith=district.path, level=PlaceLevel.COMMUNITY)
        .order_by("code")[0],
        "institution": Institution.objects.filter(**inside).order_by("code")[0],
        "resident": resident,
        "resident_number": crypto.decrypt(resident.id_number_encrypted, context=ID_CONTEXT),
        "committee": committee,
        "unit": MemberUnit.objects.filter(committee=committee).order_by("pk")[0],
    }


# --- a district admin and another district ----------------------------------------------------------------


@pytest.mark.parametrize(("admin", "own", "other"), DISTRICT_PAIRS)
def test_district_admin_lists_nothing_of_another_district(admin, own, other, users, api_as):
    # Given the admin of one district, and the other district's objects
    client = api_as(users[admin])
    b = _district(other)

    # When they list by the other district, search for its objects by name or number
    # Then not one of its objects comes back
    for url, place_field in (
        (f"/api/network/institutions?place={other}", "place_code"),
        (f"/api/network/institutions?q={b['institution'].name}", "place_code"),
        (f"/api/network/institutions?q={b['institution'].code}", "place_code"),
        (f"/api/places/?parent={other}", "code"),
        (f"/api/places/?q={b['district'].name}", "code"),
        (f"/api/places/?q={other}", "code"),
        (f"/api/people/profiles?place={other}", "residence_code"),
        (f"/api/people/profiles?q={b['resident_number']}", "residence_code"),
        (f"/api/people/profiles?q={b['resident'].name}", "residence_code"),
    ):
        items = _items(client.get(url))
        assert [i for i in items if i[place_field].startswith(other)] == [], url
        if "place=" in url or "parent=" in url or url.endswith((other, b["resident_number"], b["institution"].code)):
            assert items == [], url
    # nor when they list everything
    everything = {
        "institutions": _items(client.get("/api/network/institutions?limit=100000")),
        "places": _items(client.get("/api/places/?limit=100000")),
        "profiles": _items(client.get("/api/people/profiles?limit=100000")),
    }
    assert [i for i in everything["institutions"] if not i["place_code"].startswith(own)] == []
    assert [p for p in everything["places"] if not p["code"].startswith(own)] == []
    assert [p for p in everything["profiles"] if not p["residence_code"].startswith(own)] == []
    assert [c["place_code"] for c in _items(client.get("/api/network/committees"))] == [own]
    assert {d["place_code"] for d in _items(client.get("/api/network/designations"))} <= {own}
    # and the same searches do find the admin's own objects, so the filters are not simply empty
    a = _district(own)
    assert [i["code"] for i in _items(client.get(f"/api/network/institutions?q={a['institution'].code}"))] == [
        a["institution"].code]
    assert [p["id"] for p in _items(client.get(f"/api/people/profiles?q={a['resident_number']}"))] == [
        a["resident"].pk]


@pytest.mark.parametrize(("admin", "own", "other"), DISTRICT_PAIRS)
def test_district_admin_reads_nothing_of_another_district(admin, own, other, users, api_as):
    client = api_as(users[admin])
    b = _district(other)

    for url in (
        f"/api/places/{other}",
        f"/api/places/{b['street'].code}",
        f"/api/places/{b['community'].code}",
        f"/api/places/{other}/population",
        f"/api/places/{b['street'].code}/population",
        f"/api/network/institutions/{b['institution'].code}",
        f"/api/people/profiles/{b['resident'].pk}",
        f"/api/network/committees/{b['committee'].pk}/members",
    ):
        response = client.get(url)
        assert response.status_code == 404, url
        assert response.json()["code"] == "not_found", url
        # nothing of the object leaks into the refusal
        assert b["resident"].name not in response.content.decode()
        assert b["institution"].name not in response.content.decode()


@pytest.mark.parametrize(("admin", "own", "other"), DISTRICT_PAIRS)
def test_district_admin_changes_nothing_of_another_district(admin, own, other, users, api_as):
    # Given the other district's objects as they are
    client = api_as(users[admin])
    b = _district(other)
    street = b["street"]

    def snapshot():
        return {
            "audit": AuditEvent.objects.count(),
            "institution": list(Institution.objects.filter(pk=b["institution"].pk).values()),
            "institutions": Institution.objects.count(),
            "profile": list(LearnerProfile.objects.filter(pk=b["resident"].pk).values()),
            "profiles": LearnerProfile.objects.count(),
            "population": list(Population.objects.filter(place=street).values()),
            "places": Place.objects.count(),
            "unit": list(MemberUnit.objects.filter(pk=b["unit"].pk).values()),
        }

    before = snapshot()

    # When the admin tries every write the API has on them
    refused = [
        client.patch(f"/api/network/institutions/{b['institution'].code}", {"name": "改名"},
                     content_type="application/json"),
        client.put(f"/api/places/{street.code}/population", {"year": 2025, "total": 1},
                   content_type="application/json"),
        client.patch(f"/api/people/profiles/{b['resident'].pk}", {"phone": "13900001111"},
                     content_type="application/json"),
        client.patch(f"/api/network/member-units/{b['unit'].pk}", {"responsibility": "改职责"},
                     content_type="application/json"),
    ]
    created = [
        client.post("/api/network/institutions", {"code": "API-X1", "name": "越界机构", "kind": "library",
                                                  "place_code": street.code}, content_type="application/json"),
        client.post("/api/people/profiles", {"name": "越界居民", "id_number": fresh_id_number(other),
                                             "residence_code": b["community"].code}, content_type="application/json"),
        client.post("/api/places/communities", {"parent_code": street.code, "code": f"{street.code}999",
                                                "name": "越界社区"}, content_type="application/json"),
    ]

    # Then each is refused, and nothing changed
    assert [r.status_code for r in refused] == [404, 404, 404, 404]
    assert [r.status_code for r in created] == [403, 403, 403]
    assert [r.json()["code"] for r in created] == ["permission_denied"] * 3
    assert snapshot() == before


@pytest.mark.parametrize(("admin", "own", "other"), DISTRICT_PAIRS)
def test_district_admin_cannot_move_their_own_objects_into_another_district(admin, own, other, users, api_as):
    # Given an institution and a resident of the admin's own district
    client = api_as(users[admin])
    a, b = _district(own), _district(other)
    inst_before = list(Institution.objects.filter(pk=a["institution"].pk).values())
    profile_before = list(LearnerProfile.objects.filter(pk=a["resident"].pk).values())
    audit_before = AuditEvent.objects.count()

    # When the admin moves them into the other district
    moved_inst = client.patch(f"/api/network/institutions/{a['institution'].code}",
                              {"place_code": b["street"].code}, content_type="application/json")
    moved_profile = client.patch(f"/api/people/profiles/{a['resident'].pk}",
                                 {"residence_code": b["community"].code}, content_type="application/json")

    # Then both are refused and stay where they were
    assert (moved_inst.status_code, moved_profile.status_code) == (403, 403)
    assert list(Institution.objects.filter(pk=a["institution"].pk).values()) == inst_before
    assert list(LearnerProfile.objects.filter(pk=a["resident"].pk).values()) == profile_before
    assert AuditEvent.objects.count() == audit_before


def test_a_population_file_touching_another_district_writes_nothing_at_all(users, api_as, targets):
    # Given a file with one row of the admin's own district and one of the other
    from django.core.files.uploadedfile import SimpleUploadedFile

    client = api_as(users["district_admin"])
    own, other = targets.gulou_street, targets.taijiang_street
    data = f"区划代码,年份,常住人口\n{own.code},2031,100\n{other.code},2031,200\n".encode()
    before = list(Population.objects.filter(year=2031).values_list("place_id", "total"))
    audit_before = AuditEvent.objects.count()

    # When the 鼓楼区 admin uploads it
    response = client.post(
        "/api/places/population/import", {"file": SimpleUploadedFile("p.csv", data, "text/csv")})

    # Then the whole file is refused, naming the row it may not write, and its own row is not written either
    assert response.status_code == 400
    assert response.json()["errors"]["file"] == [
        "1 处错误，未导入任何数据。", f"第 3 行「区划代码」: 您无权修改「{other.name}」的人口数据"]
    assert list(Population.objects.filter(year=2031).values_list("place_id", "total")) == before == []
    assert AuditEvent.objects.count() == audit_before


def test_district_admin_sees_only_their_committee_and_its_member_units(users, api_as, targets):
    client = api_as(users["district_admin"])

    committees = _items(client.get("/api/network/committees"))
    members = _items(client.get(f"/api/network/committees/{targets.gulou_committee.pk}/members"))

    assert [c["id"] for c in committees] == [targets.gulou_committee.pk]
    assert sorted(m["id"] for m in members) == sorted(
        MemberUnit.objects.filter(committee=targets.gulou_committee).values_list("pk", flat=True))
    assert client.get(f"/api/network/committees/{targets.city_committee.pk}/members").status_code == 404


def test_reporter_sees_and_changes_only_their_own_member_unit(users, api_as, targets):
    # Given the reporter of one member unit of the city's committee, and another unit of the same committee
    client = api_as(users["reporter"])
    neighbour = MemberUnit.objects.filter(committee=targets.city_committee).exclude(
        pk=targets.reporter_unit.pk).order_by("pk")[0]
    neighbour_before = neighbour.responsibility

    # When they list the committee's units and change their own and the other
    listed = _items(client.get(f"/api/network/committees/{targets.city_committee.pk}/members"))
    own = client.patch(f"/api/network/member-units/{targets.reporter_unit.pk}", {"responsibility": "  新的职责 "},
                       content_type="application/json")
    other = client.patch(f"/api/network/member-units/{neighbour.pk}", {"responsibility": "越权"},
                         content_type="application/json")

    # Then only their own unit is listed and changed
    assert [m["id"] for m in listed] == [targets.reporter_unit.pk]
    assert own.status_code == 200
    assert own.json()["responsibility"] == "新的职责"
    assert MemberUnit.objects.get(pk=targets.reporter_unit.pk).responsibility == "新的职责"
    assert other.status_code == 404
    assert MemberUnit.objects.get(pk=neighbour.pk).responsibility == neighbour_before


# --- institution staff ----------------------------------------------------------------------------------


def test_staff_see_only_their_institution(users, api_as, targets):
    client = api_as(users["staff"])
    inst = targets.staff_inst
    same_street = Institution.objects.filter(place=inst.place).exclude(pk=inst.pk).order_by("code")[0]

    assert [i["code"] for i in _items(client.get("/api/network/institutions"))] == [inst.code]
    assert [i["code"] for i in _items(client.get(f"/api/network/institutions?place={inst.place.code}"))] == [
        inst.code]
    assert client.get(f"/api/network/institutions/{inst.code}").json()["code"] == inst.code
    for code in (same_street.code, targets.gulou_inst_other.code, targets.taijiang_inst.code):
        assert client.get(f"/api/network/institutions/{code}").status_code == 404
    assert [p["code"] for p in _items(client.get("/api/places/"))] == [inst.place.code]
    assert client.get(f"/api/places/{targets.gulou.code}").status_code == 404
    assert _items(client.get("/api/people/profiles")) == []
    assert _items(client.get("/api/network/committees")) == []


def test_staff_change_their_institution_and_no_other(users, api_as, targets):
    # Given the staff of one institution, and another institution on the same street
    client = api_as(users["staff"])
    inst = targets.staff_inst
    same_street = Institution.objects.filter(place=inst.place).exclude(pk=inst.pk).order_by("code")[0]
    other_before = list(Institution.objects.filter(pk=same_street.pk).values())

    # When they edit both, and try to move their own elsewhere
    own = client.patch(f"/api/network/institutions/{inst.code}", {"phone": "0591-87654321"},
                       content_type="application/json")
    other = client.patch(f"/api/network/institutions/{same_street.code}", {"phone": "0591-87654321"},
                         content_type="application/json")
    moved = client.patch(f"/api/network/institutions/{inst.code}", {"place_code": targets.gulou_community.code},
                         content_type="application/json")

    # Then only the edit of their own institution, in place, goes through
    assert own.status_code == 200
    assert Institution.objects.get(pk=inst.pk).phone == "0591-87654321"
    assert other.status_code == 404
    assert list(Institution.objects.filter(pk=same_street.pk).values()) == other_before
    assert moved.status_code == 403
    assert Institution.objects.get(pk=inst.pk).place_id == inst.place_id


# --- a learner ---------------------------------------------------------------------------------------------


def test_learner_lists_exactly_their_own_profile_masked(users, api_as, targets):
    profile = targets.learner_profile
    number = crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)
    client = api_as(users["learner"])

    response = client.get("/api/people/profiles")

    body = response.json()
    assert response.status_code == 200
    assert body["count"] == 1
    [item] = body["items"]
    assert item["id"] == profile.pk
    assert item["name"] == profile.name
    assert MASKED_ID.match(item["id_number"])
    assert item["id_number"] == number[:6] + "********" + number[-4:]
    assert number not in response.content.decode()
    assert item["phone"] == profile.phone[:3] + "****" + profile.phone[-4:]
    assert profile.phone not in response.content.decode()
    # their own record, read alone, is masked too
    me = client.get("/api/people/profiles/me")
    assert me.json()["id_number"] == item["id_number"]
    assert number not in me.content.decode()
    # and nobody else is reachable, whichever filter is used
    assert _items(client.get(f"/api/people/profiles?place={GULOU}")) == [item]
    assert _items(client.get(f"/api/people/profiles?q={targets.gulou_profile.name}")) == (
        [item] if profile.name.startswith(targets.gulou_profile.name) else [])
    assert client.get(f"/api/people/profiles/{targets.gulou_profile.pk}").status_code == 404


def test_learner_reveals_their_number_and_the_view_is_audited(users, api_as, targets):
    # Given the learner, and the audit trail as it is
    learner, profile = users["learner"], targets.learner_profile
    client = api_as(learner)
    number = crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)
    before = set(AuditEvent.objects.values_list("pk", flat=True))

    # When they reveal their own ID number
    response = client.post("/api/people/profiles/me/reveal")

    # Then they get it unmasked, and exactly one "pii.view" row records who saw whose number
    assert response.status_code == 200
    assert response.json() == {"id_number": number}
    assert number[:6] + "********" + number[-4:] == profile.id_number_masked
    [event] = AuditEvent.objects.exclude(pk__in=before)
    assert (event.action, event.actor_id, event.object_type, event.object_id, event.detail) == (
        "pii.view", learner.pk, "people.learnerprofile", str(profile.pk), {"field": "id_number"})


@pytest.mark.parametrize("username", ["city_admin", "district_admin", "auditor", "staff", "admin"])
def test_nobody_else_can_reveal_the_learners_number(username, users, api_as, targets):
    # Given a user without a profile of their own, however wide their scope
    profile = targets.learner_profile
    number = crypto.decrypt(profile.id_number_encrypted, context=ID_CONTEXT)
    client = api_as(users[username])
    audit_before = AuditEvent.objects.count()

    # When they reveal, and read the learner's record
    revealed = client.post("/api/people/profiles/me/reveal")
    read = client.get(f"/api/people/profiles/{profile.pk}")

    # Then there is nothing to reveal, the number never appears, and no view is recorded
    assert revealed.status_code == 404
    assert number not in revealed.content.decode()
    assert number not in read.content.decode()
    assert AuditEvent.objects.count() == audit_before
    assert not AuditEvent.objects.filter(action="pii.view", object_id=str(profile.pk)).exists()


def test_another_resident_reveals_only_their_own_number(users, api_as, targets):
    # Given a second resident with an account and a profile of their own
    other = user_create(actor=None, username="resident_two", password=None)
    number = fresh_id_number(targets.gulou_community.code[:6])
    own = learner_profile_create(actor=other, user=other, name="第二居民", id_number=number,
                                 residence_code=targets.gulou_community.code)
    learners_number = crypto.decrypt(targets.learner_profile.id_number_encrypted, context=ID_CONTEXT)

    before = set(AuditEvent.objects.values_list("pk", flat=True))

    # When they reveal "their" number and read the first learner's record
    client = api_as(other)
    revealed = client.post("/api/people/profiles/me/reveal")
    listed = client.get("/api/people/profiles")
    read = client.get(f"/api/people/profiles/{targets.learner_profile.pk}")

    # Then they get their own number only, and the first learner stays out of reach
    assert revealed.json() == {"id_number": number}
    assert [p["id"] for p in _items(listed)] == [own.pk]
    assert read.status_code == 404
    for response in (revealed, listed, read):
        assert learners_number not in response.content.decode()
    assert list(AuditEvent.objects.exclude(pk__in=before).filter(action="pii.view")
                .values_list("actor_id", "object_id")) == [(other.pk, str(own.pk))]
