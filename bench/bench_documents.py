"""Benchmark: the PDF documents (a transcript, a one-page report, a timetable page) with WeasyPrint, Typst, ReportLab.

The same three documents, made from the same data in memory, are rendered by each engine, with the Chinese font
WenQuanYi Micro Hei (fonts-wqy-microhei) and, on the transcript, the QR code of its verification URL:

- WeasyPrint as the app used it up to issue 15 (the HTML templates kept in bench/documents/, every URL fetch
  refused);
- Typst (the `typst` package), which is the app's own code now (transcript_pdf, document_pdf, timetable_pdf);
- ReportLab (platypus), laid out here the same way (title, ruled tables with a repeated header, page numbers).

For each engine and document it prints the cold time (a fresh Python process with Django set up: importing the
engine and rendering the first document; --cold processes) and the warm time (--repeat more renders in one
process), p50 and p95 side by side, with the pages and size of what was made and whether pdftotext reads the
document's title back from it. Then the app's own path end to end (the Django test client on a small demo city:
the view, its queries and the PDF bytes): issuing a transcript, downloading it again, the quarterly report and a
district's timetable guide, the first request of the process and p50/p95 of --repeat more. The goal is p95 < 1 s.

    learncity bench documents                       # 20 cold and 20 warm runs each, then the app's path
    learncity bench documents --cold 5 --no-app     # quicker: the engines only
    learncity bench documents --engines typst,reportlab --report-repeat 3   # leave out WeasyPrint's 10 s colds
"""

import argparse
import datetime
import importlib.util
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from _harness import percentile, run_child, say

HERE = Path(__file__).resolve().parent
ENGINES = ("weasyprint", "typst", "reportlab")
DOCUMENTS = ("transcript", "report", "timetable")
LABELS = {"weasyprint": "WeasyPrint", "typst": "Typst", "reportlab": "ReportLab",
          "transcript": "transcript (20 outcomes, QR)", "report": "one-page report (14 × 11)",
          "timetable": "timetable page (8 courses)"}
WQY = "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
VERIFY_URL = "https://learn.example.cn/credits/verify/Qm7TfX2pLs9VwK4rYb8ZcN3d/"
GOAL_SECONDS = 1.0


def run(argv: list[str]) -> dict:
    parser = argparse.ArgumentParser(prog="learncity bench documents")
    parser.add_argument("--repeat", type=int, default=20, help="warm renders (and app requests) per document")
    parser.add_argument("--cold", type=int, default=20, help="fresh processes per engine and document")
    parser.add_argument("--engines", default=",".join(ENGINES), help="comma-separated: " + ", ".join(ENGINES))
    parser.add_argument("--residents", type=int, default=300, help="the demo city's residents for the app's path")
    parser.add_argument("--report-repeat", type=int, default=None,
                        help="requests of the quarterly report through its view (default: --repeat); most of its "
                             "time is its figures, seconds each on a busy machine")
    parser.add_argument("--no-app", action="store_true", help="leave out the app's own path (no demo city)")
    args = parser.parse_args(argv)
    report_repeat = args.repeat if args.report_repeat is None else args.report_repeat
    engines = [e.strip() for e in args.engines.split(",") if e.strip()]
    unknown = [e for e in engines if e not in ENGINES]
    if unknown or args.repeat < 1 or args.cold < 0 or report_repeat < 1:
        raise SystemExit(f"--engines takes {', '.join(ENGINES)} (not {', '.join(unknown)}); --repeat ≥ 1, --cold ≥ 0"
                         if unknown else "--repeat and --report-repeat must be 1 or more, --cold 0 or more")
    # WeasyPrint and ReportLab are in the dev dependency group only (the app renders with Typst).
    missing = [e for e in engines if importlib.util.find_spec(e) is None]
    if missing:
        raise SystemExit(f"--engines: {', '.join(missing)} not installed (they come with the dev dependency group: "
                         "uv sync --all-groups); leave them out with --engines typst")
    child = ["--repeat", str(args.repeat), "--cold", str(args.cold), "--engines", ",".join(engines),
             "--residents", str(args.residents), "--report-repeat", str(report_repeat),
             *(["--no-app"] if args.no_app else [])]
    figures = run_child("documents", __file__, child, postgres=False)
    _print(figures, engines)
    return figures


