"""E3/E4: the takeover report — the shared import report of :mod:`lemnicore.importing.report`
(counts by reason first, every left-out or changed record by reason, notes last)."""

from lemnicore.importing.report import (
    report_data,
    report_json,
    report_text,
    stream_report_json,
    write_report_json,
)

__all__ = ["report_data", "report_json", "report_text", "stream_report_json", "write_report_json"]
