"""The audit trail: every service calls `audit_record` inside its own transaction."""

from typing import Any

from learncity.core.models import AuditEvent


def audit_record(*, actor, action: str, obj=None, object_type: str = "", object_id: Any = "", **detail) -> AuditEvent:
    if obj is not None:
        object_type = object_type or obj._meta.label_lower
        object_id = object_id or obj.pk
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=user, action=action, object_type=object_type, object_id=str(object_id or ""), detail=detail
    )
