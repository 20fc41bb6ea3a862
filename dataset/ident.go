package dataset

// IsIdentifier reports whether s is a valid metric name or node id:
// [A-Za-z_][A-Za-z0-9_]* (SPEC §3 and §4.2). Such names can be used as
// identifiers in expressions.
func IsIdentifier(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z':
		case c >= '0' && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
