"""Publication: metric -> layout -> disclosure policy -> labels, in one place.

``DisclosurePolicy`` (internal, public, none) says who reads an output and so what it hides;
``MIN_CELL`` is the one minimum cell size; the ``*_table`` builders give every published table
of the dashboard and the reports; ``policy_from_config`` reads the app's setting.
"""

from dashboard.publication.coding import BAND_SUFFIX, band_for
from dashboard.publication.group_threshold import GroupLayout, withhold_small_groups
from dashboard.publication.layouts import group_layout
from dashboard.publication.policy import (
    APP_POLICIES,
    DEFAULT_POLICY,
    MIN_CELL,
    POLICY_KEY,
    DisclosurePolicy,
    InvalidPolicyError,
    policy_from_config,
    policy_summary,
)
from dashboard.publication.tables import (
    cohort_timeline_table,
    cohort_windows_table,
    completion_table,
    data_quality_table,
    filter_vs_all_table,
    grade_histogram_table,
    grade_summary_table,
    incidence_table,
    publish,
    time_to_completion_table,
)

__all__ = [
    "APP_POLICIES",
    "BAND_SUFFIX",
    "DEFAULT_POLICY",
    "MIN_CELL",
    "POLICY_KEY",
    "DisclosurePolicy",
    "GroupLayout",
    "InvalidPolicyError",
    "band_for",
    "cohort_timeline_table",
    "cohort_windows_table",
    "completion_table",
    "data_quality_table",
    "filter_vs_all_table",
    "grade_histogram_table",
    "grade_summary_table",
    "group_layout",
    "incidence_table",
    "policy_from_config",
    "policy_summary",
    "publish",
    "time_to_completion_table",
    "withhold_small_groups",
]
