"""The create form's student choices: every student of the tenant, labelled "name <email>"."""

from __future__ import annotations

import polars as pl

__all__ = ["student_options"]


def _one_line(text: str | None) -> str:
    return " ".join(text.split()) if text else ""


def student_options(
    students: pl.DataFrame | None, enrollments: pl.DataFrame
) -> list[tuple[str, str]]:
    """``(student_uuid, label)`` pairs for the picker, sorted by name, then email and uuid.

    ``students`` is the student list (``STUDENT_SCHEMA``), or None when it was not read; the
    students named by ``enrollments`` are added where the list lacks them (a list read before
    the student was created), so the picker never offers fewer than before. Labels are plain
    text: ``name <email>``, or ``name · <uuid's first 8 characters>`` where the email is not known.
    """
    listed = (
        students.select(
            pl.col("uuid").alias("student_uuid"), pl.col("name").alias("student_name"), "email"
        )
        if students is not None
        else pl.DataFrame(
            schema={"student_uuid": pl.String, "student_name": pl.String, "email": pl.String}
        )
    )
    enrolled = (
        enrollments.select("student_uuid", "student_name")
        .drop_nulls("student_uuid")
        .unique("student_uuid", keep="first")
        .join(listed, on="student_uuid", how="anti")
        .with_columns(pl.lit(None, dtype=pl.String).alias("email"))
    )
    rows = (
        pl.concat([listed, enrolled], how="vertical")
        .unique("student_uuid", keep="first", maintain_order=True)
        .sort(
            pl.col("student_name").str.to_lowercase(),
            pl.col("email").str.to_lowercase(),
            "student_uuid",
            nulls_last=True,
        )
    )
    options: list[tuple[str, str]] = []
    for uuid, name, email in rows.iter_rows():
        shown = _one_line(name) or "(no name)"
        suffix = f"<{_one_line(email)}>" if email else f"· {uuid[:8]}"
        options.append((uuid, f"{shown} {suffix}"))
    return options
