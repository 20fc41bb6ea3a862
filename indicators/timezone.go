package indicators

import (
	"time"
	// The time zone database is embedded: `timezone:` works on machines
	// without one (Windows, minimal containers).
	_ "time/tzdata"
)

// DefaultTimeZone is the time zone of the reading formats when the set has
// no `timezone:`.
const DefaultTimeZone = "Asia/Shanghai"

// timezone reads the top-level `timezone:`, an IANA time zone name such as
// Asia/Shanghai (the default) or UTC.
func (r *reader) timezone(f *field) string {
	if f == nil {
		return DefaultTimeZone
	}
	name, ok := r.text(f)
	if !ok {
		return DefaultTimeZone
	}
	if _, err := time.LoadLocation(name); err != nil || name == "" || name == "Local" {
		r.errorf(f.valuePos(r), "timezone: unknown time zone %q; write an IANA name such as Asia/Shanghai or UTC", name)
		return DefaultTimeZone
	}
	return name
}

// Location returns the time zone of the set's `timezone:` (Asia/Shanghai
// by default), in which the reading formats show times.
func (s *Set) Location() *time.Location {
	return LoadTimeZone(s.TimeZone)
}

// LoadTimeZone returns the named time zone, Asia/Shanghai when name is
// empty or unknown.
func LoadTimeZone(name string) *time.Location {
	if name == "" {
		name = DefaultTimeZone
	}
	loc, err := time.LoadLocation(name)
	if err != nil {
		loc, _ = time.LoadLocation(DefaultTimeZone)
	}
	return loc
}
