"""The dashboard's server process: the first viewer gets a page that is ready, not one to build.

``python -m dashboard.app.server [streamlit options]`` is ``streamlit run dashboard/app/main.py``
with the start-up work done before a viewer comes, so a viewer who opens the page after a
restart waits only for the page to be sent and drawn:

- first, before anything else is imported: the data source is opened and its latest snapshot
  read, in a thread (``dashboard.app.prefetch``: it needs only polars and the data layer, and
  polars decodes outside the GIL, so the read runs beside the imports below, not after them);
  with no snapshot yet, the first page run starts the first sync;
- every module the pages use is imported before the server listens (``preload``: seconds of
  imports on 2 cores), then frozen out of the garbage collector (``gc.freeze``): Streamlit runs
  a full collection after every script run (``runner.postScriptGC``), which walked those ~200,000
  long-lived objects each time, 0.3-1 s per view on a loaded 2-core machine;
- in a background thread, at once: the process-wide cache the sessions share takes the source
  and the snapshot's dataset from that read (``startup.warm_up``);
- once the server listens: the default page is run once by a session of the server's own over
  the loopback websocket (``startup.render_default_page``), as a browser would, so the entry
  file and the page are compiled and the default view's KPIs, tables and charts are in the
  view cache (with sign-in configured this session only sees the sign-in page: the data is
  warm, the signed-in view is computed by its first viewer);
- an expired snapshot's background refresh is held for ``startup.FIRST_VIEWERS_SECONDS`` after
  the server listens (``runtime.hold_automatic_refresh``), so the sync does not compete with
  the first viewers for the CPU; the status line says it is starting meanwhile;
- source files are not watched (``startup.SERVER_OPTIONS``; an option given on the command
  line wins): Streamlit's watcher, there to offer a rerun when a developer saves a file, walks
  the ~1,100 imported modules at the end of each new session's first run, on the event loop
  that sends every session's messages (0.4-0.9 s at start-up, when the viewer's page is on its
  way).

The work after the read is in ``dashboard.app.startup``, imported once the read has started.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

from dashboard.app.prefetch import LATEST
from dashboard.sources import StartupError, load_config

__all__ = ["main"]

logger = logging.getLogger("dashboard.app")


def main(argv: Sequence[str] | None = None) -> None:
    """Start reading the latest snapshot, then ``startup.serve`` (``streamlit run`` of the
    entry file with ``argv`` as its options, after the warm-up)."""
    try:
        LATEST.read_latest(load_config())
    except StartupError as error:  # the first page run shows it to the viewer
        logger.warning("the snapshot is not read before the first viewer: %s", error)
    # Imported only now: seconds of imports, while the snapshot is read (see the module).
    from dashboard.app.startup import serve

    serve(argv)


if __name__ == "__main__":
    main()
