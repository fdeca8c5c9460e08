"""Word documents (core/documents/word.py): opened back with python-docx they hold what was written, in the
system's Chinese font on A4; the same content gives the same bytes, in this process and another; text that looks
like a formula, a field or markup is printed as typed."""

import io
import subprocess
import sys
import zipfile
from datetime import UTC, datetime

import docx
import pytest
from docx.oxml.ns import qn

from learncity.core import documents
from learncity.core.documents.assets import font
from learncity.core.documents.word import docx_bytes, word_document

BUILD = """
from learncity.core.documents import docx_bytes, word_document
doc = word_document(title="联席会议纪要", author="市终身教育促进委员会办公室")
doc.heading("一、议题")
doc.paragraph("审议2026年工作要点\\n第二行")
doc.heading("二、出席单位", level=2)
doc.table(["单位", "职责"], [["市教育局", "牵头"], ["市人社局", "配合"]])
"""


def _build() -> bytes:
    scope: dict = {}
    exec(BUILD, scope)  # the same source as the other process runs
    return scope["docx_bytes"](scope["doc"])


def test_what_is_written_is_read_back():
    data = _build()

    opened = docx.Document(io.BytesIO(data))

    assert [(p.style.name, p.text) for p in opened.paragraphs] == [
        ("Title", "联席会议纪要"), ("Heading 1", "一、议题"), ("Normal", "审议2026年工作要点\n第二行"),
        ("Heading 2", "二、出席单位")]
    assert [[c.text for c in row.cells] for row in opened.tables[0].rows] == [
        ["单位", "职责"], ["市教育局", "牵头"], ["市人社局", "配合"]]
    assert [c.paragraphs[0].runs[0].bold for c in opened.tables[0].rows[0].cells] == [True, True]
    assert opened.tables[0].rows[1].cells[0].paragraphs[0].runs[0].bold is None


def test_page_is_a4_and_the_font_is_the_systems_chinese_font_for_every_script():
    opened = docx.Document(io.BytesIO(_build()))

    section = opened.sections[0]
    assert (round(section.page_width.cm, 1), round(section.page_height.cm, 1)) == (21.0, 29.7)
    family = font()[0]
    for name in ("Normal", "Title", "Heading 1", "Heading 2"):
        rfonts = opened.styles[name].element.rPr.find(qn("w:rFonts"))
        assert [rfonts.get(qn(a)) for a in ("w:ascii", "w:hAnsi", "w:eastAsia")] == [family] * 3, name


def test_core_properties_are_fixed():
    properties = docx.Document(io.BytesIO(_build())).core_properties

    fixed = datetime(2000, 1, 1, tzinfo=UTC)
    assert (properties.created, properties.modified, properties.last_printed) == (fixed, fixed, fixed)
    assert (properties.revision, properties.author, properties.title) == (1, "市终身教育促进委员会办公室", "联席会议纪要")


def test_same_content_same_bytes_here_and_in_another_process():
    first, second = _build(), _build()
    other = subprocess.run([sys.executable, "-c", BUILD + "import sys; sys.stdout.buffer.write(docx_bytes(doc))"],
                           capture_output=True, check=True).stdout

    assert first == second == other


def test_zip_entries_are_in_a_fixed_order_with_a_fixed_time_and_mode():
    with zipfile.ZipFile(io.BytesIO(_build())) as archive:
        infos = archive.infolist()

    names = [i.filename for i in infos]
    assert names[0] == "[Content_Types].xml"
    assert names[1:] == sorted(names[1:])
    assert {(i.date_time, i.external_attr >> 16, i.create_system) for i in infos} == {
        ((1980, 1, 1, 0, 0, 0), 0o100644, 3)}


def test_different_content_different_bytes():
    doc = word_document(title="联席会议纪要", author="市终身教育促进委员会办公室")
    doc.heading("一、议题")

    assert docx_bytes(doc) != _build()


@pytest.mark.parametrize("typed", ["=SUM(A1:A3)", "+cmd|' /C calc'!A0", "<w:t>x</w:t> &amp; { PAGE }",
                                   "*bold* _em_ #read(\"/etc/passwd\")", "@user -1"])
def test_formula_and_markup_text_is_printed_as_typed(typed):
    doc = word_document(title=typed)
    doc.paragraph(typed)
    doc.table([typed], [[typed]])

    opened = docx.Document(io.BytesIO(docx_bytes(doc)))

    assert [p.text for p in opened.paragraphs] == [typed, typed]
    assert [[c.text for c in r.cells] for r in opened.tables[0].rows] == [[typed], [typed]]
    assert b"<w:fldSimple" not in zipfile.ZipFile(io.BytesIO(docx_bytes(doc))).read("word/document.xml")


def test_characters_xml_cannot_carry_become_a_replacement_character():
    doc = word_document()
    doc.paragraph("a\x00b\x1fc\td")

    assert docx.Document(io.BytesIO(docx_bytes(doc))).paragraphs[0].text == "a\ufffdb\ufffdc\td"


def test_a_row_of_the_wrong_width_and_a_bad_heading_level_are_refused():
    doc = word_document()

    with pytest.raises(ValueError, match="row 2 has 1 cells, the header 2"):
        doc.table(["a", "b"], [["1", "2"], ["3"]])
    with pytest.raises(ValueError, match="a heading's level is 1, 2 or 3, not 4"):
        doc.heading("x", level=4)
    assert docx.Document(io.BytesIO(docx_bytes(doc))).tables == []


def test_the_package_gives_the_writer_by_name():
    assert documents.docx_bytes is docx_bytes
    assert documents.word_document is word_document
