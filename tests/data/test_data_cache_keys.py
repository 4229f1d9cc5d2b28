"""Cache keys: canonical, tenant- and API-scoped, schema-versioned, never holding a secret."""

from __future__ import annotations

import pytest

from dashboard.data.cache_keys import (
    FILTERABLE,
    CacheKey,
    canonical_api_url,
    canonical_filters,
)
from dashboard.data.schema import RESOURCE_SCHEMAS as SCHEMAS
from dashboard.data.schema import SCHEMA_VERSION


def key(**overrides: object) -> CacheKey:
    fields: dict[str, object] = {
        "api_url": "https://api.dokstamp.eu",
        "tenant": "demo-university",
        "resource": "enrollments",
        "filters": {"course_uuid": "c1"},
    }
    fields.update(overrides)
    return CacheKey.of(**fields)  # type: ignore[arg-type]


def test_filter_order_and_spelling_do_not_matter() -> None:
    a = key(filters={"course_uuid": "c1", "completion_status": "completed"})
    b = key(filters={"where[completion_status]": "completed", "course_uuid": " c1 "})
    assert a.text == b.text


def test_tenant_api_resource_filters_and_schema_all_separate_keys() -> None:
    base = key()
    others = [
        key(tenant="tiny-college"),
        key(api_url="https://api.dokstamp.com"),
        key(resource="certificates"),
        key(filters={"course_uuid": "c2"}),
        key(filters={}),
        CacheKey(base.api_url, base.tenant, base.resource, base.filters, SCHEMA_VERSION + 1),
    ]
    assert len({base.text, *(other.text for other in others)}) == len(others) + 1


def test_url_is_canonical() -> None:
    assert canonical_api_url("HTTPS://API.DokStamp.eu/") == "https://api.dokstamp.eu"
    assert canonical_api_url("http://127.0.0.1:8000/api/") == "http://127.0.0.1:8000/api"
    assert canonical_api_url("https://user:secret@api.dokstamp.eu") == "https://api.dokstamp.eu"


def test_text_round_trips_and_foreign_keys_are_ignored() -> None:
    original = key(filters={"cohort_uuid": None})
    assert original.filter_map == {"cohort_uuid": "null"}
    assert CacheKey.parse(original.text) == original
    assert CacheKey.parse("something-else") is None
    assert CacheKey.parse("frame:{not json") is None
    assert CacheKey.parse(42) is None


def test_unknown_or_empty_filters_are_refused() -> None:
    with pytest.raises(ValueError, match="cannot filter enrollments on 'grade'"):
        canonical_filters("enrollments", {"grade": "8"})
    with pytest.raises(ValueError, match="cannot filter enrollments on 'student_name'"):
        canonical_filters("enrollments", {"student_name": "Maria"})
    with pytest.raises(ValueError, match="empty value"):
        canonical_filters("enrollments", {"course_uuid": " "})
    with pytest.raises(ValueError, match="unknown resource"):
        canonical_filters("institutions", {})


def test_every_filter_is_a_column_of_its_frame() -> None:
    assert set(FILTERABLE) == set(SCHEMAS)
    for resource, fields in FILTERABLE.items():
        assert fields <= set(SCHEMAS[resource].names())


def test_same_source_ignores_resource_and_filters() -> None:
    assert key().same_source(key(resource="courses", filters={}))
    assert not key().same_source(key(tenant="tiny-college"))
