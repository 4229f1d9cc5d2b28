"""vocabulary: the polars-free names the schema takes, and the modules that stay polars-free."""

from __future__ import annotations

import subprocess
import sys

import pytest

from dashboard.data import schema, vocabulary


def test_the_schema_uses_the_one_definition() -> None:
    assert schema.COMPLETION_STATUSES is vocabulary.COMPLETION_STATUSES
    assert schema.SCHEMA_VERSION == vocabulary.SCHEMA_VERSION
    assert list(schema.CompletionStatus.categories) == list(vocabulary.COMPLETION_STATUSES)


@pytest.mark.parametrize(
    "module",
    ["dashboard.data.vocabulary", "dashboard.data.cache_keys", "dashboard.sources"],
)
def test_opening_a_source_loads_no_polars(module: str) -> None:
    # What `enrollment-outcomes sync` imports before its first request.
    probe = f"import sys, {module}; print('polars' in sys.modules, 'numpy' in sys.modules)"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=120, check=True
    )
    assert done.stdout.split() == ["False", "False"]


def test_the_package_names_load_on_first_use() -> None:
    import dashboard.data

    assert dashboard.data.load_enrollments.__module__ == "dashboard.data.loading"
    assert "load_enrollments" in dir(dashboard.data)
    with pytest.raises(AttributeError):
        dashboard.data.no_such_name  # noqa: B018
