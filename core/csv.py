"""CSV downloads that spreadsheet programs open correctly, streamed row by row."""

import csv
from collections.abc import Iterable

from django.http import StreamingHttpResponse


class _Echo:
    """A file-like object whose write returns the line, so csv.writer can stream."""

    def write(self, value: str) -> str:
        return value


def csv_response(*, filename: str, header: list[str], rows: Iterable[list]) -> StreamingHttpResponse:
    """A streamed CSV download: a byte-order mark (so García is not read as GarcÃ­a), the header, the rows."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff"
        yield writer.writerow(header)
        for row in rows:
            yield writer.writerow(row)

    response = StreamingHttpResponse(lines(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
