"""Shared tables with no domain of their own: the audit trail."""

from django.conf import settings
from django.db import models

from learncity.core.scopes import RestrictedManager, rules, scoped


# The trail is read in the Django admin only (no page lists it): a superuser's.
@scoped(view=rules.superuser_only())
class AuditEvent(models.Model):
    """One row per write, and per view of an unmasked personal record. Written in the same transaction."""

    at = models.DateTimeField(auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    action = models.CharField(max_length=64, db_index=True)
    object_type = models.CharField(max_length=64)
    object_id = models.CharField(max_length=64, blank=True)
    detail = models.JSONField(default=dict, blank=True)

    objects = RestrictedManager()

    class Meta:
        ordering = ["-at", "-id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type}:{self.object_id}"


# Version numbers say nothing about anyone: every request reads them.
@scoped(browse=rules.public(), view=rules.public())
class CacheVersion(models.Model):
    """A version number per kind of cached content ("catalog", "monitoring", …). The services that change that
    content bump it in their transaction; cache keys carry it, so a change shows on the next request everywhere
    (every worker process, every cache backend) without deleting keys. See learncity.core.cache."""

    name = models.CharField(max_length=32, primary_key=True)
    version = models.BigIntegerField(default=0)

    objects = RestrictedManager()

    def __str__(self) -> str:
        return f"{self.name} v{self.version}"
