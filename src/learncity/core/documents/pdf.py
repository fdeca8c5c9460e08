"""Every PDF is a Typst template (a `.typ` file beside the app's HTML templates) given its data as JSON: the
template lays the document out, the data only fills it, so a course title or a name that looks like Typst markup
(`#read("/etc/passwd")`, `*bold*`) is printed as it is typed. Typst was chosen on `learncity bench documents`:
a page in tens of milliseconds warm and well under a second cold, where WeasyPrint took 2.7 s to import and
0.3 s a page. Nothing is fetched (core.documents.assets is the one loader of what a document is made with): the
font is the system's WenQuanYi Micro Hei (Debian's fonts-wqy-microhei, installed by `make install`) or Noto Sans
CJK SC, the template may read only files beside it, and a template that imports a Typst package (which Typst
would download) is refused.

    pdf_render(Path(".../templates/creditbank/transcript.typ"), {"title": …}, images={"qr": "<svg …>"})  # bytes
"""

import json
import threading
from pathlib import Path

from .assets import FONTS as PDF_FONTS
from .assets import DocumentError as PdfError
from .assets import font as pdf_font
from .assets import template_source

__all__ = ["PDF_FONTS", "PdfError", "pdf_font", "pdf_render"]

_compilers = threading.local()


def _compiler(root: str):
    import typst  # here, not at the top: a heavy library only a PDF needs, loaded on the first PDF

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
    import typst  # here, not at the top: a heavy library only a PDF needs, loaded on the first PDF

    template = Path(template)
    template_source(template)  # refused when it would fetch a package
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
