"""What a bearer credential is, whoever holds it (a person's API token, an institution's provider key): a row found
by the prefix of `<lead><prefix>_<secret>`, holding only the SHA-256 of the whole; made, perhaps expiring, last used,
perhaps revoked."""

import datetime
import hashlib
import hmac

from django.db import models
from django.utils import timezone

from learncity.core.scopes import RestrictedManager

USE_RECORDED_EVERY = datetime.timedelta(minutes=5)  # last_used_at is written at most this often per credential


def digest(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class Credential(models.Model):
    """The life of a credential. A subclass names the hash's field (`hash_field`) and its own owner."""

    hash_field = ""

    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    objects = RestrictedManager()

    class Meta:
        abstract = True
        ordering = ["-created_at"]

    @classmethod
    def presented(cls, raw: str, lead: str, *related: str):
        """The row behind `raw` if it reads `<lead><prefix>_…` and its hash matches, whatever its status; else None.
        Not restricted: the credential is the actor, and this finds who it is."""
        if not raw or not raw.startswith(lead):
            return None
        prefix = raw[len(lead):].split("_", 1)[0]
        if not prefix:
            return None
        row = cls.objects.unscoped("a credential being looked up: it is the actor").select_related(*related).filter(
            prefix=prefix).first()
        if row is None or not hmac.compare_digest(getattr(row, cls.hash_field), digest(raw)):
            return None
        return row

    def status(self, now: datetime.datetime | None = None) -> str:
        """"active", "revoked" or "expired"."""
        now = now or timezone.now()
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at is not None and self.expires_at <= now:
            return "expired"
        return "active"

    def use_record(self, now: datetime.datetime) -> None:
        """Stamp the use, at most every USE_RECORDED_EVERY (a write on every request would be one too many)."""
        if self.last_used_at is None or now - self.last_used_at > USE_RECORDED_EVERY:
            type(self).objects.unscoped("the credential just presented, its use stamped").filter(pk=self.pk).update(
                last_used_at=now)
            self.last_used_at = now
