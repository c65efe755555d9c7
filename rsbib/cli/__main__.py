"""`python -m rsbib.cli`: the rsbib command."""

from rsbib.cli import main

main()
