"""The markdown list itself: read into rows (parse), judged as a list at all (sanity),
checked against the library (check) and fixed cell by cell (cells), extended by a paper
(add), and remembered at each sync (history) so that two versions can be compared (changes).
"""
