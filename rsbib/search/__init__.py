"""`rsbib search`: a researcher's query turned into matching works and rows (query)."""
