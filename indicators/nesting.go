package indicators

import (
	"github.com/goccy/go-yaml/scanner"
	"github.com/goccy/go-yaml/token"

	"github.com/govscore/govscore/diag"
)

// MaxNesting is the deepest nesting of collections a YAML file (an
// indicator set, a tests.yaml) may have: flow collections ([ ], { }) and
// block levels together. The YAML parser recurses once per level, so a
// hostile file nested 100,000 deep would take gigabytes (issue 12); real
// indicator sets stay below 20.
const MaxNesting = 100

// CheckNesting scans the YAML src with the (non-recursive) lexer and
// returns an error at the first collection nested deeper than MaxNesting,
// or nil. It runs before the parser, which is not handed such a file.
// Block levels are counted by indentation: each sequence entry "-" and
// each line's first token opens a level deeper than the open levels at
// smaller columns.
func CheckNesting(filename string, src []byte) *diag.Error {
	var sc scanner.Scanner
	sc.Init(string(src))
	flow, prevLine := 0, 0
	var block []int // columns of the open block levels, increasing
	for {
		// Scan a few tokens at a time and stop at the first level too
		// deep: the scanner slows down on deep flow collections, so it
		// must not see the whole of a hostile file.
		tks, err := sc.Scan()
		if err != nil {
			return nil // io.EOF, or a syntax error the parser reports
		}
		for _, tk := range tks {
			if tk.Position == nil || tk.Type == token.CommentType {
				continue
			}
			line, col := tk.Position.Line, tk.Position.Column
			lineFirst := line != prevLine
			prevLine = line
			switch tk.Type {
			case token.SequenceStartType, token.MappingStartType:
				flow++
			case token.SequenceEndType, token.MappingEndType:
				flow = max(flow-1, 0)
			}
			if flow == 0 && (lineFirst || tk.Type == token.SequenceEntryType) {
				for len(block) > 0 && block[len(block)-1] >= col {
					block = block[:len(block)-1]
				}
				block = append(block, col)
			}
			if flow+len(block) > MaxNesting {
				return diag.Textf("collections nested more than %d deep: flatten the structure (a tree deeper than a few levels is not an indicator set)",
					MaxNesting).At(diag.Pos{File: filename, Line: max(line, 1), Col: max(col, 1)})
			}
		}
	}
}
