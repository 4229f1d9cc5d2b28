"""Published tables on screen: hidden cells named, numbers formatted, rates beside n."""

from __future__ import annotations

from datetime import UTC, date, datetime

import polars as pl

from dashboard.app.table_display import display_columns, table_view


def _rates() -> pl.DataFrame:
    """completion_table(by=["intake_year"]) as published: 2023 fine, 2024 with hidden cells,
    2025 too small, then the total row."""
    return pl.DataFrame(
        {
            "intake_year": pl.Series([2023, 2024, 2025, None], dtype=pl.Int32),
            "n": [1249, 1426, None, 2700],
            "completed": [797, 843, None, 1650],
            "dropped": [400, None, None, 850],
            "enrolled": [52, None, None, 200],
            "completion_rate": [0.63811, 0.591164, None, 0.611111],
            "completion_rate_ci_low": [0.611074, 0.565436, None, 0.592],
            "completion_rate_ci_high": [0.6643, 0.616403, None, 0.63],
            "dropout_rate": [0.3203, None, None, 0.3148],
            "dropout_rate_ci_low": [0.295, None, None, 0.297],
            "dropout_rate_ci_high": [0.346, None, None, 0.332],
            "is_total": [False, False, False, True],
            "suppressed": [False, True, True, True],
            "suppression_note": [None, "small counts hidden", "n<10", "small counts hidden"],
        }
    )


def _rows(table: pl.DataFrame, **options: object) -> list[dict[str, str]]:
    return table_view(table, **options).frame.to_dicts()  # type: ignore[arg-type]


def test_rates_and_intervals_come_right_after_label_and_n() -> None:
    assert display_columns(_rates()) == [
        "intake_year",
        "n",
        "completion_rate",
        "completion_rate_ci",
        "dropout_rate",
        "dropout_rate_ci",
        "completed",
        "dropped",
        "enrolled",
    ]


def test_hidden_cells_say_why() -> None:
    fine, protected, small, total = _rows(_rates())
    assert fine == {
        "intake_year": "2023",
        "n": "1,249",
        "completion_rate": "63.8%",
        "completion_rate_ci": "61.1–66.4%",
        "dropout_rate": "32.0%",
        "dropout_rate_ci": "29.5–34.6%",
        "completed": "797",
        "dropped": "400",
        "enrolled": "52",
    }
    # Hidden to protect a small count: "hidden", never "None", "n<10" or 0.
    assert protected["n"] == "1,426"
    assert protected["completion_rate"] == "59.1%"
    assert (protected["dropped"], protected["dropout_rate"], protected["dropout_rate_ci"]) == (
        "hidden",
        "hidden",
        "hidden",
    )
    # The group is too small: every value reads n<10, its label stays.
    assert small["intake_year"] == "2025"
    assert {small[column] for column in small if column != "intake_year"} == {"n<10"}
    assert total["intake_year"] == "All enrollments"
    assert total["enrolled"] == "200"


def test_the_legend_names_the_placeholders_in_use() -> None:
    legend = table_view(_rates()).legend
    assert legend is not None
    assert legend.startswith("n<10: group too small to publish. hidden: a small count")
    assert table_view(_rates().head(1)).legend is None


def test_the_csv_frame_is_not_changed() -> None:
    table = _rates()
    table_view(table)
    assert table.equals(_rates())
    assert table.get_column("dropped")[1] is None


def test_missing_group_and_total_labels() -> None:
    table = pl.DataFrame(
        {
            "course_name": ["Biology", None, None],
            "n": [40, 30, 70],
            "certified_rate": [0.5, 0.4, 0.457],
            "is_total": [False, False, True],
            "course_uuid": ["c1", None, None],
        }
    )
    rows = _rows(table, total_label="All completed enrollments")
    assert [row["course_name"] for row in rows] == [
        "Biology",
        "(none)",
        "All completed enrollments",
    ]
    assert rows[2]["course_uuid"] == "—"
    assert rows[1]["certified_rate"] == "40.0%"


