"""The dashboard's server process: everything a page needs is loaded before the first viewer.

``python -m dashboard.app.server [streamlit options]`` is ``streamlit run dashboard/app/main.py``
with two things done first, so a viewer who opens the page after a restart waits only for the
page itself: every module the pages use is imported (``preload``: seconds of imports on 2
cores), and, in a background thread once the server listens, the data source is opened and its
latest snapshot read into the process-wide cache the sessions share (an expired one also
starts its background refresh; with no snapshot yet, the first sync starts).
"""

from __future__ import annotations

import logging
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import streamlit.web.cli as streamlit_cli

from dashboard.app import media_guard, preload, runtime

__all__ = ["ENTRY", "main", "warm_up"]

ENTRY = Path(__file__).resolve().parent / "main.py"
logger = logging.getLogger("dashboard.app")
# preload has imported every module a page uses (``preload.WARMED_UP`` ran the lazy paths).
_PRELOADED = preload.WARMED_UP


# Streamlit warns once per cached call made outside a page run ("missing ScriptRunContext").
_NO_CONTEXT_LOGGER = "streamlit.runtime.scriptrunner_utils.script_run_context"


def warm_up() -> None:
    """Open the source and read its latest snapshot, as the first viewer's run would."""
    quiet = logging.getLogger(_NO_CONTEXT_LOGGER)
    level = quiet.level
    quiet.setLevel(logging.ERROR)
    try:
        runtime.current_dataset(runtime.current_source())
    except Exception:  # the first viewer's run will show the same problem, with its message
        logger.warning("warming up the dashboard failed; the first view will try again")
    finally:
        quiet.setLevel(level)


def main(argv: Sequence[str] | None = None) -> None:
    """``streamlit run`` of the entry file with ``argv`` as its options, after the warm-up."""
    media_guard.install()  # with sign-in, /media answers only the user who made the file
    threading.Thread(target=warm_up, name="dashboard-warm-up", daemon=True).start()
    sys.argv = ["streamlit", "run", str(ENTRY), *(sys.argv[1:] if argv is None else argv)]
    streamlit_cli.main()


if __name__ == "__main__":
    main()
