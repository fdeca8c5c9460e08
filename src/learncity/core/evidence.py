"""Evidence files (a declaration's certificates, a progress update's photos and signed reports): what is taken, by
their content not their name, how many and how large. Kept in the database by the app that takes them, so a row
and its files are written in one transaction (nothing half-written on disk)."""

from django.conf import settings
from django.utils.translation import gettext

from learncity.core import uploads

EVIDENCE_TYPES = {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}
EVIDENCE_MAX_BYTES = 10 * 1024 * 1024  # and never more than LEARNCITY_MAX_UPLOAD_BYTES: see evidence_max_bytes
EVIDENCE_MAX_FILES = 5


def evidence_max_bytes() -> int:
    """The size an evidence file may have: 10 MB, or less when LEARNCITY_MAX_UPLOAD_BYTES says less."""
    return min(EVIDENCE_MAX_BYTES, settings.LEARNCITY_MAX_UPLOAD_BYTES)


def sniff(content: bytes) -> str | None:
    """The evidence type of a file by its first bytes (PDF, JPEG, PNG), or None."""
    if content.startswith(b"%PDF-"):
        return "application/pdf"
    if content.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if content.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    return None


def evidence_checked(errors: dict, files: list[tuple[str, bytes]], *, required: str | None = None,
                     key: str = "evidence") -> list[tuple[str, str, bytes]]:
    """(name, content type, content) of each evidence file: at most EVIDENCE_MAX_FILES, none empty or too big,
    each a PDF, JPEG or PNG by its content. What is wrong goes to errors[key]; `required`, when given, is the
    message for no file at all."""
    if not files and required:
        errors[key] = required
    elif len(files) > EVIDENCE_MAX_FILES:
        errors[key] = gettext("证明材料最多 %(EVIDENCE_MAX_FILES)s 份") % {"EVIDENCE_MAX_FILES": EVIDENCE_MAX_FILES}
    checked = []
    for name, content in files:
        mime = sniff(content or b"")
        if not content:
            errors[key] = gettext("文件「%(name)s」是空的") % {"name": name}
        elif len(content) > evidence_max_bytes():
            errors[key] = uploads.too_big(len(content), limit=evidence_max_bytes(), name=name).summary
        elif mime is None:
            errors[key] = gettext("文件「%(name)s」不是 PDF、JPG 或 PNG") % {"name": name}
        else:
            checked.append((name[:200], mime, content))
    return checked
