"""The issued transcript as a PDF, downloaded through the learner's page: Chinese text in an embedded CJK font, a
page that is drawn, and a QR code that decodes to the public verification URL of that transcript.

Set-up as the credit bank works, in the tests' own 达州市 (tests/portal/world.py): the city administrator makes a
standard accrediting the staff's community school, the staff records a course completion of the world's learner, and
it is recognised at once."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from django.utils import timezone
from PIL import Image

from learncity.creditbank.models import Transcript
from learncity.creditbank.transcript_pdf import transcript_pdf
from tests.creditbank.test_views_learner import outcome_make, standard_make
from tests.portal.world import world_fixtures

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
POPPLER = all(shutil.which(t) for t in ("pdftotext", "pdftoppm", "pdffonts", "pdfinfo"))
STANDARD = "社区法律常识课程结业"
TITLE = "终身学习账户学习成果证明"

world_built, world = world_fixtures()


@pytest.fixture
def _poppler():
    # Installed by `make install`: a missing tool is a failure, not a skip, so the PDF is always checked.
    assert POPPLER, "poppler-utils (pdftotext, pdftoppm, pdffonts, pdfinfo) is missing"


needs_poppler = pytest.mark.usefixtures("_poppler")


def _run(*args: str) -> str:
    return subprocess.run(args, check=True, capture_output=True, text=True, timeout=60).stdout


def _flat(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _pdf_text(path: Path) -> str:
    """The PDF's text without whitespace: a table cell may wrap its words over lines."""
    return _flat(_run("pdftotext", str(path), "-"))


@pytest.fixture
def recognised(world):
    version = standard_make(world.users, world.city, name=STANDARD)
    return version, outcome_make(world.users, version, title="社区普法讲堂")


