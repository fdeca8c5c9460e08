"""Every PDF is a Typst template filled with data (core/documents/pdf.py): the data is printed as typed, never run as Typst;
the template reads nothing outside its folder and imports no package (which Typst would download); the Chinese
is set in the system's font, embedded; a template's mistake is an error naming the template, not a broken file."""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from learncity.core.documents.pdf import PdfError, pdf_font, pdf_render

TEXT = '#let data = json(bytes(sys.inputs.data))\n#set text(font: sys.inputs.font)\n#data.text\n'


def _template(folder: Path, source: str, name: str = "doc.typ") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(source, encoding="utf-8")
    return path


def _text(pdf: bytes, tmp_path: Path) -> str:
    assert shutil.which("pdftotext"), "poppler-utils (pdftotext) is missing"
    path = tmp_path / "out.pdf"
    path.write_bytes(pdf)
    return subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout


def test_chinese_data_is_set_in_the_system_font_embedded(tmp_path):
    template = _template(tmp_path / "t", TEXT)

    pdf = pdf_render(template, {"text": "终身学习账户学习成果证明 LA3501020000123"})

    assert pdf.startswith(b"%PDF-")
    assert "终身学习账户学习成果证明 LA3501020000123" in _text(pdf, tmp_path)
    path = tmp_path / "out.pdf"
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout.splitlines()[2:]
    family = pdf_font()[0].replace(" ", "")
    assert fonts and all(" yes " in f for f in fonts), fonts  # every font embedded
    assert any(family in f for f in fonts), fonts


@pytest.mark.parametrize("typed", ['#read("/etc/hostname")', "*bold* _em_ $x^2$ = 标题", "#import \"@preview/x:0.1.0\"",
                                   "\\ ] ) } // not a comment"])
def test_data_that_looks_like_typst_is_printed_as_typed(typed, tmp_path):
    template = _template(tmp_path / "t", TEXT)

    text = _text(pdf_render(template, {"text": typed}), tmp_path)

    assert re.sub(r"\s+", " ", text).strip() == typed


def test_images_are_svg_given_by_name(tmp_path):
    template = _template(tmp_path / "t", '#image(bytes(sys.inputs.qr), format: "svg", width: 20mm)')
    svg = '<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 2 2"><rect width="1" height="1"/></svg>'

    assert pdf_render(template, {}, images={"qr": svg}).startswith(b"%PDF-")
    with pytest.raises(PdfError, match=r"doc\.typ: an image may not be called 'data' or 'font'"):
        pdf_render(template, {}, images={"data": svg})


def test_a_template_that_imports_a_package_is_refused_before_anything_is_fetched(tmp_path):
    template = _template(tmp_path / "t", '#import "@preview/cetz:0.3.4": canvas\n' + TEXT)

    with pytest.raises(PdfError, match=r"doc\.typ: a PDF template imports no Typst package"):
        pdf_render(template, {"text": "x"})


def test_a_template_reads_nothing_outside_its_folder(tmp_path):
    (tmp_path / "secret.txt").write_text("secret", encoding="utf-8")
    template = _template(tmp_path / "t", '#read("../secret.txt")')

    with pytest.raises(PdfError, match=r"doc\.typ: .*(outside|root)"):
        pdf_render(template, {})


def test_a_font_typst_does_not_have_is_an_error_not_boxes(tmp_path):
    template = _template(tmp_path / "t", '#set text(font: "No Such Font")\n中文')

    with pytest.raises(PdfError, match=r"doc\.typ: .*unknown font family: no such font"):
        pdf_render(template, {})


def test_a_mistake_in_the_template_names_the_template_and_the_mistake(tmp_path):
    template = _template(tmp_path / "t", "#let data = json(bytes(sys.inputs.data))\n#data.missing\n", name="report.typ")

    with pytest.raises(PdfError, match=r"report\.typ: .*missing"):
        pdf_render(template, {"present": 1})


@pytest.mark.parametrize(("imported", "absent"), [
    ("from learncity.core.documents import pdf_render", "openpyxl"),
    ("from learncity.core.documents.pdf import pdf_render", "openpyxl"),
    ("from learncity.core.documents import workbook, csv_bytes", "typst"),
    ("import learncity.core.documents", "openpyxl typst"),
])
def test_a_pdf_does_not_import_the_spreadsheet_library_nor_a_spreadsheet_typst(imported, absent):
    script = f"import sys\n{imported}\nprint(' '.join(m for m in {absent.split()!r} if m in sys.modules))"
    loaded = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True).stdout
    assert loaded.strip() == ""
