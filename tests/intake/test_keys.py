"""Provider API keys: staff of an institution (and administrators over it) create, list and revoke its keys; the key
is shown once and stored as SHA-256; a revoked or expired key authenticates nobody; another institution's staff
are refused, and nothing changes when they are."""

import datetime
import hashlib

import pytest
from django.utils import timezone

from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.models import AuditEvent
from learncity.intake import keys
from learncity.intake.models import ProviderKey
from learncity.network.models import Institution

pytestmark = pytest.mark.django_db


@pytest.fixture
def other_school(world) -> Institution:
    """An institution in the same district (通川区) that is not the staff member's."""
    return world.other_school


@pytest.fixture
def far_school(world) -> Institution:
    """An institution in the other district (达川区)."""
    return world.far_school


def _state():
    return (list(ProviderKey.objects.order_by("pk").values_list("pk", "revoked_at")), AuditEvent.objects.count())


def test_staff_create_a_key_shown_once_and_stored_as_its_sha256(world, school):
    # Given the staff member of a school
    staff = world["staff"]
    audits = AuditEvent.objects.count()

    # When they create a key
    key, raw = keys.provider_key_create(actor=staff, institution_code=school.code, name="教务系统")

    # Then the key reads lcp_<prefix>_<secret>, only its hash is kept, and it expires in a year
    assert raw.startswith(f"lcp_{key.prefix}_") and len(raw) > 50
    stored = ProviderKey.objects.get(pk=key.pk)
    assert stored.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in {stored.key_hash, stored.prefix, stored.name}
    assert (stored.institution_id, stored.name, stored.created_by_id) == (school.pk, "教务系统", staff.pk)
    expected_expiry = timezone.now() + datetime.timedelta(days=365)
    assert abs((stored.expires_at - expected_expiry).total_seconds()) < 60
    event = AuditEvent.objects.order_by("-pk")[0]
    assert AuditEvent.objects.count() == audits + 1
    assert (event.action, event.actor_id, event.object_id) == ("intake.key.create", staff.pk, str(key.pk))
    assert event.detail["institution"] == school.code and raw not in str(event.detail)
    # and the key authenticates as that institution's
    assert keys.provider_key_authenticate(raw) == key
    assert keys.provider_key_authenticate(raw).institution == school


def test_a_key_that_is_wrong_in_any_part_authenticates_nobody(world, school):
    _, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="系统")
    prefix, secret = raw[len("lcp_"):].split("_", 1)
    for wrong in ("", "lcp_", f"lcp_{prefix}", f"lcp_{prefix}_{secret}x", f"lcp_{prefix}_{secret[:-1]}",
                  f"lc_{prefix}_{secret}", f"lcp_000000000000_{secret}", raw.upper()):
        assert keys.provider_key_authenticate(wrong) is None, wrong


def test_list_shows_the_keys_of_the_institutions_one_manages(world, school, other_school, far_school):
    # Given keys of the staff's school, of another school in 通川区, and of a school in 达川区
    mine, _ = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="甲")
    other, _ = keys.provider_key_create(actor=world["district_admin"], institution_code=other_school.code, name="乙")
    far, _ = keys.provider_key_create(actor=world["city_admin"], institution_code=far_school.code, name="丙")
    made = {mine.pk, other.pk, far.pk}

    def listed(user, code=None):
        return {k.pk for k in keys.provider_key_list(actor=user, institution_code=code)} & made

    # Then each sees the keys of what they run: staff their school, the district its schools, the city all
    assert listed(world["staff"]) == {mine.pk}
    assert listed(world["district_admin"]) == {mine.pk, other.pk}
    assert listed(world["district_admin"], other_school.code) == {other.pk}
    assert listed(world["city_admin"]) == made
    # and nobody else: learners, auditors and expert reviewers manage no keys
    for name in ("learner", "auditor", "expert", "reporter", "district_admin_2"):
        assert listed(world[name]) <= ({far.pk} if name == "district_admin_2" else set()), name
    with pytest.raises(NotFound):
        keys.provider_key_get(actor=world["staff"], pk=other.pk)
    assert keys.provider_key_get(actor=world["district_admin"], pk=other.pk) == other


