"""The PDF writer's old import path: PDFs are made by core.documents.pdf (`from learncity.core import documents`,
then `documents.pdf_render`). Kept while catalog/timetable.py, monitoring/reports.py and
creditbank/transcript_pdf.py still import it from here."""

from learncity.core.documents.pdf import PDF_FONTS, PdfError, pdf_font, pdf_render

__all__ = ["PDF_FONTS", "PdfError", "pdf_font", "pdf_render"]
