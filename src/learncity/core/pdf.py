"""Every PDF is a Typst template (a `.typ` file beside the app's HTML templates) given its data as JSON: the
template lays the document out, the data only fills it, so a course title or a name that looks like Typst markup
(`#read("/etc/passwd")`, `*bold*`) is printed as it is typed. Typst was chosen on `learncity bench documents`:
a page in tens of milliseconds warm and well under a second cold, where WeasyPrint took 2.7 s to import and
0.3 s a page. Nothing is fetched: the font is the system's WenQuanYi Micro Hei (Debian's fonts-wqy-microhei,
installed by `make install`) or Noto Sans CJK SC, the template may read only files beside it, and a template
that imports a Typst package (which Typst would download) is refused.

    pdf_render(Path(".../templates/creditbank/transcript.typ"), {"title": …}, images={"qr": "<svg …>"})  # bytes
"""

import json
import os
import re
import threading
from pathlib import Path

PDF_FONTS = (  # the family and the folder Debian installs it in; the first one installed sets every PDF
    ("WenQuanYi Micro Hei", "/usr/share/fonts/truetype/wqy"),  # fonts-wqy-microhei (make install)
    ("Noto Sans CJK SC", "/usr/share/fonts/opentype/noto"),  # fonts-noto-cjk
)
_PACKAGE_IMPORT = re.compile(r"""["']@[\w-]+/""")


class PdfError(RuntimeError):
    """A PDF could not be made: the template is wrong, asks for something outside itself, or the font is missing."""


def pdf_font() -> tuple[str, str]:
    """(family, folder) of the Chinese font the PDFs are set in: the folder is all of the system's fonts Typst sees."""
    for family, folder in PDF_FONTS:
        if os.path.isdir(folder):
            return family, folder
    raise PdfError("no Chinese font for PDFs: install fonts-wqy-microhei (make install does); looked in "
                   + ", ".join(folder for _, folder in PDF_FONTS))


_compilers = threading.local()


def _compiler(root: str):
    import typst

    cache = _compilers.__dict__.setdefault("by_root", {})
    if root not in cache:  # one a thread: a compiler keeps its loaded fonts, and is not shared between threads
        cache[root] = typst.Compiler(root=root, font_paths=[pdf_font()[1]], ignore_system_fonts=True)
    return cache[root]


def pdf_render(template: Path, data: dict, *, images: dict[str, str] | None = None) -> bytes:
    """The PDF of a Typst template filled with `data` (read in the template as
    `json(bytes(sys.inputs.data))`) and `images` (SVG text, read as `image(bytes(sys.inputs.at(name)))`); the
    font's family is `sys.inputs.font`.

    Raises PdfError naming the template and what went wrong; a warning (a font Typst cannot find, which would
    print boxes for Chinese) is an error too."""
    import typst

    template = Path(template)
    source = template.read_text(encoding="utf-8")
    if _PACKAGE_IMPORT.search(source):
        raise PdfError(f"{template.name}: a PDF template imports no Typst package (Typst would download it)")
    if {"data", "font"} & set(images or {}):
        raise PdfError(f"{template.name}: an image may not be called 'data' or 'font'")
    inputs = {"data": json.dumps(data, ensure_ascii=False, default=str), "font": pdf_font()[0], **(images or {})}
    try:
        pdf, warnings = _compiler(str(template.parent)).compile_with_warnings(
            input=str(template), sys_inputs=inputs, format="pdf")
    except typst.TypstError as exc:
        raise PdfError(f"{template.name}: {exc}") from exc
    if warnings:
        raise PdfError(f"{template.name}: " + "; ".join(str(w) for w in warnings))
    return pdf
