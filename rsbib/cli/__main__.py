"""`python -m rsbib.cli`: the rsbib command."""

from . import main

main()
