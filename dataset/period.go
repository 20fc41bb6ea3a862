package dataset

import (
	"fmt"
	"strconv"
)

// PeriodKind is the granularity of a period.
type PeriodKind uint8

// Period granularities, told apart by their written form.
const (
	Year    PeriodKind = iota + 1 // YYYY
	Half                          // YYYY-Hn, n = 1..2
	Quarter                       // YYYY-Qn, n = 1..4
	Month                         // YYYY-MM, MM = 01..12
)

// String names the format, as used in error messages ("YYYY-Qn").
func (k PeriodKind) String() string {
	switch k {
	case Year:
		return "YYYY"
	case Half:
		return "YYYY-Hn"
	case Quarter:
		return "YYYY-Qn"
	case Month:
		return "YYYY-MM"
	}
	return "invalid"
}

// Period is a reporting period. The zero Period is invalid. Periods of one
// kind order chronologically by Before.
type Period struct {
	Kind PeriodKind
	Year int
	N    int // half, quarter or month number; 0 for Year
}

// ParsePeriod reads YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM.
func ParsePeriod(s string) (Period, error) {
	bad := fmt.Errorf("invalid period %q: want YYYY, YYYY-Hn, YYYY-Qn or YYYY-MM", s)
	if len(s) < 4 || !digits(s[:4]) {
		return Period{}, bad
	}
	y, _ := strconv.Atoi(s[:4])
	if len(s) == 4 {
		return Period{Kind: Year, Year: y}, nil
	}
	if s[4] != '-' {
		return Period{}, bad
	}
	rest := s[5:]
	switch {
	case len(rest) == 2 && (rest[0] == 'H' || rest[0] == 'h') && rest[1] >= '1' && rest[1] <= '2':
		return Period{Kind: Half, Year: y, N: int(rest[1] - '0')}, nil
	case len(rest) == 2 && (rest[0] == 'Q' || rest[0] == 'q') && rest[1] >= '1' && rest[1] <= '4':
		return Period{Kind: Quarter, Year: y, N: int(rest[1] - '0')}, nil
	case len(rest) == 2 && digits(rest):
		m, _ := strconv.Atoi(rest)
		if m >= 1 && m <= 12 {
			return Period{Kind: Month, Year: y, N: m}, nil
		}
	}
	return Period{}, bad
}

func digits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// String writes the period in its canonical form (2024, 2024-H1, 2024-Q3,
// 2024-07).
func (p Period) String() string {
	switch p.Kind {
	case Year:
		return fmt.Sprintf("%04d", p.Year)
	case Half:
		return fmt.Sprintf("%04d-H%d", p.Year, p.N)
	case Quarter:
		return fmt.Sprintf("%04d-Q%d", p.Year, p.N)
	case Month:
		return fmt.Sprintf("%04d-%02d", p.Year, p.N)
	}
	return ""
}

// IsZero reports whether p is the zero (invalid) Period.
func (p Period) IsZero() bool { return p.Kind == 0 }

// Prev returns the calendar predecessor: 2024 → 2023, 2024-H1 → 2023-H2,
// 2024-Q1 → 2023-Q4, 2024-01 → 2023-12.
func (p Period) Prev() Period {
	per := map[PeriodKind]int{Half: 2, Quarter: 4, Month: 12}[p.Kind]
	switch {
	case p.Kind == Year:
		return Period{Kind: Year, Year: p.Year - 1}
	case p.N > 1:
		return Period{Kind: p.Kind, Year: p.Year, N: p.N - 1}
	default:
		return Period{Kind: p.Kind, Year: p.Year - 1, N: per}
	}
}

// Before reports whether p comes before q (kind first, then time).
func (p Period) Before(q Period) bool {
	if p.Kind != q.Kind {
		return p.Kind < q.Kind
	}
	if p.Year != q.Year {
		return p.Year < q.Year
	}
	return p.N < q.N
}
