"""data_quality page (being built)."""

from __future__ import annotations

import streamlit as st

from dashboard.app.runtime import page_context

context = page_context()
st.title("data_quality")
