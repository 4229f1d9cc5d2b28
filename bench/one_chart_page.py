"""The floor of a first chart in Streamlit: a page with one small Altair bar chart and nothing else.

``first_chart_bench.py`` serves it with a bare ``streamlit run`` beside the dashboard, so the
time a browser needs to load Streamlit's frontend and draw one Vega-Lite chart on this machine is
measured in the same run as the dashboard's first chart.
"""

from __future__ import annotations

import altair as alt
import polars as pl
import streamlit as st

st.set_page_config(page_title="One chart", layout="wide")
st.title("One chart")
rates = pl.DataFrame(
    {"intake_year": [str(year) for year in range(2015, 2026)], "completion_rate": [0.6] * 11}
)
chart = alt.Chart(rates).mark_bar().encode(x="intake_year:N", y="completion_rate:Q")
st.vega_lite_chart(chart.to_dict(), theme=None)
