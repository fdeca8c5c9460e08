"""A joint meeting's minutes (会议纪要) as .docx (core.documents.word) and PDF
(templates/governance/meeting_minutes.typ through core.documents.pdf_render).

Both are laid out from one dict (`minutes_data`), every value the text it prints, so the two say the same: the
meeting, its convener, date and place, the attending units, the agenda, the minutes, and the decisions with the
tasks each became (their lead and cooperating units). Nothing in them is "now": the date printed is the
meeting's, so the same meeting gives the same bytes, twice or a year later.
"""

from pathlib import Path

from django.utils.translation import gettext

from learncity.core import documents
from learncity.governance import selectors
from learncity.governance.models import Meeting, MeetingDecision, UnitPart

PDF_TEMPLATE = Path(__file__).resolve().parent / "templates" / "governance" / "meeting_minutes.typ"


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def minutes_data(meeting: Meeting, decisions: list[MeetingDecision]) -> dict:
    """What the minutes print: the meeting (its attendance prefetched, as selectors.meeting_get gives it) and its
    decisions with the tasks the reader reads (selectors.meeting_decisions)."""
    attending = [u.name for u in meeting.member_units.all()] + [c.name for c in meeting.committees.all()]
    rows = []
    for decision in decisions:
        tasks = []
        for task in decision.tasks.all():
            units = list(task.units.all())
            tasks.append({
                "title": task.title, "due_on": str(task.due_on),
                "lead": "、".join(str(u.unit) for u in units if u.part == UnitPart.LEAD),
                "cooperating": "、".join(str(u.unit) for u in units if u.part == UnitPart.COOPERATING) or "—"})
        rows.append({"position": decision.position, "text": decision.text,
                     "due_on": str(decision.due_on) if decision.due_on else "", "tasks": tasks})
    return {
        "title": meeting.title, "committee": meeting.committee.name, "state": str(meeting.get_state_display()),
        "held_on": str(meeting.held_on), "date": [meeting.held_on.year, meeting.held_on.month, meeting.held_on.day],
        "location": meeting.location or "—", "convener": meeting.convener, "attending": attending,
        "agenda": _lines(meeting.agenda), "minutes": _lines(meeting.minutes), "decisions": rows,
        "labels": {"held_on": gettext("会议日期"), "location": gettext("地点"), "convener": gettext("召集人"),
                   "attending": gettext("出席单位"), "agenda": gettext("议题"), "minutes": gettext("会议纪要"),
                   "decisions": gettext("议定事项"), "due_on": gettext("完成时限"), "task": gettext("任务"),
                   "lead": gettext("牵头单位"), "cooperating": gettext("配合单位"), "none": gettext("无")},
    }


def minutes_docx(data: dict) -> bytes:
    """The minutes as a Word document, the same bytes for the same data."""
    labels = data["labels"]
    doc = documents.word_document(title=data["title"], author=data["committee"])
    doc.paragraph(f"{data['committee']}  {data['state']}")
    doc.table(["", ""], [[labels["held_on"], data["held_on"]], [labels["location"], data["location"]],
                         [labels["convener"], data["convener"]],
                         [labels["attending"], "、".join(data["attending"]) or labels["none"]]])
    for key in ("agenda", "minutes"):
        doc.heading(labels[key])
        for line in data[key] or [labels["none"]]:
            doc.paragraph(line)
    doc.heading(labels["decisions"])
    if not data["decisions"]:
        doc.paragraph(labels["none"])
    for decision in data["decisions"]:
        due = f"（{labels['due_on']} {decision['due_on']}）" if decision["due_on"] else ""
        doc.paragraph(f"{decision['position']}. {decision['text']}{due}")
        if decision["tasks"]:
            doc.table([labels["task"], labels["due_on"], labels["lead"], labels["cooperating"]],
                      [[t["title"], t["due_on"], t["lead"], t["cooperating"]] for t in decision["tasks"]])
    return documents.docx_bytes(doc)


def minutes_pdf(data: dict) -> bytes:
    """The minutes as a PDF, the same bytes for the same data."""
    return documents.pdf_render(PDF_TEMPLATE, data)


DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def minutes_file(*, actor, pk: int, kind: str) -> tuple[bytes, str, str]:
    """The minutes of a meeting the actor reads, as the page and the API hand them out: (bytes, content type,
    file name); `kind` "docx" or "pdf"."""
    meeting = selectors.meeting_get(actor=actor, pk=pk)
    data = minutes_data(meeting, selectors.meeting_decisions(actor=actor, meeting=meeting))
    body, content_type = (minutes_docx(data), DOCX_TYPE) if kind == "docx" else (minutes_pdf(data), "application/pdf")
    return body, content_type, gettext("%(title)s 会议纪要") % {"title": meeting.title} + f".{kind}"
