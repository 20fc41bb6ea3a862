// Package csvdata loads the data files of an evaluation (SPEC §3) —
// subjects.csv and one or more metrics files — into a *dataset.Dataset.
//
// Loading succeeds or fails as a whole. On invalid data Load and Parse return
// a nil dataset and a diag.List holding every problem found in every file,
// each at file:line:col (columns count runes, from 1) with a message that
// says what is wrong and how to fix it. Warnings (a file read as GB18030,
// blank rows skipped, a metrics file without rows) go to Dataset.Warnings.
//
// # Files
//
// All files are CSV as in RFC 4180 (encoding/csv: quoted cells may hold
// commas, quotes doubled, line breaks; empty lines are skipped). A blank
// row — one whose cells are all empty or white space, like the ",,,,," that
// Excel writes for a formatted but empty row, whatever its number of cells —
// is skipped too, in subjects.csv, metrics files (both layouts) and
// assessments files alike, with one warning per file that counts them and
// lists the lines of the first five: "m.csv: 3 blank rows skipped (lines
// 12, 40, 41)", "… (lines 3, 4, 5, 6, 7, …)" when there are more. Blank
// rows are not data rows: a subjects file of only blank rows has no
// subjects.
//
// The first row of a file is its header; its names are trimmed of white
// space and compared case-sensitively; an empty or duplicate name is an
// error. A file is UTF-8, with or without a byte order mark. A file that is not valid UTF-8 but
// decodes as GB18030 (what Excel writes on Chinese Windows) is read as
// GB18030 with a warning positioned at its first byte that is not UTF-8;
// "decodes" means the decoder produces no U+FFFD replacement character, so a
// GB18030 file containing a literal U+FFFD is rejected. Any other file is an
// error at that first byte. The two encodings overlap: a UTF-8 file with one
// stray byte pair that happens to be GB18030 is read as GB18030 (and its
// other non-ASCII text garbled), which is why the warning points at the byte.
// Every cell is trimmed of white space (Unicode spaces included) before use.
//
// subjects.csv has the columns id, name and kind (required), parent
// (optional) and any other column, read as a string attribute
// (Dataset.AttrNames; Subject.Attrs is empty when there is none). An id is
// non-empty and unique; the second row with an
// id is an error naming the first. An empty name defaults to the id. kind is
// non-empty and, when Options.Kinds is not empty, one of those kinds. parent
// is empty or the id of another subject; parent links must not form a cycle
// (reported once per cycle, at the parent cell of the cycle's first row in
// the file, as "a → b → a", each arrow pointing to the parent). A subjects
// file without data rows is an error.
//
// A metrics file is in one of two layouts, told apart by its header:
//
//   - long: subject, period, metric, value, and optionally source and note.
//     A header naming metric or value is long; any column other than these
//     six is an error.
//   - wide: subject, period and one column per metric. Columns named source
//     or note are annotations in this layout too, and are ignored; so
//     metric, value, source and note cannot be metric names in a wide file.
//
// source and note are not validated and not kept. Columns may come in any
// order. Metric names match [A-Za-z_][A-Za-z0-9_]*. Metric files are merged;
// a wide file without metric columns is an error, a file without data rows
// a warning.
//
// # Values
//
// A value cell holds a decimal number — [+-]? digits [. digits] or
// [+-]? . digits, optionally followed by an exponent [eE][+-]?digits — or
// such a number followed by % or by the full-width ％ (U+FF05) that Chinese
// input methods type (95% = 95％ = 0.95, read as the decimal 95e-2 so it is
// correctly rounded), or a missing token: the empty cell, NA, N/A,
// -, null (letters in any case). Anything else is an error ("12,5",
// "1 000", "0x10", "NaN", "Inf", "1_000"); so is a number beyond the float64
// range. A negative zero is read as zero.
//
// Such an error is at the cell and names its metric (the column header in a
// wide file, the row's metric cell in a long one), with advice on the fix:
//
//	data/metrics_2024.csv:2:14: metric "population": unparseable number "371,449": remove the thousands separators: 371449
//	m.csv:2:9: metric "rate": unparseable number "８４": full-width digits (U+FF18); type the number with ASCII digits
//
// The advice names the first full-width character in the cell (a form in
// U+FF01–U+FF5E other than ％, the ideographic full stop 。 or space U+3000)
// with its code point and the ASCII character to type; failing that, a cell
// that reads as a number with thousands separators ([+-]? d{1,3} (sep
// d{3})+ (. d+)? %?, sep one of , space U+00A0 U+202F, the same throughout)
// gets the number without them; a full-width comma gets both. An
// assessments file's score cell gets the same full-width advice. A missing token stores NaN (missing) and
// counts as an observation: the (subject, period, metric) is given.
//
// Giving a (subject, period, metric) twice, in one file or across files, is
// an error at the second place naming the first (found by a second pass over
// the files, only when there are duplicates, so memory stays at one bit per
// cell). A row for a subject not in subjects.csv is an error, with a "did you
// mean" when an id is close. A value outside its declared Options.Bounds
// [min, max] is an error.
//
// Periods are YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM (dataset.ParsePeriod). All
// metric files of a dataset use one of these formats: the first period read
// (files in the given order) sets it, and the first row of every other format
// is an error naming the first place of each.
//
// # Errors
//
// Rows with a malformed CSV record (bad quoting) or a field count that
// differs from the header's are reported and skipped. The remaining cells
// of a row whose subject or period is wrong are still checked for valid
// numbers. When subjects.csv is unusable (undecodable, no header, a
// required column missing) the metric files are still checked for
// everything but their subject ids and duplicates. An error that concerns a
// whole header row (a missing column) is at the header's column 1.
//
// A file that cannot be read is not invalid input: Load returns that I/O
// error as is (an *fs.PathError) rather than a diag.List.
//
// # Limits on hostile input
//
// A row (and so a cell) longer than MaxRowBytes stops its file with an error
// at the row, before encoding/csv buffers it. At most diag.MaxCollected
// errors are kept, the others counted (the list's Len stays exact). Values
// echoed in messages are clipped to 80 characters. A control character
// (NUL, ESC…) in a subjects.csv cell or an assessments cell is an error at
// the cell; names and attributes may hold line breaks and tabs, ids, kinds
// and parents not.
//
// # Performance
//
// Files are streamed with encoding/csv (ReuseRecord); numbers are parsed
// without allocation, exactly (Clinger's fast path for up to 15 significant
// digits and exponents up to ±22, strconv.ParseFloat otherwise); values land
// directly in the dataset's columns, with a bit per cell for duplicate
// detection. Every file is read twice (encoding check, then parse), and once
// or twice more only when it holds errors. Memory is about 8 bytes per
// (subject, metric, period) cell plus the subjects. On the development
// machine a 100 000 × 50 wide file (35 MB, with subjects.csv) loads in about
// 0.37 s (BenchmarkLoadWide) and a 1 000 000 × 50 file (337 MB) in 6.7 s with
// a peak RSS of 0.8 GB.
package csvdata
