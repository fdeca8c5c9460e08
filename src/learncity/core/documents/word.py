"""Every Word document learncity hands out is built here: a small builder over python-docx (a title, headings,
paragraphs, tables with a header row) on A4 in the system's Chinese font (core.documents.assets.font()), and
`docx_bytes(doc)`, which is the same BYTE FOR BYTE for the same content, so a minutes or a consolidated report
downloaded twice is one file (a checksum, a signature or a diff holds).

What would otherwise change between two saves of the same content, and how it is fixed:
- the core properties (created, modified, last printed, revision, author, last modified by): set to fixed values
  (`FIXED_TIME`, revision 1, the author given, "learncity" by default);
- the zip: every entry rewritten in one fixed order ([Content_Types].xml first, as Office expects, then by
  name), with a fixed date and time (1980-01-01 00:00:00, the zip format's first), fixed permissions (0644), a
  Unix origin and one compression level.

Text is written as text: a value that looks like a formula (`=SUM(A1:A3)`), a field or markup (`<w:t>`, `{ PAGE }`,
`*bold*`) is printed as it is typed (Word evaluates nothing in a run's text); characters XML cannot carry
(controls other than tab and line breaks) become U+FFFD instead of failing the document.

    doc = word_document(title="联席会议纪要")
    doc.heading("一、议题"); doc.paragraph("…"); doc.table(["单位", "职责"], [["市教育局", "牵头"]])
    docx_bytes(doc)  # bytes
"""

import io
import re
import zipfile
from collections.abc import Iterable, Sequence
from datetime import datetime

from .assets import font

__all__ = ["FIXED_TIME", "WordDocument", "docx_bytes", "word_document"]

FIXED_TIME = datetime(2000, 1, 1, 0, 0, 0)  # the core properties' dates: naive, read by python-docx as UTC
_ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_ZIP_MODE = 0o100644 << 16  # a regular file, rw-r--r--
_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_HEADING_SIZES = {0: 18, 1: 15, 2: 13, 3: 12}  # points: the title, then headings by level


def clean(text) -> str:
    """The text as a run carries it: a string, XML-safe (an illegal character becomes U+FFFD)."""
    return _ILLEGAL.sub("\ufffd", "" if text is None else str(text))


class WordDocument:
    """A python-docx document set up for learncity (A4, 2.5 cm margins, the Chinese font in every style used),
    written to by its methods; `.document` is the python-docx object for anything they do not cover."""

    def __init__(self, *, title: str = "", author: str = "learncity"):
        import docx  # here, not at the top: only a Word document needs python-docx
        from docx.shared import Cm

        self.document = docx.Document()
        self.author = author
        self.title_text = title
        section = self.document.sections[0]
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.top_margin = section.bottom_margin = Cm(2.5)
        section.left_margin = section.right_margin = Cm(2.5)
        family = font()[0]
        for name in ("Normal", "Title", "Heading 1", "Heading 2", "Heading 3", "Table Grid"):
            _set_font(self.document.styles[name], family, _HEADING_SIZES.get(_LEVEL_OF.get(name, -1)))
        if title:
            self.title(title)

    def title(self, text: str):
        """The document's title, centred."""
        from docx.enum.text import WD_ALIGN_PARAGRAPH

        paragraph = self.document.add_heading(clean(text), level=0)
        paragraph.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return paragraph

    def heading(self, text: str, level: int = 1):
        """A heading of level 1 to 3."""
        if level not in (1, 2, 3):
            raise ValueError(f"a heading's level is 1, 2 or 3, not {level!r}")
        return self.document.add_heading(clean(text), level=level)

    def paragraph(self, text: str = "", *, bold: bool = False):
        """A paragraph of text; its line breaks stay line breaks within the paragraph."""
        paragraph = self.document.add_paragraph()
        for number, line in enumerate(clean(text).split("\n")):
            run = paragraph.add_run()
            if number:
                run.add_break()
            run.add_text(line)
            run.bold = bold or None
        return paragraph

    def paragraphs(self, text: str):
        """One paragraph for each non-blank line of the text (minutes typed as lines)."""
        for line in clean(text).splitlines():
            if line.strip():
                self.paragraph(line)

    def table(self, header: Sequence[str], rows: Iterable[Sequence]):
        """A table in a grid: the header row in bold, then the rows (each a sequence of values, as many as the
        header)."""
        header = [clean(h) for h in header]
        rows = [[clean(v) for v in row] for row in rows]
        for number, row in enumerate(rows, start=1):
            if len(row) != len(header):
                raise ValueError(f"row {number} has {len(row)} cells, the header {len(header)}")
        table = self.document.add_table(rows=1 + len(rows), cols=len(header))
        table.style = self.document.styles["Table Grid"]
        for cells, values, bold in ((table.rows[0].cells, header, True),
                                    *((r.cells, v, False) for r, v in zip(table.rows[1:], rows, strict=True))):
            for cell, value in zip(cells, values, strict=True):
                run = cell.paragraphs[0].add_run(value)
                run.bold = bold or None
        return table

    def blocks(self, items: Iterable[tuple]) -> None:
        """Many headings, paragraphs and tables at once, the same as `heading`, `paragraph` and `table` would write
        them, but built as one piece of XML and parsed once: python-docx's per-cell calls cost milliseconds each,
        so a report of a few thousand cells is written in a fraction of the time. Items:
        ("heading", text, level), ("paragraph", text, bold), ("table", header, rows)."""
        from docx.oxml import parse_xml
        from docx.shared import Length

        parts = []
        section = self.document.sections[0]
        width = Length(section.page_width - section.left_margin - section.right_margin)
        for item in items:
            kind = item[0]
            if kind == "heading":
                if item[2] not in (1, 2, 3):
                    raise ValueError(f"a heading's level is 1, 2 or 3, not {item[2]!r}")
                parts.append(f'<w:p><w:pPr><w:pStyle w:val="Heading{item[2]}"/></w:pPr>{_runs(item[1])}</w:p>')
            elif kind == "paragraph":
                parts.append(f"<w:p>{_runs(item[1], bold=item[2])}</w:p>")
            elif kind == "table":
                parts.append(_table_xml(item[1], item[2], int(width.twips)))
            else:
                raise ValueError(f"unknown block {kind!r}")
        if not parts:
            return
        body = self.document.element.body
        fragment = parse_xml(f'<w:body xmlns:w="{_W}">{"".join(parts)}</w:body>')
        anchor = body.sectPr
        for element in list(fragment):
            if anchor is not None:
                anchor.addprevious(element)
            else:
                body.append(element)



