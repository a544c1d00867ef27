"""CSV the hub hands out: formula-looking cells are neutralised by one rule; numbers are not."""

import csv
import io

import pytest

from backoffice.csv_export import csv_response, neutralise_cell


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://evil","x")', '\'=HYPERLINK("http://evil","x")'),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tTAB", "'\tTAB"),
        ("\rCR", "'\rCR"),
        ("+cmd|' /C calc'!A0", "'+cmd|' /C calc'!A0"),
        ("-2+3+cmd", "'-2+3+cmd"),
        ("-Infinity", "'-Infinity"),
        ("-5", "-5"),
        ("+1.50", "+1.50"),
        ("-1e3", "-1e3"),
        ("Mug = 0.3 l", "Mug = 0.3 l"),
        ("", ""),
        (None, ""),
        (42, "42"),
    ],
)
def test_a_cell_is_neutralised_only_when_a_spreadsheet_would_run_it(cell, written):
    assert neutralise_cell(cell) == written


def test_a_csv_download_neutralises_header_and_rows():
    response = csv_response(filename="x.csv", header=["number", "=x"], rows=[["A-1", "@y"]])

    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="x.csv"'
    text = response.content.decode("utf-8-sig")
    assert list(csv.reader(io.StringIO(text))) == [["number", "'=x"], ["A-1", "'@y"]]
