"""An issued transcript (学习成果证明) as an A4 PDF.

Everything it states comes from `transcript.content`, frozen when it was issued, never from live data, so the
PDF of a transcript is the same document whenever it is downloaded. A QR code carries the absolute URL of the
public verification page; the token and the SHA-256 digest of the content are printed in every page's footer.

    transcript_pdf(transcript, verify_url="https://learn.example.cn/credits/verify/<token>/")  # bytes of a PDF
"""

import segno
from django.utils import timezone, translation

from learncity.creditbank.models import CreditClass, Transcript


def transcript_qr_svg(url: str) -> str:
    """The verification URL as an inline SVG QR code (error correction M, the standard quiet zone of 4 modules),
    sized by the stylesheet."""
    return segno.make(url, error="m").svg_inline(scale=1, omitsize=True, dark="#000")


def transcript_pdf(transcript: Transcript, *, verify_url: str) -> bytes:
    """Render the issued transcript. Nothing is fetched: the QR code is inline SVG and the font is the system's
    WenQuanYi Micro Hei (or Noto Sans CJK SC); any URL the template asked for would stop the rendering."""
    import weasyprint  # slow to import, and only the PDF needs it
    from django.template.loader import render_to_string
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class _Offline(URLFetcher):
        def fetch(self, url, headers=None):
            raise FatalURLFetchingError(f"the transcript PDF fetches nothing, but asked for {url}")

    content = transcript.content
    with translation.override("zh-hans"):
        html = render_to_string("creditbank/transcript_pdf.html", {
            "t": transcript, "content": content, "issued_at": timezone.localtime(transcript.issued_at),
            "verify_url": verify_url, "qr_svg": transcript_qr_svg(verify_url),
            "outcome_count": sum(len(y["outcomes"]) for c in content.get("classes", []) for y in c["years"]),
            "balances": content_balances(content),
        })
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_Offline()).write_pdf()


def content_balances(content: dict) -> list[tuple[str, str]]:
    """(label, amount) per class as the document states them; the label of a class the document names, else the
    class's label in the current language."""
    named = {c["class"]: c["label"] for c in content.get("classes", [])}
    rows = []
    for code, amount in content.get("balances", {}).items():
        label = named.get(code) or (str(CreditClass(code).label) if code in CreditClass.values else code)
        rows.append((label, amount))
    return rows
