"""The annual assessment's table as .xlsx (core.documents' formula-safe workbook): the ranking on one sheet (rank,
unit, each component's score and weight, the total, the note), and on another every component's source rows (the
unit, the component, the row's kind, id and label, and the figures used), so every number can be traced."""

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from learncity.core import documents
from learncity.governance.models import AssessmentScheme
from learncity.governance.selectors.assessment import AssessmentRow

FIGURE_LABELS = {
    "place": gettext_lazy("区划"), "target": gettext_lazy("目标值"), "actual": gettext_lazy("实际值"),
    "met": gettext_lazy("达标"), "state": gettext_lazy("状态"), "due_on": gettext_lazy("完成时限"),
    "done_on": gettext_lazy("完成日期"), "on_time": gettext_lazy("按时"), "deadline": gettext_lazy("截止时间"),
    "first_submitted_at": gettext_lazy("首次报送"), "returned": gettext_lazy("退回次数"),
    "score": gettext_lazy("得分"), "points": gettext_lazy("满分"), "percent": gettext_lazy("得分率"),
}


def _figures(figures: dict[str, str]) -> str:
    return "; ".join(f"{FIGURE_LABELS.get(k, k)}={v}" for k, v in figures.items())


def assessment_xlsx(scheme: AssessmentScheme, rows: list[AssessmentRow]) -> bytes:
    """The table's workbook: the ranking sheet, then the sources sheet."""
    from openpyxl.styles import Font

    wb = documents.workbook()
    ranking = wb.active
    ranking.title = _("排名")
    ranking.append([_("%(committee)s %(year)s 年度考核（%(subjects)s）") % {
        "committee": scheme.committee.name, "year": scheme.year, "subjects": scheme.get_subjects_display()}])
    ranking["A1"].font = Font(bold=True, size=14)
    components = rows[0].components if rows else []
    header = [_("名次"), _("单位")]
    for c in components:
        header += [_("%(item)s得分") % {"item": c.label}, _("%(item)s权重") % {"item": c.label}]
    ranking.append([*header, _("综合得分"), _("说明")])
    for cell in ranking[2]:
        cell.font = Font(bold=True)
    for row in rows:
        values = [row.rank, row.name]
        for c in row.components:
            values += [c.score if c.applicable else _("不适用"), c.weight]
        ranking.append([*values, row.total, row.note])
    ranking.freeze_panes = "C3"
    sources = wb.create_sheet(_("来源明细"))
    sources.append([_("单位"), _("考核项目"), _("得分"), _("计算说明"), _("来源类型"), _("来源编号"), _("来源名称"),
                    _("所用数据")])
    for cell in sources[1]:
        cell.font = Font(bold=True)
    kinds = {"indicator": _("监测指标"), "task": _("工作任务"), "return": _("报表"), "visit": _("督导评估")}
    for row in rows:
        for c in row.components:
            score = c.score if c.applicable else _("不适用")
            if not c.sources:
                sources.append([row.name, c.label, score, c.explanation, "", "", "", ""])
            for s in c.sources:
                sources.append([row.name, c.label, score, c.explanation, kinds[s.kind], str(s.id), s.label,
                                _figures(s.figures)])
    sources.freeze_panes = "A2"
    wb.properties.creator = "learncity"
    return documents.workbook_bytes(wb)
