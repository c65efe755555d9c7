"""A user's own .bib and LaTeX files: entries read and edited in place (file), what an entry
says of its paper and what its version of record changes (fields), `rsbib upgrade` (upgrade),
and the keys a document cites (cited).
"""
