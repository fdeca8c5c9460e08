"""What a document is made with that does not come from its data: the Chinese font, found on this machine, and
the template, read from beside the app's HTML templates. The one loader of both (`font`, `template_source`):
nothing is ever fetched, so a document is made the same offline, and a template that would make Typst download
a package is refused before anything runs. Imports neither openpyxl nor typst."""

import os
import re
from pathlib import Path

FONTS = (  # the family and the folder Debian installs it in; the first one installed sets every document
    ("WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy"),  # fonts-wqy-microhei (make install)
    ("Noto Sans CJK SC", "/usr/share/fonts/opentype/noto"),  # fonts-noto-cjk
)
_PACKAGE_IMPORT = re.compile(r"""["']@[\w-]+/""")


class DocumentError(RuntimeError):
    """A document could not be made: the template is wrong, asks for something outside itself, or the font is
    missing (core.documents.pdf calls it PdfError)."""


def font() -> tuple[str, str]:
    """(family, folder) of the Chinese font the documents are set in: the folder is all of the system's fonts
    Typst sees."""
    for family, folder in FONTS:
        if os.path.isdir(folder):
            return family, folder
    raise DocumentError("no Chinese font for PDFs: install fonts-wqy-microhei (make install does); looked in "
                       + ", ".join(folder for _, folder in FONTS))


def template_source(template: Path) -> str:
    """The text of a document's template, refused when it imports a Typst package (which Typst would
    download)."""
    source = Path(template).read_text(encoding="utf-8")
    if _PACKAGE_IMPORT.search(source):
        raise DocumentError(f"{Path(template).name}: a PDF template imports no Typst package (Typst would download it)")
    return source