_LEVEL_OF = {"Title": 0, "Heading 1": 1, "Heading 2": 2, "Heading 3": 3}


def _set_font(style, family: str, size: int | None) -> None:
    """The style's font for Latin and East Asian text alike (python-docx's `font.name` sets only the Latin)."""
    from docx.oxml.ns import qn
    from docx.shared import Pt, RGBColor

    style.font.name = family
    rpr = style.element.get_or_add_rPr()
    rfonts = rpr.find(qn("w:rFonts"))
    for attribute in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        rfonts.set(qn(attribute), family)
    for theme in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(theme), None)
    if size:
        style.font.size = Pt(size)
        style.font.color.rgb = RGBColor(0, 0, 0)


def word_document(*, title: str = "", author: str = "learncity") -> WordDocument:
    """A new Word document (A4, the Chinese font), with its title when one is given."""
    return WordDocument(title=title, author=author)


def docx_bytes(doc: WordDocument) -> bytes:
    """The .docx of the document: the same bytes for the same content (see the module's docstring)."""
    properties = doc.document.core_properties
    properties.author = properties.last_modified_by = doc.author
    properties.title = clean(doc.title_text)
    properties.created = properties.modified = properties.last_printed = FIXED_TIME
    properties.revision = 1
    buffer = io.BytesIO()
    doc.document.save(buffer)
    return _normalised_zip(buffer.getvalue())


def _normalised_zip(data: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        entries = {info.filename: source.read(info) for info in source.infolist()}
    order = sorted(entries, key=lambda name: (name != "[Content_Types].xml", name))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as target:
        for name in order:
            info = zipfile.ZipInfo(name, date_time=_ZIP_TIME)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3
            info.external_attr = _ZIP_MODE
            target.writestr(info, entries[name], compress_type=zipfile.ZIP_DEFLATED, compresslevel=6)
    return out.getvalue()


_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"


def _escaped(text: str) -> str:
    from xml.sax.saxutils import escape

    return escape(clean(text))


def _runs(text, *, bold: bool = False) -> str:
    """A paragraph's runs for `text`, its line breaks kept as breaks (as `WordDocument.paragraph` writes them)."""
    props = "<w:rPr><w:b/></w:rPr>" if bold else ""
    out = []
    for number, line in enumerate(clean(text).split("\n")):
        br = "<w:br/>" if number else ""
        out.append(f'<w:r>{props}{br}<w:t xml:space="preserve">{_escaped(line)}</w:t></w:r>')
    return "".join(out)


def _table_xml(header: Sequence[str], rows: Iterable[Sequence], width: int) -> str:
    """A grid table as `WordDocument.table` writes it: the header row in bold, equal columns over the text width."""
    header = list(header)
    rows = [list(r) for r in rows]
    for number, row in enumerate(rows, start=1):
        if len(row) != len(header):
            raise ValueError(f"row {number} has {len(row)} cells, the header {len(header)}")
    col = width // max(1, len(header))
    tc = f'<w:tc><w:tcPr><w:tcW w:type="dxa" w:w="{col}"/></w:tcPr><w:p>'

    def row_xml(values, bold):
        props = "<w:rPr><w:b/></w:rPr>" if bold else ""
        return "<w:tr>" + "".join(f'{tc}<w:r>{props}<w:t xml:space="preserve">{_escaped(v)}</w:t></w:r></w:p></w:tc>'
                                  for v in values) + "</w:tr>"

    return ('<w:tbl><w:tblPr><w:tblStyle w:val="TableGrid"/><w:tblW w:type="auto" w:w="0"/>'
            '<w:tblLook w:firstColumn="1" w:firstRow="1" w:lastColumn="0" w:lastRow="0" w:noHBand="0" w:noVBand="1" '
            'w:val="04A0"/></w:tblPr><w:tblGrid>' + f'<w:gridCol w:w="{col}"/>' * len(header) + "</w:tblGrid>"
            + row_xml(header, True) + "".join(row_xml(r, False) for r in rows) + "</w:tbl>")
