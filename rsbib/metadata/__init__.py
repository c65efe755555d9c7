"""What rsbib knows of a paper, whatever its source: the typed records (records), arXiv ids
and DOIs (identifiers), personal names (names), venues and list labels (venues), ASCII
stand-ins (translit) and citation keys (citekeys). Pure functions; no I/O.
"""
