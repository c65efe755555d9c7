// Read a BibTeX file (stdin) with citation-js and print what it understood as CSL-JSON (stdout).
// tests/test_export_readers.py compares that with rsbib's own CSL-JSON export.
const { Cite } = require('@citation-js/core')
require('@citation-js/plugin-bibtex')

const input = require('fs').readFileSync(0, 'utf8')
const items = new Cite(input, { forceType: '@bibtex/text' }).data
process.stdout.write(JSON.stringify(items, null, 1))
