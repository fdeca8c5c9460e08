"""A reporting round's consolidated report as a download (.docx or PDF), for the round's office: a round the
user does not read is not found (404), a member unit's reporter who reads the round is refused (403)."""

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.utils.http import content_disposition_header

from learncity.governance import documents
from learncity.governance.selectors.consolidation import round_consolidation

FORMATS = {
    "docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", documents.consolidation_docx),
    "pdf": ("application/pdf", documents.consolidation_pdf),
}


@login_required
def consolidation_download(request, pk: int, fmt: str):
    if fmt not in FORMATS:
        raise Http404()
    consolidation = round_consolidation(actor=request.user, pk=pk)
    content_type, render = FORMATS[fmt]
    response = HttpResponse(render(consolidation), content_type=content_type)
    response["Content-Disposition"] = content_disposition_header(
        True, documents.consolidation_filename(consolidation, fmt))
    return response
