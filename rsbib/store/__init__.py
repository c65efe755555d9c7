"""library.db: the only place that speaks SQL. `Library` (library) is the object every command
opens (through guard, one sync at a time by synclock); it holds one repository per concern,
over one connection: runs, entries, works, keys, outcomes, versions (the lists read), and kept
(the sources' answers, `about`). The schema and its upgrade ladder are in schema; corrections
by hand in pins (recorded) and reapply (re-applied where the library writes).
"""
