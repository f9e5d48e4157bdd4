"""The insights page's CSV export: RFC 4180 quoting, and text a spreadsheet would run as a
formula neutralised, numbers kept as numbers."""

from __future__ import annotations

import csv
import io

import pytest

from bot.console.insights import TABLES, csv_table, safe_cell


@pytest.mark.parametrize("text", ["=1+1", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_a_cell_that_looks_like_a_formula_is_text(text):
    assert safe_cell(text) == "'" + text


def test_other_cells_are_kept():
    assert [safe_cell(v) for v in ("Robin", -4.0, 3, None)] == ["Robin", -4.0, 3, ""]


def test_a_table_is_quoted_and_read_back_as_written():
    report = {
        "ideas": {
            "items": [
                {
                    "feedback_id": 1,
                    "customer_id": 2,
                    "kind": "idea",
                    "text": 'Open "late", on Sundays\nplease',
                    "state": "declined",
                    "note": "=IMPORTXML(A1)",
                    "created_at": "2026-03-01T10:00:00",
                }
            ]
        }
    }
    text = csv_table(report, "ideas")
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(TABLES["ideas"][1])
    assert rows[1][3] == 'Open "late", on Sundays\nplease'
    assert rows[1][5] == "'=IMPORTXML(A1)"
    assert text.endswith("\r\n")


def test_an_unknown_table_is_refused():
    with pytest.raises(LookupError):
        csv_table({}, "passwords")