@needs_poppler
def test_the_issued_transcript_pdf_is_chinese_text_with_a_qr_code_of_its_verification_url(
        recognised, world, client_as, tmp_path):
    import zxingcpp  # a dev dependency (zxing-cpp): reads the QR code back from the rendered page

    version, outcome = recognised
    learner = world.learner_profile
    before = set(Transcript.objects.values_list("pk", flat=True))

    response = client_as(world.learner).post("/credits/transcript/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("attachment; filename*=utf-8''")
    issued = Transcript.objects.exclude(pk__in=before).get()
    assert (issued.account, issued.issued_by) == (outcome.account, world.learner)
    pdf = response.content
    assert pdf.startswith(b"%PDF-")
    path = tmp_path / "transcript.pdf"
    path.write_bytes(pdf)
    info = _run("pdfinfo", str(path))
    assert re.search(r"^Page size:\s+595(\.\d+)? x 841(\.\d+)? pts \(A4\)", info, re.M), info

    # Real Chinese text: the learner's name, the standard's name, what the document states, and the footer.
    text = _pdf_text(path)
    for words in (TITLE, learner.name, learner.id_number_masked, outcome.account.number, STANDARD, "社区普法讲堂",
                  outcome.provider_name, f"{version.standard.code}v1", "非学历培训", f"证明编号{issued.token}",
                  f"内容摘要SHA-256{issued.digest}", "扫码核验本证明"):
        assert _flat(words) in text, words
    assert learner.name in _run("pdftotext", "-f", "1", "-l", "1", str(path), "-")

    # Not tofu: the glyphs come from a CJK font embedded in the file, not from a fallback without Chinese.
    fonts = _run("pdffonts", str(path)).splitlines()[2:]
    assert fonts and all(" yes " in f for f in fonts), fonts  # every font embedded
    assert any(re.search(r"WenQuanYi|NotoSansCJK|Noto Sans CJK", f) for f in fonts), fonts

    # Page 1 drawn at 150 dpi has ink, and ink where the title's words are.
    dpi = 150
    _run("pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile", str(path), str(tmp_path / "page1"))
    image = Image.open(tmp_path / "page1.png").convert("L")
    assert image.size == (1241, 1754)  # A4 at 150 dpi
    dark = sum(image.histogram()[:128])
    assert dark > 0.01 * image.width * image.height, "page 1 is blank"
    bbox = _run("pdftotext", "-bbox", "-f", "1", "-l", "1", str(path), "-")
    found = re.search(rf'xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">{TITLE}</word>', bbox)
    assert found, "the title is one word on page 1"
    box = tuple(round(float(v) * dpi / 72) for v in found.groups())
    title_region = image.crop(box)
    assert box[1] < image.height * 0.1, "the title is at the top of the page"
    assert sum(title_region.histogram()[:128]) > 0.08 * title_region.width * title_region.height, "the title is drawn"

    # The QR code on the page decodes to the absolute URL of this transcript's public verification page.
    codes = zxingcpp.read_barcodes(image)
    assert [(c.format, c.text) for c in codes] == [
        (zxingcpp.BarcodeFormat.QRCode, f"http://testserver/credits/verify/{issued.token}/")]

    ARTIFACTS.mkdir(exist_ok=True)
    shutil.copyfile(tmp_path / "page1.png", ARTIFACTS / "transcript-page1.png")


@needs_poppler
def test_a_transcript_downloaded_again_states_what_it_stated_when_issued(recognised, world, client_as, tmp_path):
    version, outcome = recognised
    client = client_as(world.learner)
    client.post("/credits/transcript/")
    issued = Transcript.objects.filter(account=outcome.account).order_by("-issued_at", "-pk").first()
    first = tmp_path / "first.pdf"
    first.write_bytes(transcript_pdf(issued, verify_url="http://testserver/v/"))
    outcome_make(world.users, version, title="社区调解员培训")  # learned after the transcript was issued

    again = client.get(f"/credits/transcripts/{issued.token}.pdf")

    assert again.status_code == 200 and again.content.startswith(b"%PDF-")
    path = tmp_path / "again.pdf"
    path.write_bytes(again.content)
    text = _pdf_text(path)
    assert "社区普法讲堂" in text and "社区调解员培训" not in text
    assert _pdf_text(first).replace("http://testserver/v/", "") == text.replace(
        f"http://testserver/credits/verify/{issued.token}/", "")


def _transcript(**content) -> Transcript:
    """An issued transcript as transcript_pdf reads it: its frozen content (nothing from the database)."""
    outcome = {"id": 1, "title": "社区普法讲堂", "provider": "鼓东街道社区学校", "date": "2026-03-01", "hours": "16",
               "credits": "2", "score": None, "standard": "LV-0001 v1", "standard_name": STANDARD, "level": 2,
               "basis": "课程结业"}
    return Transcript(token="T" * 24, digest="d" * 64, issued_at=timezone.now(), content={
        "account": "LA0000000001", "name": "林晓梅", "id_number": "511702********1234", "as_of": 3,
        "balances": {"nonacademic": "2.00"}, "conversions": [],
        "classes": [{"class": "nonacademic", "label": "非学历培训", "years": [
            {"year": "2026", "outcomes": [{**outcome, **content}]}]}]})


@needs_poppler
def test_what_a_transcript_states_is_printed_as_typed_never_run_as_typst_markup(tmp_path):
    """A provider names its course; a name that is Typst markup must not read a file or change the document."""
    title, provider = '#read("/etc/hostname") *粗体*', "机构 $x$ #pagebreak()"
    path = tmp_path / "t.pdf"

    path.write_bytes(transcript_pdf(_transcript(title=title, provider=provider), verify_url="http://testserver/v/"))

    text = _pdf_text(path)
    assert _flat(title) in text and _flat(provider) in text
    assert re.search(r"^Pages:\s+1$", _run("pdfinfo", str(path)), re.M)


@needs_poppler
def test_many_outcomes_run_over_pages_with_the_table_header_and_footer_on_every_page(tmp_path):
    outcomes = [{"id": i, "title": f"课程{i:02d}", "provider": "鼓东街道社区学校", "date": "2026-03-01", "hours": "16",
                 "credits": "2", "score": "90", "standard": "LV-0001 v1", "standard_name": STANDARD, "level": 2,
                 "basis": "课程结业"} for i in range(60)]
    transcript = _transcript()
    transcript.content["classes"][0]["years"][0]["outcomes"] = outcomes
    path = tmp_path / "t.pdf"

    path.write_bytes(transcript_pdf(transcript, verify_url="http://testserver/v/"))

    pages = int(re.search(r"^Pages:\s+(\d+)$", _run("pdfinfo", str(path)), re.M)[1])
    assert pages >= 2
    for page in range(1, pages + 1):
        text = _flat(_run("pdftotext", "-f", str(page), "-l", str(page), str(path), "-"))
        assert f"证明编号{'T' * 24}" in text and f"第{page}页/共{pages}页" in text, page
    last = _flat(_run("pdftotext", "-f", "2", "-l", "2", str(path), "-"))
    assert "认定标准与依据" in last, "the table's header repeats on the next page"
    assert all(f"课程{i:02d}" in _pdf_text(path) for i in range(60))
