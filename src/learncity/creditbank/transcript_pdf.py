"""An issued transcript (学习成果证明) as an A4 PDF.

Everything it states comes from `transcript.content`, frozen when it was issued, never from live data, so the
PDF of a transcript is the same document whenever it is downloaded. A QR code carries the absolute URL of the
public verification page; the token and the SHA-256 digest of the content are printed in every page's footer.

    transcript_pdf(transcript, verify_url="https://learn.example.cn/credits/verify/<token>/")  # bytes of a PDF
"""

from pathlib import Path

import segno
from django.utils import timezone, translation

from learncity.core import documents  # Typst is loaded when a PDF is made (documents loads lazily)
from learncity.creditbank.models import CreditClass, Transcript

TEMPLATE = Path(__file__).resolve().parent / "templates" / "creditbank" / "transcript.typ"
TITLE = "终身学习账户学习成果证明"  # the document is Chinese whatever language the page is in: what it states is frozen


def transcript_qr_svg(url: str) -> str:
    """The verification URL as an SVG QR code (error correction M, the standard quiet zone of 4 modules), sized by
    the document."""
    return segno.make(url, error="m").svg_inline(scale=1, omitsize=True, dark="#000")


def transcript_pdf(transcript: Transcript, *, verify_url: str) -> bytes:
    """Render the issued transcript (Typst, creditbank/templates/creditbank/transcript.typ). Nothing is fetched:
    the QR code is SVG handed to the template and the font is the system's WenQuanYi Micro Hei (or Noto Sans CJK
    SC). Raises core.documents.PdfError when it cannot be made."""
    content = transcript.content
    issued_at = timezone.localtime(transcript.issued_at)
    classes = content.get("classes", [])
    data = {
        "title": TITLE, "account": content.get("account", ""), "name": content.get("name", ""),
        "token": transcript.token, "digest": transcript.digest, "verify_url": verify_url,
        "issued": [issued_at.year, issued_at.month, issued_at.day],
        "outcome_count": sum(len(y["outcomes"]) for c in classes for y in c["years"]),
        "holder": [["姓名", content.get("name", "")], ["身份证号码", content.get("id_number", "")],
                   ["学习账户", content.get("account", "")],
                   ["出具时间", f"{issued_at.year}年{issued_at.month}月{issued_at.day}日 {issued_at:%H:%M}"],
                   ["账本记录", f"截至第 {content.get('as_of', 0)} 笔"]],
        "balances": [[str(label), str(amount)] for label, amount in _zh(content_balances, content)],
        "sections": [{"heading": f"{c['label']} · {y['year']}年", "rows": [
            {"title": o["title"], "provider": o["provider"], "date": o["date"], "hours": o["hours"],
             "score": "—" if o.get("score") is None else o["score"], "credits": o["credits"],
             "standard": f"{o['standard']} · 资历框架第 {o['level']} 级", "basis": o.get("basis") or ""}
            for o in y["outcomes"]]} for c in classes for y in c["years"]],
        "conversions": [{k: str(v.get(k, "")) for k in ("rule", "target", "credits_in", "credits_out", "date")}
                        for v in content.get("conversions", [])],
    }
    return documents.pdf_render(TEMPLATE, data, images={"qr": transcript_qr_svg(verify_url)})


def content_balances(content: dict) -> list[tuple[str, str]]:
    """(label, amount) per class as the document states them; the label of a class the document names, else the
    class's label in the current language."""
    named = {c["class"]: c["label"] for c in content.get("classes", [])}
    rows = []
    for code, amount in content.get("balances", {}).items():
        label = named.get(code) or (str(CreditClass(code).label) if code in CreditClass.values else code)
        rows.append((label, amount))
    return rows


def _zh(fn, *args):
    with translation.override("zh-hans"):
        return fn(*args)