# --- printing -----------------------------------------------------------------------------------------------------


def _ms(values: list[float]) -> str:
    if not values:
        return "—"
    return f"{percentile(values, 50) * 1000:,.0f} / {percentile(values, 95) * 1000:,.0f}"


def _print(figures: dict, engines: list[str]) -> None:
    load = figures["load"]
    say(f"\ndocuments · {figures['machine']} · load {load[0]:.1f} {load[1]:.1f} {load[2]:.1f} · "
        f"{figures['cold_runs']} cold processes and {figures['repeat']} warm renders each · ms p50 / p95")
    width = 30
    say(f"  {'':<{width}}{'':<6}" + "".join(f"{LABELS[e]:>22}" for e in engines))
    for doc in DOCUMENTS:
        for kind in ("cold", "warm"):
            cells = [_ms(figures["engines"][e][doc][kind]) for e in engines]
            say(f"  {(LABELS[doc] if kind == 'cold' else ''):<{width}}{kind:<6}" + "".join(f"{c:>22}" for c in cells))
        cells = [f"{figures['engines'][e][doc]['pages']} p, {figures['engines'][e][doc]['kib']:,} KiB, "
                 f"{'text ok' if figures['engines'][e][doc]['text_ok'] else 'TEXT MISSING'}" for e in engines]
        say(f"  {'':<{width}}{'':<6}" + "".join(f"{c:>22}" for c in cells))
    say("  cold: a fresh process (Django set up) imports the engine and renders the document once")
    if figures.get("app"):
        say(f"\napp's own path, view → PDF bytes (Django test client, demo city of {figures['residents']} residents) · ms")
        say(f"  {'':<44}{'first':>10}{'p50 / p95':>18}{'pages':>8}{'runs':>6}")
        for row in figures["app"]:
            flag = "" if percentile(row["seconds"], 95) < GOAL_SECONDS else "   over 1 s"
            pages = row["pages"] or ""
            say(f"  {row['label']:<44}{row['first'] * 1000:>10,.0f}{_ms(row['seconds']):>18}{pages:>8}"
                f"{row.get('runs', ''):>6}{flag}")
        say("  first: the first request for that document in the process, after one page (/) was served")


# --- the child --------------------------------------------------------------------------------------------------


def child(out: str, argv: list[str]) -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int)
    parser.add_argument("--cold", type=int)
    parser.add_argument("--engines")
    parser.add_argument("--residents", type=int)
    parser.add_argument("--report-repeat", type=int)
    parser.add_argument("--no-app", action="store_true")
    args = parser.parse_args(argv)
    import django

    django.setup()
    engines = args.engines.split(",")
    figures = {"machine": f"{platform.machine()}, {os.cpu_count()} cores", "repeat": args.repeat,
               "cold_runs": args.cold, "residents": args.residents, "engines": {}}
    inputs = documents_inputs()
    for engine in engines:
        figures["engines"][engine] = {}
        for doc in DOCUMENTS:
            say(f"  {LABELS[engine]}: {doc} …")
            cold = [_cold_run(engine, doc) for _ in range(args.cold)]
            render = RENDERERS[engine][doc]
            pdf = render(inputs)  # the first in this process: not counted as warm
            warm = []
            for _ in range(args.repeat):
                started = time.perf_counter()
                pdf = render(inputs)
                warm.append(time.perf_counter() - started)
            figures["engines"][engine][doc] = {"cold": cold, "warm": warm, "pages": _pages(pdf),
                                               "kib": round(len(pdf) / 1024), "text_ok": _text_ok(pdf, doc)}
    if not args.no_app:
        figures["app"] = app_path(args.residents, args.repeat, args.report_repeat)
    figures["load"] = os.getloadavg()
    with open(out, "w", encoding="utf-8") as f:
        json.dump(figures, f)


