"""The dashboard's disclosure policy, read from its configuration on every run.

``ENROLLMENT_OUTCOMES_DISCLOSURE`` (environment or the ``[dokstamp]`` secrets table) is parsed
by ``dashboard.publication.policy_from_config``; a value it refuses stops the page with the
reason instead of publishing under a policy nobody chose.
"""

from __future__ import annotations

import streamlit as st

from dashboard.app.plain_text import escape_markdown
from dashboard.app.runtime import read_config
from dashboard.publication import DisclosurePolicy, InvalidPolicyError, policy_from_config
from dashboard.publication.labels import policy_caption

__all__ = ["app_policy", "show_policy"]


def app_policy() -> DisclosurePolicy:
    """The policy in force (internal unless configured otherwise); stops the page on a bad value."""
    try:
        return policy_from_config(read_config())
    except InvalidPolicyError as error:
        st.error(f"The dashboard is not configured correctly: {escape_markdown(str(error))}")
        st.stop()


def show_policy(policy: DisclosurePolicy) -> None:
    """The caption under a page's title: the policy in force and what it hides."""
    st.caption(escape_markdown(policy_caption(policy)))
