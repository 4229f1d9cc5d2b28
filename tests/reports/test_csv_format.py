"""frame_to_csv: encoding, ISO dates, nulls, BOM, formula-injection neutralisation, read-back."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, time, timedelta

import polars as pl
import pytest
from hypothesis import given
from hypothesis import strategies as st

from dashboard.reports.csv_format import (
    UTF8_BOM,
    CsvFormatError,
    frame_to_csv,
    neutralise_formula,
)


def rows_of(data: bytes) -> list[list[str]]:
    text = data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text, newline="")))


@pytest.mark.parametrize(
    ("cell", "written"),
    [
        ('=HYPERLINK("http://x","y")', '\'=HYPERLINK("http://x","y")'),
        ("+1", "'+1"),
        ("-2+3", "'-2+3"),
        ("@SUM(A1:A2)", "'@SUM(A1:A2)"),
        ("\tcmd", "'\tcmd"),
        ("\rcmd", "'\rcmd"),
        ("a=b", "a=b"),
        (" =1", " =1"),
        ("'quoted", "'quoted"),
        ("", ""),
    ],
)
def test_text_cells_that_start_a_formula_are_prefixed_with_a_quote(cell: str, written: str) -> None:
    data = frame_to_csv(pl.DataFrame({"name": [cell]}))
    assert rows_of(data) == [["name"], [written]]
    assert neutralise_formula(cell) == written


def test_negative_numbers_in_numeric_columns_stay_numbers() -> None:
    frame = pl.DataFrame({"delta": [-1, 2], "rate": [-0.25, 0.5], "label": ["-1", "2"]})
    data = frame_to_csv(frame)
    assert data == b"delta,rate,label\n-1,-0.25,'-1\n2,0.5,2\n"
    back = pl.read_csv(data)
    assert back["delta"].to_list() == [-1, 2]
    assert back["rate"].to_list() == [-0.25, 0.5]


def test_categorical_and_enum_cells_are_neutralised_too() -> None:
    frame = pl.DataFrame(
        {
            "cat": pl.Series(["=1", "ok"], dtype=pl.Categorical),
            "enum": pl.Series(["@x", "ok"], dtype=pl.Enum(["@x", "ok"])),
        }
    )
    assert rows_of(frame_to_csv(frame)) == [["cat", "enum"], ["'=1", "'@x"], ["ok", "ok"]]


def test_header_names_are_neutralised() -> None:
    assert frame_to_csv(pl.DataFrame({"=cmd": [1]})) == b"'=cmd\n1\n"


def test_nested_text_is_json_and_neutralised_when_it_would_start_a_formula() -> None:
    frame = pl.DataFrame({"tags": [["a", "b"], None], "info": [{"k": "=x"}, None]})
    rows = rows_of(frame_to_csv(frame))
    assert rows == [["tags", "info"], ['["a","b"]', '{"k":"=x"}'], ["", ""]]


def test_dates_times_and_durations_are_iso_8601() -> None:
    frame = pl.DataFrame(
        {
            "day": [date(2024, 3, 1)],
            "at": [datetime(2024, 3, 1, 9, 30, 5, tzinfo=UTC)],
            "at_precise": [datetime(2024, 3, 1, 9, 30, 5, 250_000, tzinfo=UTC)],
            "naive": [datetime(2024, 3, 1, 9, 30)],
            "clock": [time(7, 5, 0)],
            "span": [timedelta(days=2, hours=3)],
        }
    )
    rows = rows_of(frame_to_csv(frame))
    assert rows[1] == [
        "2024-03-01",
        "2024-03-01T09:30:05+00:00",
        "2024-03-01T09:30:05.250+00:00",
        "2024-03-01T09:30:00",
        "07:05:00",
        "P2DT3H",
    ]
    assert datetime.fromisoformat(rows[1][1]) == datetime(2024, 3, 1, 9, 30, 5, tzinfo=UTC)
    assert datetime.fromisoformat(rows[1][2]).microsecond == 250_000


def test_datetimes_in_another_zone_keep_their_offset() -> None:
    frame = pl.DataFrame({"at": [datetime(2024, 1, 1, 12, tzinfo=UTC)]}).with_columns(
        pl.col("at").dt.convert_time_zone("America/Sao_Paulo")
    )
    (cell,) = rows_of(frame_to_csv(frame))[1]
    assert cell == "2024-01-01T09:00:00-03:00"
    assert datetime.fromisoformat(cell) == datetime(2024, 1, 1, 12, tzinfo=UTC)


def test_nulls_are_empty_cells_and_empty_strings_are_quoted() -> None:
    frame = pl.DataFrame({"n": [None, 1], "rate": [None, 0.5], "name": [None, ""]})
    data = frame_to_csv(frame)
    assert data == b'n,rate,name\n,,\n1,0.5,""\n'
    back = pl.read_csv(data)
    assert back["n"].to_list() == [None, 1]
    assert back["rate"].to_list() == [None, 0.5]


def test_decimals_use_a_dot_and_read_back_exactly() -> None:
    values = [0.1, 1 / 3, 2.5e-7, 123456.789]
    data = frame_to_csv(pl.DataFrame({"x": values}))
    assert b"," not in data.split(b"\n", 1)[1].replace(b"\n", b"")
    assert pl.read_csv(data)["x"].to_list() == values
    assert [float(row[0]) for row in rows_of(data)[1:]] == values


def test_utf8_accents_and_the_optional_bom() -> None:
    frame = pl.DataFrame({"student_name": ["José Müller", "Łucja Ñúñez"]})
    plain = frame_to_csv(frame)
    with_bom = frame_to_csv(frame, bom=True)
    assert not plain.startswith(UTF8_BOM)
    assert with_bom == UTF8_BOM + plain
    assert "José Müller" in plain.decode("utf-8")
    assert rows_of(with_bom)[0] == ["student_name"]  # the BOM does not leak into the header
    assert pl.read_csv(with_bom)["student_name"].to_list() == ["José Müller", "Łucja Ñúñez"]


def test_separators_quotes_and_newlines_inside_cells_round_trip() -> None:
    names = ['Smith, "Jr."', "two\nlines", "semi;colon"]
    data = frame_to_csv(pl.DataFrame({"name": names}))
    assert [row[0] for row in rows_of(data)[1:]] == names
    assert pl.read_csv(data)["name"].to_list() == names


def test_booleans_and_a_header_only_frame() -> None:
    assert frame_to_csv(pl.DataFrame({"suppressed": [True, False]})) == (
        b"suppressed\ntrue\nfalse\n"
    )
    empty = pl.DataFrame(schema={"course_uuid": pl.String, "n": pl.Int64})
    assert frame_to_csv(empty) == b"course_uuid,n\n"
    assert frame_to_csv(pl.DataFrame()) == b""


def test_python_objects_are_refused_with_a_typed_error() -> None:
    frame = pl.DataFrame({"obj": [object()]}, schema={"obj": pl.Object})
    with pytest.raises(CsvFormatError, match="obj"):
        frame_to_csv(frame)


@given(st.lists(st.text(alphabet=st.characters(exclude_categories=["Cs"])), max_size=5))
def test_any_text_reads_back_neutralised_and_nothing_else_changes(cells: list[str]) -> None:
    frame = pl.DataFrame({"text": cells}, schema={"text": pl.String})
    rows = rows_of(frame_to_csv(frame))
    assert rows[0] == ["text"]
    read = [row[0] if row else "" for row in rows[1:]]
    assert read == [neutralise_formula(cell) for cell in cells]
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for cell in read)
