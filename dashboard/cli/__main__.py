"""`python -m dashboard.cli`: the same as the `enrollment-outcomes` command."""

from dashboard.cli import main

main(prog_name="enrollment-outcomes")