def _cold_run(engine: str, doc: str) -> float:
    with tempfile.NamedTemporaryFile(suffix=".json") as f:
        subprocess.run([sys.executable, __file__, "--cold-one", f.name, engine, doc], check=True, env=os.environ)
        return json.loads(Path(f.name).read_text())["seconds"]


def cold_one(out: str, engine: str, doc: str) -> None:
    """In a fresh process: Django set up (not counted), then the engine imported and the document rendered."""
    import django

    django.setup()
    inputs = documents_inputs()
    started = time.perf_counter()
    RENDERERS[engine][doc](inputs)
    Path(out).write_text(json.dumps({"seconds": time.perf_counter() - started}))


def _pages(pdf: bytes) -> int:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        info = subprocess.run(["pdfinfo", f.name], capture_output=True, text=True).stdout
    return int(next((line.split()[-1] for line in info.splitlines() if line.startswith("Pages:")), "0"))


TITLES = {"transcript": "终身学习账户学习成果证明", "report": "终身学习城市建设监测季度报告",
          "timetable": "鼓楼区2026秋社区教育课表指南"}


def _text_ok(pdf: bytes, doc: str) -> bool:
    with tempfile.NamedTemporaryFile(suffix=".pdf") as f:
        f.write(pdf)
        f.flush()
        text = subprocess.run(["pdftotext", f.name, "-"], capture_output=True, text=True).stdout
    return TITLES[doc] in "".join(text.split())


# --- the same documents for every engine ---------------------------------------------------------------------------


