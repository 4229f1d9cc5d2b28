"""Every module the dashboard's pages use, imported (and warmed up) once before any page runs.

Why: Streamlit runs each browser session's script in its own thread. On a fresh process the
first sessions used to import pandas, pyarrow and altair's narwhals backends lazily, from those
threads, at the same time; altair and narwhals test ``sys.modules`` for pandas ("use it if it is
already imported") instead of importing it, so one session could find another session's
*half-imported* pandas and fail with ``partially initialized module 'pandas' has no attribute
'Timestamp'`` (raised inside altair; 8 of 10 sessions opened together drew no chart).

How: the entry file (``dashboard/app/main.py``) imports this module before any module of ours
(streamlit is loaded already: it runs the server). The first session to
get there imports everything below and runs the warm-up while holding this module's import lock;
every other session blocks on that lock at the same line, so no page code runs until all of it
is complete, and afterwards page code imports nothing new (``tests/app/test_preload.py`` checks
both). Page code must not import inside functions; a module a page needs is added here.
"""

from __future__ import annotations

import datetime as dt
import importlib
from typing import Final

import altair as alt
import pandas
import polars as pl
import streamlit.dataframe_util

from dashboard.charts import completion_rate_chart
from dashboard.metrics import rate_with_interval

__all__ = ["MODULES", "WARMED_UP"]

# Third-party modules the pages reach, with the sub-modules they would otherwise load lazily on
# first use (found by tracing every import a page run made on a fresh process).
THIRD_PARTY: Final = (
    "numpy",
    "pandas",
    "pandas.api.extensions",
    "pandas.api.types",
    "pandas.io.formats.style",
    "pyarrow",
    "pyarrow.compute",
    "pyarrow.pandas_compat",
    "polars",
    "polars._utils.parquet",
    "narwhals",
    "narwhals._arrow.dataframe",
    "narwhals._interchange.dataframe",
    "narwhals._pandas_like.dataframe",
    "narwhals._polars.dataframe",
    "altair",
    "altair.utils.data",
    "altair.vegalite.v6",
    "vl_convert",
    "streamlit.dataframe_util",
    "streamlit.dataframe.lazy_df_adapters",
    "streamlit.elements.arrow",
    "streamlit.elements.vega_charts",
    "streamlit.material_icon_names",
    "httpx",
    "httpcore",
    "redis",
    # Codecs the HTTP client and the cache look up by name on first use.
    "encodings.idna",
    "encodings.hex_codec",
    # The demo sandbox (started by the first session when no API is configured) runs uvicorn in
    # this process; uvicorn picks its loop and protocols when it starts.
    "fastapi.telemetry._runtime",
    "pydantic.v1",
    "uvicorn.lifespan.on",
    "uvicorn.loops.asyncio",
    "uvicorn.loops.auto",
    "uvicorn.protocols.http.auto",
    "uvicorn.protocols.websockets.auto",
)
# Our own modules that the entry file and the pages (dashboard/app/views/*.py) import.
OURS: Final = (
    "dashboard.access",
    "dashboard.app.actor",
    "dashboard.app.cohort_choice",
    "dashboard.app.correction_create_form",
    "dashboard.app.correction_delete",
    "dashboard.app.correction_edit_form",
    "dashboard.app.correction_forms",
    "dashboard.app.disclosure",
    "dashboard.app.enrollment_search",
    "dashboard.app.global_filters",
    "dashboard.app.header",
    "dashboard.app.kpis",
    "dashboard.app.media_guard",
    "dashboard.app.page_params",
    "dashboard.app.page_reports",
    "dashboard.app.page_sections",
    "dashboard.app.panels",
    "dashboard.app.plain_text",
    "dashboard.app.published",
    "dashboard.app.runtime",
    "dashboard.app.scope",
    "dashboard.app.sidebar",
    "dashboard.app.signin",
    "dashboard.app.signin_config",
    "dashboard.app.table_display",
    "dashboard.app.student_choice",
    "dashboard.app.traceability",
    "dashboard.app.vega_spec",
    "dashboard.app.view_cache",
    "dashboard.charts",
    "dashboard.charts.placeholders",
    "dashboard.client",
    "dashboard.data.corrections",
    "dashboard.data.shared_store",  # opened lazily by open_store, only with a shared store
    "dashboard.data.snapshots",  # opened lazily by open_store (after a sync's first request)
    "dashboard.metrics",
    "dashboard.metrics.groupings",
    "dashboard.publication",
    "dashboard.reports.cohort_windows",
    "dashboard.reports.completion",
    "dashboard.reports.records",
    "dokstamp_sandbox.runner",  # imported lazily by open_source, only for the demo
    "dashboard.sources",
)
MODULES: Final = THIRD_PARTY + OURS


def _warm_up() -> bool:
    """Run once, outside any page, the code paths that load modules on first use.

    A tiny chart from a polars frame, serialised as Streamlit serialises it, takes altair through
    narwhals' polars, pyarrow and pandas paths; a pandas Timestamp and an Arrow round trip finish
    what pandas and pyarrow set up on first use.
    """
    day = dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    frame = pl.DataFrame(
        {
            "group": ["a", "b"],
            "when": [day, day],
            "date": [day.date(), day.date()],
            "n": [10, 10],
            "completed": [5, 7],
        }
    )
    pandas.Timestamp(day).isoformat()
    frame.to_arrow().to_pandas()
    streamlit.dataframe_util.convert_anything_to_arrow_bytes(frame)
    alt.Chart(frame).mark_point().encode(x="when:T", y="n:Q", color="group:N").to_dict()
    rates = frame.with_columns(rate_with_interval("completion_rate", "completed", "n"))
    completion_rate_chart(rates, by="group").to_dict()
    return True


for _name in MODULES:
    importlib.import_module(_name)
WARMED_UP: Final = _warm_up()
