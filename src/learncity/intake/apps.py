from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.intake"
    verbose_name = _("数据报送")

    def ready(self):
        from learncity.core.followups import answer
        from learncity.intake.services import jobs_blocking_pii_rotation, staged_hashes_forget

        # A rotation of the personal-data key (people) waits for running imports and forgets the staged rows'
        # hashes made under the old key (core/followups.py).
        answer("pii_rotation_blockers", self.label, jobs_blocking_pii_rotation)
        answer("pii_rotated", self.label, staged_hashes_forget)