def documents_inputs() -> dict:
    """A transcript of 20 outcomes over two years with a conversion, a one-page quarterly report (14 indicators,
    11 columns) and a timetable page (one street, 8 courses), as the app's own objects (nothing in a database)."""
    from django.utils import timezone

    from learncity.catalog.timetable import CourseRow, SessionRow, StreetSection, TimetableGuide
    from learncity.creditbank.models import Transcript
    from learncity.monitoring.reports import Column, Document, Table

    outcomes = [{"id": i, "title": f"社区{topic}课程（第{i + 1}期）", "provider": "鼓楼区鼓东街道社区学校",
                 "date": f"{2026 - i // 12}-{i % 12 + 1:02d}-15", "hours": "24", "credits": "1.5",
                 "score": None if i % 4 == 0 else f"{80 + i % 15}", "standard": "LV-0004 v1",
                 "standard_name": "社区法律常识课程结业", "level": 2,
                 "basis": "课程结业：出勤 16 次中 15 次，结业考核合格"}
                for i, topic in enumerate(("书法入门", "太极拳", "智能手机应用", "家庭理财", "法律常识") * 4)]
    content = {"account": "LA3501020000123", "name": "林晓梅", "id_number": "350102********1234", "as_of": 42,
               "balances": {"nonacademic": "30.00", "academic": "0.00", "vocational": "4.50"},
               "classes": [{"class": "nonacademic", "label": "非学历培训", "years": [
                   {"year": "2026", "outcomes": outcomes[:12]}, {"year": "2025", "outcomes": outcomes[12:]}]}],
               "conversions": [{"id": 1, "rule": "CONV-0001", "target": "福州开放大学 · 公共基础课", "class": "academic",
                                "credits_in": "4.00", "credits_out": "2.00", "date": "2026-05-01"}]}
    transcript = Transcript(token="Qm7TfX2pLs9VwK4rYb8ZcN3d", digest="3f" * 32, content=content,
                            issued_at=timezone.make_aware(datetime.datetime(2026, 12, 7, 9, 30)))
    names = ("社区教育居民参与率", "老年教育参与率", "数字技能培训覆盖率", "学习型社区占比", "社区学校覆盖率", "志愿服务时长",
             "非学历培训人次", "学历继续教育人数", "公共文化场馆免费开放", "学分银行开户数", "学习成果认定数", "市民终身学习满意度",
             "企业职工培训率", "农村居民培训人次")
    overview = Table(
        title="主要指标", key="总览",
        columns=(Column("代码"), Column("指标"), Column("UNESCO 领域"), Column("单位"), Column("实际", "number"),
                 Column("目标", "number"), Column("状态"), Column("上期", "number"), Column("趋势"),
                 Column("分子", "number"), Column("分母", "int")),
        rows=tuple((f"IND-{i + 1:02d}", name, "包容性学习", "%", Decimal("35.2") + i, Decimal("40"),
                    "滞后" if i % 3 else "达标", Decimal("33.1") + i, "上升", Decimal(1234 + 17 * i), 3500 + i)
                   for i, name in enumerate(names)),
        notes=("比率类指标的实际、目标和上期为百分数；分母为零或缺失时显示「无数据」。",))
    report = Document(title="终身学习城市建设监测季度报告", scope="福州市", period="2026年第3季度（2026-07-01 至 2026-09-30）",
                      as_of=datetime.date(2026, 9, 30), tables=(overview,), period_key="2026-Q3")
    start = datetime.date(2026, 9, 7)
    rows = tuple(CourseRow(
        code=f"C{i:03d}", title=title, institution="鼓楼区鼓东街道社区学校", kind="社区教育", mode="线下",
        target_groups=("老年人", "在职人员")[: 1 + i % 2], hours=Decimal("24"), fee=Decimal(0 if i % 3 else 120),
        capacity=40, seats_left=40 - 3 * i, teachers=("陈国华", "王丽")[: 1 + i % 2],
        sessions=tuple(SessionRow(date=start + datetime.timedelta(days=7 * w + i % 5), start=datetime.time(14, 30),
                                  end=datetime.time(16, 30), venue="鼓东街道社区学校", room=f"{i % 5 + 1}01室")
                       for w in range(8)))
        for i, title in enumerate(("书法入门", "太极拳（二十四式）", "智能手机应用入门", "闽剧唱腔赏析", "家庭急救常识",
                                   "中医养生", "亲子阅读", "防范电信诈骗")))
    guide = TimetableGuide(district_code="350102", district="鼓楼区", term="2026秋", generated=datetime.date(2026, 8, 20),
                           sections=(StreetSection(code="350102001", name="鼓东街道", is_district_level=False, rows=rows),))
    return {"transcript": transcript, "report": report, "guide": guide}


# --- Typst: the app's own code ---------------------------------------------------------------------------------


def typst_transcript(i: dict) -> bytes:
    from learncity.creditbank.transcript_pdf import transcript_pdf

    return transcript_pdf(i["transcript"], verify_url=VERIFY_URL)


def typst_report(i: dict) -> bytes:
    from learncity.monitoring.reports import document_pdf

    return document_pdf(i["report"])


def typst_timetable(i: dict) -> bytes:
    from learncity.catalog.timetable import timetable_pdf

    return timetable_pdf(i["guide"])


# --- WeasyPrint: as the app used it (bench/documents/*.html) -------------------------------------------------------


def _weasyprint(name: str, context: dict) -> bytes:
    import weasyprint  # 2.7 s to import on a quiet machine
    from django.template import Context, Template
    from django.utils import translation
    from weasyprint.urls import FatalURLFetchingError, URLFetcher

    class _Offline(URLFetcher):
        def fetch(self, url, headers=None):
            raise FatalURLFetchingError(f"the PDF fetches nothing, but asked for {url}")

    with translation.override("zh-hans"):
        html = Template((HERE / "documents" / f"{name}.html").read_text(encoding="utf-8")).render(Context(context))
    return weasyprint.HTML(string=html, base_url=None, url_fetcher=_Offline()).write_pdf()


