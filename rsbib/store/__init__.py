"""library.db: the only place that speaks SQL. `Library` (library) is the object every command
opens (through guard, one sync at a time by synclock); the parts by concern: schema and its
upgrade ladder, runs, entries, works, keys, outcomes, pins (corrections by hand) and reapply
(corrections re-applied where the library writes).
"""
