"""Provider API keys: tokens of an institution (not of a person), for the systems that upload its learning records.

A key reads `lcp_<prefix>_<secret>`. Only its SHA-256 is stored; the key itself is shown once, when it is made.
Staff of the institution, and administrators over it, create, list and revoke its keys; each of those writes an
audit row. A key expires (365 days unless told otherwise); a revoked or expired key, or one of an institution that
is no longer active, authenticates nobody.
"""

import datetime
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.credentials import digest
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import Action
from learncity.intake.inputs import KeyInput
from learncity.intake.models import ProviderKey
from learncity.network.models import Institution

KEY_PREFIX = "lcp_"


def _institution(actor, code) -> Institution:
    if actor is None or not getattr(actor, "is_authenticated", False):
        raise PermissionDenied()
    code = (code or "").strip()
    if not code:
        raise DomainError({"institution_code": gettext("请选择机构")})
    institution = Institution.objects.restrict(actor, Action.BROWSE).filter(code=code).first()
    if institution is None:
        raise DomainError({"institution_code": gettext("未知的机构代码「%(code)s」") % {"code": code}})
    if not Institution.objects.restrict(actor, Action.CHANGE).filter(pk=institution.pk).exists():
        raise PermissionDenied(gettext("您无权管理该机构的接口密钥"))
    return institution


def provider_key_create(*, actor, institution_code: str, name: str, days: int | None = 365) -> tuple[ProviderKey, str]:
    """A new key of the institution. Returns (row, key): the key is shown only this once."""
    institution = _institution(actor, institution_code)
    data = parse(KeyInput, {"name": name, "days": days})
    name, days = data.name, data.days
    prefix = secrets.token_hex(6)
    raw = f"{KEY_PREFIX}{prefix}_{secrets.token_urlsafe(32)}"
    expires = timezone.now() + datetime.timedelta(days=days) if days else None
    with transaction.atomic():
        key = ProviderKey.objects.create(institution=institution, name=name, prefix=prefix, key_hash=digest(raw),
                                         created_by=actor, expires_at=expires)
        audit_record(actor=actor, action="intake.key.create", obj=key, institution=institution.code, name=name,
                     prefix=prefix, expires_at=expires.isoformat() if expires else None)
    return key, raw


def provider_key_list(*, actor, institution_code: str | None = None) -> QuerySet[ProviderKey]:
    """The keys of the institutions the actor manages (of one, given its code), newest first, revoked ones too."""
    keys = ProviderKey.objects.restrict(actor, Action.VIEW).select_related("institution", "created_by")
    if institution_code:
        keys = keys.filter(institution__code=institution_code)
    return keys.order_by("-created_at", "-pk")


def provider_key_get(*, actor, pk) -> ProviderKey:
    """One key the actor manages; any other is answered as if it did not exist."""
    key = provider_key_list(actor=actor).filter(pk=pk).first() if str(pk).isdigit() else None
    if key is None:
        raise NotFound(gettext("未找到该接口密钥"))
    return key


def provider_key_revoke(*, actor, key: ProviderKey) -> ProviderKey:
    """Revoke a key for good (revoking it again changes nothing)."""
    if not ProviderKey.objects.restrict(actor, Action.CHANGE).filter(pk=key.pk).exists():
        raise PermissionDenied(gettext("您无权管理该机构的接口密钥"))
    with transaction.atomic():
        locked = ProviderKey.objects.select_for_update().get(pk=key.pk)
        if locked.revoked_at is None:
            locked.revoked_at = timezone.now()
            locked.save(update_fields=["revoked_at"])
            audit_record(actor=actor, action="intake.key.revoke", obj=locked, institution=key.institution.code,
                         prefix=locked.prefix)
        key.revoked_at = locked.revoked_at
    return key


def provider_key_status(key: ProviderKey, *, now=None) -> str:
    """"active", "revoked" or "expired", for the pages and the API."""
    return key.status(now)


def provider_key_authenticate(raw: str) -> ProviderKey | None:
    """The key behind a bearer token `lcp_…`, or None for an unknown, revoked or expired one."""
    key = ProviderKey.presented(raw, KEY_PREFIX, "institution")
    if key is None:
        return None
    now = timezone.now()
    if key.status(now) != "active" or not key.institution.is_active:
        return None
    key.use_record(now)
    return key
