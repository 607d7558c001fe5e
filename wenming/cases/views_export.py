"""Download of the problem ledger (问题台账) as an .xlsx file.

The view parses the filters (``selectors.parse_ledger_filter``: the JSON API's names and
rules), then writes the whole workbook to an anonymous temporary file on disk before it
answers, and sends that file with ``FileResponse`` in chunks. So memory stays roughly constant
(rows are streamed from the database and openpyxl's write-only mode keeps no rows in memory),
a refused filter or a failure while writing is a clean 4xx/500 with nothing streamed, and the
client never receives a truncated file. The price is that the first byte leaves only when the
file is complete (about 40 s per 100,000 rows on a 2-CPU server; see
``bench/export_ledger.py``); very large exports belong to ``manage.py export_ledger``.
"""

from __future__ import annotations

import tempfile

from django.contrib.auth.decorators import login_required
from django.http import FileResponse, HttpResponse
from django.views.decorators.http import require_GET

from wenming.core.errors import ApplicationError
from wenming.core.xlsx import XLSX_CONTENT_TYPE

from . import selectors
from .export import ledger_filename, write_ledger_xlsx


def _refused(exc: ApplicationError) -> HttpResponse:
    return HttpResponse(exc.message, status=exc.status, content_type="text/plain; charset=utf-8")


@login_required
@require_GET
def export_ledger(request):
    """``GET /ledger/export.xlsx?<ledger filters>``: the user's scoped ledger as an attachment
    named ``ledger-YYYYMMDD-HHMM.xlsx`` (local time; never from the input).

    Anonymous users are redirected to the login page. Bad filters: 400 with the translated
    message as plain text (``text/plain; charset=utf-8``) and no attachment.
    """
    try:
        f, sort = selectors.parse_ledger_filter(request.GET)
    except ApplicationError as exc:
        return _refused(exc)
    name = ledger_filename()
    tmp = tempfile.TemporaryFile(suffix=".xlsx")
    try:
        write_ledger_xlsx(request.user, f, tmp, sort=sort)
        tmp.seek(0)
    except ApplicationError as exc:  # a refusal from the query itself
        tmp.close()
        return _refused(exc)
    except BaseException:
        tmp.close()
        raise
    response = FileResponse(tmp, as_attachment=True, filename=name, content_type=XLSX_CONTENT_TYPE)
    response["Cache-Control"] = "private, no-store"
    return response
