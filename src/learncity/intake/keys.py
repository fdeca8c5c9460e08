"""Provider API keys: tokens of an institution (not of a person), for the systems that upload its learning records.

A key reads `lcp_<prefix>_<secret>`. Only its SHA-256 is stored; the key itself is shown once, when it is made.
Staff of the institution, and administrators over it, create, list and revoke its keys; each of those writes an
audit row. A key expires (365 days unless told otherwise); a revoked or expired key, or one of an institution that
is no longer active, authenticates nobody.
"""

import datetime
import hashlib
import hmac
import secrets

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext

from learncity.core.audit import audit_record
from learncity.core.errors import DomainError, NotFound, PermissionDenied
from learncity.core.inputs import parse
from learncity.core.scopes import Action
from learncity.intake.inputs import KeyInput
from learncity.intake.models import ProviderKey
from learncity.network.models import Institution

KEY_PREFIX = "lcp_"
USE_RECORDED_EVERY = datetime.timedelta(minutes=5)  # last_used_at is written at most this often per key


def _digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


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
        key = ProviderKey.objects.create(institution=institution, name=name, prefix=prefix, key_hash=_digest(raw),
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
    now = now or timezone.now()
    if key.revoked_at is not None:
        return "revoked"
    if key.expires_at is not None and key.expires_at <= now:
        return "expired"
    return "active"


def provider_key_authenticate(raw: str) -> ProviderKey | None:
    """The key behind a bearer token `lcp_…`, or None for an unknown, revoked or expired one."""
    if not raw or not raw.startswith(KEY_PREFIX):
        return None
    prefix = raw[len(KEY_PREFIX):].split("_", 1)[0]
    if not prefix:
        return None
    # (No actor to restrict by: the key is the actor, and this finds who it is.)
    key = ProviderKey.objects.select_related("institution").filter(prefix=prefix).first()
    if key is None or not hmac.compare_digest(key.key_hash, _digest(raw)):
        return None
    now = timezone.now()
    if provider_key_status(key, now=now) != "active" or not key.institution.is_active:
        return None
    if key.last_used_at is None or now - key.last_used_at > USE_RECORDED_EVERY:
        ProviderKey.objects.filter(pk=key.pk).update(last_used_at=now)
        key.last_used_at = now
    return key
