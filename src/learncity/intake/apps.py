from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "learncity.intake"
    verbose_name = _("数据报送")
    # A rotation of the personal-data key (people) waits for running imports and forgets the staged rows' hashes
    # made under the old key (core/followups.py).
    followups = {"pii_rotation_blockers": "learncity.intake.services.jobs_blocking_pii_rotation",
                 "pii_rotated": "learncity.intake.services.staged_hashes_forget"}
