import json

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from audit import forms, selectors, services
from audit.models import AuditRecord
from core.csv import csv_response
from core.decorators import permission_required

CSV_FIELDS = ["id", "at", "actor", "action", "object_type", "object_id", "details", "previous_hash", "hash"]


@permission_required("audit.view_auditrecord")
def audit_trail(request: HttpRequest) -> HttpResponse:
    """The audit trail, filtered; `?format=csv` exports every matching record."""
    form = forms.AuditFilterForm(request.GET or None)
    records = AuditRecord.objects.select_related("actor").order_by("-pk")
    if form.is_bound and form.is_valid():
        records = selectors.audit_records_filter(records, **form.cleaned_data)
    elif form.is_bound:
        records = records.none()
    if request.GET.get("format") == "csv" and (not form.is_bound or form.is_valid()):
        services.audit_export_record(actor=request.user, filters=form.cleaned_data if form.is_bound else {})
        return csv_response(filename="liveverify-audit.csv", header=CSV_FIELDS, rows=_csv_rows(records))
    page = Paginator(records, 50).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return render(request, "audit/audit_trail.html", {"form": form, "page": page, "query": query.urlencode()})


def _csv_rows(records):
    for record in records.iterator(chunk_size=1000):
        yield [
            record.pk,
            record.at.isoformat(),
            record.actor.email if record.actor else "",
            record.action,
            record.object_type,
            record.object_id,
            json.dumps(record.details, sort_keys=True),
            record.previous_hash,
            record.hash,
        ]
