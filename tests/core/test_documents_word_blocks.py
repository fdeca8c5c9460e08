"""WordDocument.blocks (core/documents/word.py): many headings, paragraphs and tables written as one piece of XML
read back exactly as the same content written call by call; text is escaped, not read as markup; a row of the
wrong width and an unknown block are refused before anything is written."""

import io

import docx
import pytest

from learncity.core.documents.word import docx_bytes, word_document

HEADER = ["单位", "人数 <人>"]
ROWS = [["市教育局", "1,200"], ["=SUM(A1:A3)", "&amp; { PAGE }"], ["  前后空格  ", "\x07"]]


def _read(data: bytes):
    opened = docx.Document(io.BytesIO(data))
    paragraphs = [(p.style.name, p.text, [bool(r.bold) for r in p.runs]) for p in opened.paragraphs]
    tables = [(t.style.name, [[c.text for c in row.cells] for row in t.rows],
               [bool(r.bold) for c in t.rows[0].cells for r in c.paragraphs[0].runs]) for t in opened.tables]
    return paragraphs, tables


def test_blocks_read_back_as_the_same_content_written_call_by_call():
    # given
    one = word_document(title="汇总")
    one.heading("一、报送情况")
    one.paragraph("第一行\n第二行")
    one.paragraph("加粗", bold=True)
    one.table(HEADER, ROWS)
    one.heading("小标题", level=2)
    many = word_document(title="汇总")
    # when
    many.blocks([("heading", "一、报送情况", 1), ("paragraph", "第一行\n第二行", False), ("paragraph", "加粗", True),
                 ("table", HEADER, ROWS), ("heading", "小标题", 2)])
    # then
    assert _read(docx_bytes(many)) == _read(docx_bytes(one))
    paragraphs, tables = _read(docx_bytes(many))
    assert paragraphs[2][1] == "第一行\n第二行"
    assert tables[0][1][2] == ["=SUM(A1:A3)", "&amp; { PAGE }"]
    assert tables[0][1][3] == ["  前后空格  ", "\ufffd"]


def test_blocks_are_written_before_the_section_properties_and_twice_give_the_same_bytes():
    def build():
        doc = word_document(title="汇总")
        doc.blocks([("paragraph", "正文", False), ("table", HEADER, ROWS[:1])])
        return docx_bytes(doc)

    data = build()
    body = docx.Document(io.BytesIO(data)).element.body
    assert body[-1].tag.endswith("}sectPr")
    assert build() == data


@pytest.mark.parametrize(("items", "message"), [
    ([("paragraph", "先写", False), ("table", ["a", "b"], [["1"]])], "row 1 has 1 cells, the header 2"),
    ([("heading", "标题", 4)], "a heading's level is 1, 2 or 3, not 4"),
    ([("image", "x")], "unknown block 'image'"),
])
def test_a_bad_block_is_refused_and_nothing_is_written(items, message):
    doc = word_document()
    before = len(doc.document.element.body)
    with pytest.raises(ValueError, match=message):
        doc.blocks(items)
    assert len(doc.document.element.body) == before