def weasyprint_transcript(i: dict) -> bytes:
    import segno
    from django.utils import timezone

    from learncity.creditbank.transcript_pdf import content_balances

    t = i["transcript"]
    content = t.content
    qr = segno.make(VERIFY_URL, error="m").svg_inline(scale=1, omitsize=True, dark="#000")
    return _weasyprint("transcript", {
        "t": t, "content": content, "issued_at": timezone.localtime(t.issued_at), "verify_url": VERIFY_URL,
        "qr_svg": qr, "outcome_count": sum(len(y["outcomes"]) for c in content["classes"] for y in c["years"]),
        "balances": content_balances(content)})


def weasyprint_report(i: dict) -> bytes:
    from learncity.monitoring.reports import cell_text

    doc = i["report"]
    tables = [{"t": t, "rows": [[(cell_text(v, c, doc.suppress_below), c.kind != "text")
                                 for v, c in zip(row, t.columns, strict=True)] for row in t.rows]} for t in doc.tables]
    return _weasyprint("report", {"doc": doc, "tables": tables, "digest": doc.digest()})


def weasyprint_timetable(i: dict) -> bytes:
    return _weasyprint("timetable", {"guide": i["guide"]})


# --- ReportLab: the same layout with platypus ------------------------------------------------------------------------