def test_months_days_grades_and_years() -> None:
    timeline = pl.DataFrame(
        {
            "cohort_code": ["BIO-22"],
            "month": [date(2022, 7, 1)],
            "new_enrollments": [1049],
            "drops": pl.Series([None], dtype=pl.Int64),
            "matures_on": [datetime(2024, 1, 31, 12, tzinfo=UTC)],
        }
    )
    (row,) = _rows(timeline, omit=("drops",))
    assert row == {
        "cohort_code": "BIO-22",
        "month": "2022-07",
        "new_enrollments": "1,049",
        "matures_on": "2024-01-31",
    }
    durations = pl.DataFrame(
        {"n_completers": [7381], "median_days": [1070.0], "mean_days": [866.567538]}
    )
    assert _rows(durations) == [
        {"n_completers": "7,381", "median_days": "1,070", "mean_days": "867"}
    ]
    grades = pl.DataFrame(
        {"n": [20], "n_graded": [15], "mean": [7.261431], "min": [None], "max": [None]}
    )
    assert _rows(grades) == [{"n": "20", "n_graded": "15", "mean": "7.26"}]


def test_every_row_of_a_long_table_reads_as_one_row_would() -> None:
    # Columns are formatted at once (format methods, polars for dates): each cell must still
    # read as the one-row table above gives it, hidden cells and year-999 dates included.
    rows = 3000
    table = pl.DataFrame(
        {
            "cohort_code": [f"C-{i}" if i % 7 else None for i in range(rows)],
            "month": [date(2000 + i % 30, 1 + i % 12, 1) for i in range(rows)],
            "n": [i * 997 - 50_000 if i % 11 else None for i in range(rows)],
            "completion_rate": [i / rows if i % 13 else None for i in range(rows)],
            "mean_days": [i * 12.345 for i in range(rows)],
            "matures_on": [datetime(2024, 1, 1 + i % 28, 23, tzinfo=UTC) for i in range(rows)],
            "is_total": [False] * rows,
            "suppressed": [i % 13 == 0 for i in range(rows)],
            "suppression_note": ["n<10" if i % 13 == 0 else None for i in range(rows)],
        }
    )
    view = _rows(table)
    assert len(view) == rows
    for row in (0, 1, 11, 999, 2_999):
        assert view[row] == _rows(table.slice(row, 1))[0]
    assert view[12] == {
        "cohort_code": "C-12",
        "month": "2012-01",
        "n": "-38,036",
        "completion_rate": "0.4%",
        "mean_days": "148",
        "matures_on": "2024-01-13",
    }
    assert view[13]["completion_rate"] == "n<10"
    assert view[14]["cohort_code"] == "(none)"
    old = pl.DataFrame({"start_date": [date(999, 5, 1), None]})
    assert _rows(old) == [{"start_date": "999-05-01"}, {"start_date": "(none)"}]


def test_counts_that_stand_alone_read_n_lt_10() -> None:
    quality = pl.DataFrame(
        {
            "check": ["a", "b"],
            "label": ["Check A", "Check B"],
            "count": [16, None],
            "suppressed": [False, True],
            "suppression_note": [None, "small counts hidden"],
        }
    )
    view = table_view(quality, hidden_small=True, omit=("check",))
    assert view.frame.to_dicts() == [
        {"label": "Check A", "count": "16"},
        {"label": "Check B", "count": "n<10"},
    ]
    assert view.legend == "n<10: count too small to publish."


def test_columns_are_labelled_and_numbers_aligned_right() -> None:
    config = table_view(_rates()).column_config
    assert config["completion_rate"]["label"] == "Completion rate"
    assert config["completion_rate_ci"]["label"] == "95% CI"
    assert config["n"]["label"] == "n"
    assert config["intake_year"]["pinned"] is True
    assert config["n"]["alignment"] == "right"
    assert "completion_rate_ci_low" in config["completion_rate_ci"]["help"]
