"""Rows of the list -> canonical works: the plan of who is asked what (plan), whether a
candidate is the row's paper (matching), one work from several records (combine), the
resolver that drives the sources (resolver), the answers kept for `upgrade` (cache), and
`rsbib sync` as a library call (sync).
"""