def _rl():
    """ReportLab's modules and the font, registered once a process (what a ReportLab app would do at start)."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.ttfonts import TTFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if "WQY" not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(TTFont("WQY", WQY, subfontIndex=0))
    return SimpleNamespace(colors=colors, A4=A4, landscape=landscape, ParagraphStyle=ParagraphStyle, mm=mm,
                           Paragraph=Paragraph, SimpleDocTemplate=SimpleDocTemplate, Spacer=Spacer, Table=Table,
                           TableStyle=TableStyle)


def _rl_build(story, *, landscape_page=False, footer_left=lambda page: "", footer_right="") -> bytes:
    import io

    from reportlab.pdfgen import canvas as rl_canvas

    rl = _rl()
    colors, A4, landscape, mm, SimpleDocTemplate = rl.colors, rl.A4, rl.landscape, rl.mm, rl.SimpleDocTemplate
    size = landscape(A4) if landscape_page else A4

    class Numbered(rl_canvas.Canvas):  # "第 n 页 / 共 m 页": the pages are drawn once all are known
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._saved = []

        def showPage(self):
            self._saved.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._saved)
            for state in self._saved:
                self.__dict__.update(state)
                self.setFont("WQY", 7.5)
                self.setFillColor(colors.HexColor("#444444"))
                self.drawCentredString(size[0] / 2, 6 * mm, f"第 {self._pageNumber} 页 / 共 {total} 页")
                self.drawString(14 * mm, 10 * mm, footer_left(self._pageNumber))
                if footer_right:
                    self.drawRightString(size[0] - 14 * mm, 10 * mm, footer_right)
                super().showPage()
            super().save()

    buf = io.BytesIO()
    SimpleDocTemplate(buf, pagesize=size, leftMargin=14 * mm, rightMargin=14 * mm, topMargin=16 * mm,
                      bottomMargin=20 * mm, title=story[0].text, author="learncity").build(story, canvasmaker=Numbered)
    return buf.getvalue()


def _rl_styles():
    rl = _rl()
    colors, ParagraphStyle = rl.colors, rl.ParagraphStyle
    base = ParagraphStyle("base", fontName="WQY", fontSize=9, leading=12.5, wordWrap="CJK")
    return {"base": base,
            "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, alignment=1, spaceAfter=4),
            "meta": ParagraphStyle("meta", parent=base, alignment=1, textColor=colors.HexColor("#555555"), spaceAfter=10),
            "h2": ParagraphStyle("h2", parent=base, fontSize=12, leading=16, spaceBefore=8, spaceAfter=4),
            "cell": ParagraphStyle("cell", parent=base, fontSize=8.5, leading=11),
            "small": ParagraphStyle("small", parent=base, fontSize=7, leading=9, textColor=colors.HexColor("#444444"))}


def _rl_table(header: list[str], rows: list[list], widths, *, fill="#dde6f0", right=()):
    from xml.sax.saxutils import escape

    rl = _rl()
    colors, Paragraph, Table, TableStyle = rl.colors, rl.Paragraph, rl.Table, rl.TableStyle
    st = _rl_styles()
    cell = lambda v: v if not isinstance(v, str) else Paragraph(escape(v), st["cell"])  # noqa: E731
    table = Table([[cell(h) for h in header], *[[cell(v) for v in row] for row in rows]], colWidths=widths,
                  repeatRows=1)
    table.setStyle(TableStyle([
        ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#8a99a8")), ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor(fill)),
        ("VALIGN", (0, 0), (-1, -1), "TOP"), *[("ALIGN", (c, 1), (c, -1), "RIGHT") for c in right]]))
    return table


def reportlab_transcript(i: dict) -> bytes:
    from xml.sax.saxutils import escape

    from reportlab.graphics.barcode.qr import QrCodeWidget
    from reportlab.graphics.shapes import Drawing

    from learncity.creditbank.transcript_pdf import content_balances

    rl = _rl()
    mm, Paragraph, Spacer, Table, TableStyle = rl.mm, rl.Paragraph, rl.Spacer, rl.Table, rl.TableStyle
    st = _rl_styles()
    t = i["transcript"]
    c = t.content
    qr = QrCodeWidget(VERIFY_URL, barLevel="M")
    x0, y0, x1, y1 = qr.getBounds()
    side = 34 * mm
    drawing = Drawing(side, side, transform=[side / (x1 - x0), 0, 0, side / (y1 - y0), 0, 0])
    drawing.add(qr)
    holder = Table([[Paragraph(k, st["cell"]), Paragraph(escape(str(v)), st["cell"])] for k, v in (
        ("姓名", c["name"]), ("身份证号码", c["id_number"]), ("学习账户", c["account"]),
        ("出具时间", f"{t.issued_at:%Y年%m月%d日 %H:%M}"), ("账本记录", f"截至第 {c['as_of']} 笔"))],
        colWidths=(24 * mm, 90 * mm))
    head = Table([[holder, [drawing, Paragraph("扫码核验本证明", st["small"])]]], colWidths=(140 * mm, 40 * mm))
    head.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    count = sum(len(y["outcomes"]) for cl in c["classes"] for y in cl["years"])
    story = [Paragraph("终身学习账户学习成果证明", st["title"]), Paragraph(f"学分银行 · 共 {count} 项学习成果", st["meta"]), head,
             Paragraph("学分余额", st["h2"])]
    balances = content_balances(c)
    story.append(_rl_table([b[0] for b in balances], [[b[1] for b in balances]], [182 * mm / len(balances)] * len(balances),
                           fill="#f1e3e1"))
    story.append(Paragraph("学习成果", st["h2"]))
    widths = [w * mm for w in (38, 28, 21, 10, 10, 10, 65)]
    for cl in c["classes"]:
        for y in cl["years"]:
            story.append(Paragraph(f"{cl['label']} · {y['year']}年", st["h2"]))
            story.append(_rl_table(["成果", "提供机构", "日期", "学时", "成绩", "学分", "认定标准与依据"], [
                [o["title"], o["provider"], o["date"], o["hours"], o["score"] or "—", o["credits"],
                 [Paragraph(f"{o['standard']} · 资历框架第 {o['level']} 级", st["cell"]), Paragraph(escape(o["basis"]), st["small"])]]
                for o in y["outcomes"]], widths, fill="#f1e3e1"))
    if c["conversions"]:
        story.append(Paragraph("学分转换", st["h2"]))
        story.append(_rl_table(["规则", "转入", "来源学分", "转换后学分", "日期"], [
            [v["rule"], v["target"], v["credits_in"], v["credits_out"], v["date"]] for v in c["conversions"]],
            [w * mm for w in (30, 62, 30, 30, 30)], fill="#f1e3e1"))
    story += [Spacer(1, 6 * mm), Paragraph("本证明所载内容出具时即已固定。核验方可扫描右上角二维码，或访问下列网址，查看证明所载内容并确认其是否"
                                           "仍然有效（内容未被改动、账本完整、所列成果未被冲正）：", st["small"]),
              Paragraph(escape(VERIFY_URL), st["small"])]
    return _rl_build(story, footer_left=lambda page: f"证明编号 {t.token}  内容摘要 SHA-256 {t.digest}")


def reportlab_report(i: dict) -> bytes:
    from learncity.monitoring.reports import cell_text

    rl = _rl()
    mm, Paragraph = rl.mm, rl.Paragraph
    st = _rl_styles()
    doc = i["report"]
    story = [Paragraph(doc.title, st["title"]), Paragraph(f"{doc.subtitle}　数据截至 {doc.as_of:%Y年%m月%d日}", st["meta"])]
    for t in doc.tables:
        story.append(Paragraph(t.title, st["h2"]))
        widths = [w * mm for w in (18, 52, 26, 12, 18, 16, 14, 18, 14, 22, 22)]
        story.append(_rl_table([c.label for c in t.columns],
                               [[cell_text(v, c, doc.suppress_below) for v, c in zip(row, t.columns, strict=True)]
                                for row in t.rows], widths, right=[k for k, c in enumerate(t.columns) if c.kind != "text"]))
        story += [Paragraph("· " + n, st["small"]) for n in t.notes]
    story.append(Paragraph(f"校验码 SHA-256 {doc.digest()}", st["small"]))
    return _rl_build(story, landscape_page=True, footer_left=lambda page: f"校验码 {doc.digest()[:16]}",
                     footer_right=f"数据截至 {doc.as_of:%Y-%m-%d}")


def reportlab_timetable(i: dict) -> bytes:
    from xml.sax.saxutils import escape

    rl = _rl()
    mm, Paragraph = rl.mm, rl.Paragraph
    st = _rl_styles()
    g = i["guide"]
    story = [Paragraph(g.title, st["title"]),
             Paragraph(f"生成日期：{g.generated.year}年{g.generated.month}月{g.generated.day}日　{g.summary}", st["meta"])]
    widths = [w * mm for w in (31, 27, 18, 9, 12, 9, 9, 16, 51)]
    for s in g.sections:
        story.append(Paragraph(f"{s.name}（{len(s.rows)} 门课程）", st["h2"]))
        story.append(_rl_table(["课程", "开课机构", "面向群体", "学时", "费用", "名额", "余额", "教师", "上课时间与地点"], [
            [[Paragraph(escape(r.title), st["cell"]), Paragraph(f"{r.kind} · {r.mode}", st["small"])], r.institution,
             r.target_groups_label, r.hours_label, r.fee_label, str(r.capacity), str(r.seats_left), r.teachers_label,
             [p for line in r.schedule for p in (Paragraph(f"{line.dates}<br/>{line.times_label}", st["cell"]),
                                                 Paragraph(escape(line.place), st["small"]))] or "时间待定"]
            for r in s.rows], widths))
    return _rl_build(story, footer_right=f"生成日期 {g.generated:%Y-%m-%d}")


RENDERERS = {
    "weasyprint": {"transcript": weasyprint_transcript, "report": weasyprint_report, "timetable": weasyprint_timetable},
    "typst": {"transcript": typst_transcript, "report": typst_report, "timetable": typst_timetable},
    "reportlab": {"transcript": reportlab_transcript, "report": reportlab_report, "timetable": reportlab_timetable},
}


# --- the app's own path -----------------------------------------------------------------------------------------


def app_path(residents: int, repeat: int, report_repeat: int) -> list[dict]:
    """The demo city built through `learncity demo`, then each document requested through its view as its user."""
    from django.conf import settings
    from django.core.management import call_command
    from django.test import Client

    # An error page (should a request fail) is drawn without the collected static files' manifest.
    settings.STORAGES = {**settings.STORAGES,
                         "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}

    from learncity.catalog.models import Course, CourseState
    from learncity.core.scopes import Role
    from learncity.creditbank.models import LearningAccount, Outcome
    from learncity.people.models import RoleAssignment
    from learncity.places.models import Place, PlaceLevel

    say(f"  the demo city with {residents} residents …")
    call_command("demo", "--no-serve", "--residents", str(residents), verbosity=0)
    learner = RoleAssignment.objects.filter(role=Role.LEARNER, user__learner_profile__isnull=False).first().user
    admin_role = RoleAssignment.objects.filter(role=Role.CITY_ADMIN).select_related("user", "place").first()
    admin, city = admin_role.user, admin_role.place
    account = LearningAccount.objects.get(learner=learner.learner_profile)
    districts = list(Place.objects.filter(level=PlaceLevel.DISTRICT))
    counts: dict[tuple, int] = {}  # (district, term): published courses, to print the busiest guide
    for path, term in (Course.objects.filter(state=CourseState.PUBLISHED).exclude(term="")
                       .values_list("institution__place__path", "term")):
        for d in districts:
            if path.startswith(d.path):
                counts[(d, term)] = counts.get((d, term), 0) + 1
    district, term = max(counts, key=counts.get)
    clients = {}
    for name, user in (("learner", learner), ("admin", admin)):
        clients[name] = Client(HTTP_HOST="localhost")
        clients[name].force_login(user)
    token = {}

    def issue():
        response = clients["learner"].post("/credits/transcript/")
        token["last"] = response
        return response

    from learncity.monitoring import reports
    from learncity.monitoring.periods import period_parse

    quarter = period_parse("2026-Q3")
    built = {}

    def figures():
        built["doc"] = reports.quarterly_report(actor=admin, place_id=city.pk, period=quarter)
        return built["doc"]

    say("  a first page (/) for each user, so that 'first' is the document's first time, not Django's …")
    for client in clients.values():
        client.get("/")
    cases = [
        (f"transcript issued (POST, {Outcome.objects.filter(account=account).count()} outcomes)", issue),
        ("transcript downloaded again", lambda: clients["learner"].get(
            f"/credits/transcripts/{account.transcripts.order_by('-pk').first().token}.pdf")),
        ("quarterly report PDF (city, 2026-Q3)", lambda: clients["admin"].get(
            f"/monitor/reports/?kind=quarterly&place={city.pk}&period=2026-Q3&format=pdf"), report_repeat),
        ("  its figures (reports.quarterly_report)", figures, report_repeat),
        ("  its PDF from those (reports.document_pdf)", lambda: reports.document_pdf(built["doc"])),
        ("indicator drill-down PDF (CE-PART, one page)", lambda: clients["admin"].get(
            f"/monitor/export/drilldown.pdf?indicator=CE-PART&place={city.pk}&period=2026-Q3")),
        (f"timetable guide PDF ({district.name} {term}, {counts[(district, term)]} courses)",
         lambda: clients["admin"].get(f"/learn/timetable/?district={district.code}&term={term}&format=pdf")),
    ]
    rows = []
    for label, request, *runs in cases:
        say(f"  {label} …")
        started = time.perf_counter()
        response = request()
        first = time.perf_counter() - started
        pdf = response.content if hasattr(response, "content") else response if isinstance(response, bytes) else None
        if hasattr(response, "status_code") and (response.status_code != 200 or not pdf.startswith(b"%PDF")):
            raise SystemExit(f"{label}: {response.status_code} {response.content[:300]!r}")
        seconds = []
        for _ in range(runs[0] if runs else repeat):
            started = time.perf_counter()
            response = request()
            seconds.append(time.perf_counter() - started)
        rows.append({"label": label, "first": first, "seconds": seconds,
                     "pages": _pages(pdf) if pdf else 0, "runs": len(seconds)})
    return rows


if __name__ == "__main__":
    if sys.argv[1] == "--child":
        child(sys.argv[2], sys.argv[3:])
    elif sys.argv[1] == "--cold-one":
        cold_one(*sys.argv[2:5])
