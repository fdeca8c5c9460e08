"""Every document learncity hands out is written here: spreadsheets and CSV in `sheets` (the one formula-safe
writer), PDFs in `pdf` (Typst templates filled with data), Word documents in `word` (python-docx, byte for byte
reproducible), all made with what `assets` loads (the system's
Chinese font, the app's templates; nothing fetched).

    from learncity.core import documents
    documents.workbook(), documents.csv_bytes(rows), documents.pdf_render(template, data)

Each name is taken from its module when first asked for (PEP 562's module `__getattr__`), so importing the package
imports neither openpyxl nor typst, a PDF does not import openpyxl, and a spreadsheet does not import typst.
"""

import importlib

_MODULE_OF = {
    **dict.fromkeys(("QUOTE", "CsvWriter", "SafeWorkbook", "StreamingSheet", "StreamingWorkbook", "csv_bytes",
                     "is_formula_like", "safe_text", "safe_value", "streaming_workbook", "workbook",
                     "workbook_bytes"), "sheets"),
    **dict.fromkeys(("PDF_FONTS", "PdfError", "pdf_font", "pdf_render"), "pdf"),
    **dict.fromkeys(("DocumentError", "font", "template_source"), "assets"),
    **dict.fromkeys(("FIXED_TIME", "WordDocument", "docx_bytes", "word_document"), "word"),
}

__all__ = sorted(_MODULE_OF)


def __getattr__(name: str):
    module = _MODULE_OF.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value  # asked once
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_MODULE_OF})