@pytest.mark.parametrize("who", ["staff", "learner", "auditor", "expert", "district_admin_2"])
def test_another_institutions_staff_and_other_roles_may_not_create_a_key(who, world, other_school):
    before = _state()
    with pytest.raises(PermissionDenied):
        keys.provider_key_create(actor=world[who], institution_code=other_school.code, name="越权")
    assert _state() == before


def test_nobody_signed_in_may_create_a_key(school):
    from django.contrib.auth.models import AnonymousUser

    before = _state()
    for actor in (None, AnonymousUser()):
        with pytest.raises(PermissionDenied):
            keys.provider_key_create(actor=actor, institution_code=school.code, name="匿名")
    assert _state() == before


@pytest.mark.parametrize(("kwargs", "field", "message"), [
    ({"name": ""}, "name", "密钥名称不能为空，且不超过 64 个字"),
    ({"name": "长" * 65}, "name", "密钥名称不能为空，且不超过 64 个字"),
    ({"days": 0}, "days", "有效天数应在 1–3650 之间"),
    ({"days": 3651}, "days", "有效天数应在 1–3650 之间"),
    ({"days": "30"}, "days", "有效天数应在 1–3650 之间"),
    ({"institution_code": "NO-SUCH"}, "institution_code", "未知的机构代码「NO-SUCH」"),
    ({"institution_code": ""}, "institution_code", "请选择机构"),
])
def test_bad_input_is_refused_on_its_field(kwargs, field, message, world, school):
    before = _state()
    args = {"institution_code": school.code, "name": "系统", **kwargs}
    with pytest.raises(DomainError) as refused:
        keys.provider_key_create(actor=world["staff"], **args)
    assert refused.value.errors == {field: [message]}
    assert _state() == before


def test_a_revoked_key_authenticates_nobody_and_revoking_twice_changes_nothing(world, school):
    # Given a key in use
    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="旧系统")
    assert keys.provider_key_authenticate(raw) == key

    # When an administrator over the school revokes it
    keys.provider_key_revoke(actor=world["district_admin"], key=key)

    # Then it no longer authenticates, shows as revoked, and the revocation is audited once
    assert keys.provider_key_authenticate(raw) is None
    revoked_at = ProviderKey.objects.get(pk=key.pk).revoked_at
    assert revoked_at is not None and keys.provider_key_status(key) == "revoked"
    assert AuditEvent.objects.filter(action="intake.key.revoke", object_id=str(key.pk)).count() == 1
    keys.provider_key_revoke(actor=world["staff"], key=key)
    assert ProviderKey.objects.get(pk=key.pk).revoked_at == revoked_at
    assert AuditEvent.objects.filter(action="intake.key.revoke", object_id=str(key.pk)).count() == 1


@pytest.mark.parametrize("who", ["district_admin_2", "learner", "auditor"])
def test_another_institutions_staff_may_not_revoke_a_key(who, world, school):
    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="系统")
    before = _state()
    with pytest.raises(PermissionDenied):
        keys.provider_key_revoke(actor=world[who], key=key)
    with pytest.raises(NotFound):
        keys.provider_key_get(actor=world[who], pk=key.pk)
    assert _state() == before
    assert keys.provider_key_authenticate(raw) == key


def test_an_expired_key_authenticates_nobody(world, school):
    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="短期", days=1)
    assert keys.provider_key_authenticate(raw) == key
    ProviderKey.objects.filter(pk=key.pk).update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    assert keys.provider_key_authenticate(raw) is None
    assert keys.provider_key_status(ProviderKey.objects.get(pk=key.pk)) == "expired"


def test_a_key_of_an_institution_no_longer_active_authenticates_nobody(world, school):
    _, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="系统")
    Institution.objects.filter(pk=school.pk).update(is_active=False)
    assert keys.provider_key_authenticate(raw) is None


def test_use_is_recorded_at_most_every_few_minutes(world, school):
    key, raw = keys.provider_key_create(actor=world["staff"], institution_code=school.code, name="系统")
    assert ProviderKey.objects.get(pk=key.pk).last_used_at is None
    keys.provider_key_authenticate(raw)
    first = ProviderKey.objects.get(pk=key.pk).last_used_at
    assert first is not None
    keys.provider_key_authenticate(raw)
    assert ProviderKey.objects.get(pk=key.pk).last_used_at == first
