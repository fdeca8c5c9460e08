"""Intake's input schemas (core.inputs): an upload's command and a new provider key's, one each for the page
forms, the API and the import command. The services receive them parsed; a wrong field is refused with the
message, and on the field, the services gave before.

Both are checked after who may act is (`services.job_submit`, `keys.provider_key_create` decide that first), so a
user who may not act hears that, whatever else is wrong.
"""

from typing import Any

from django.utils.translation import gettext
from pydantic import ConfigDict, field_validator

from learncity.core.inputs import Input
from learncity.intake.models import JobMode, JobSource

MAX_DAYS = 3650  # a provider key's longest life


class UploadInput(Input):
    """What to do with a file's rows in error, and where the upload came from. Not stripped: a mode is a code."""

    model_config = ConfigDict(extra="ignore", frozen=True)

    mode: str = JobMode.ALL_OR_NOTHING
    source: str = JobSource.PAGE

    @field_validator("mode")
    @classmethod
    def _mode(cls, mode: str) -> str:
        if mode not in JobMode.values:
            raise ValueError(gettext("未知的处理方式「%(m)s」") % {"m": mode})
        return mode

    @field_validator("source")
    @classmethod
    def _source(cls, source: str) -> str:
        if source not in JobSource.values:
            raise ValueError(gettext("未知的来源「%(s)s」") % {"s": source})
        return source


class KeyInput(Input):
    """A new provider key: its name (what system uses it) and the days it lives (None: for ever)."""

    name: Any = ""
    days: Any = 365

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, name) -> str:
        name = (name or "").strip()
        if not name or len(name) > 64:
            raise ValueError(gettext("密钥名称不能为空，且不超过 64 个字"))
        return name

    @field_validator("days", mode="before")
    @classmethod
    def _days(cls, days) -> int | None:
        # a whole number of days as a number, not as text: a form's field or the API's body has made it one
        if days is not None and (isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= MAX_DAYS):
            raise ValueError(gettext("有效天数应在 1–%(MAX_DAYS)s 之间") % {"MAX_DAYS": MAX_DAYS})
        return days
