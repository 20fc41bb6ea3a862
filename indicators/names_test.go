package indicators

import (
	"strings"
	"testing"
)

const namesTree = `
tree:
  - id: a
    expr: x
metrics:
  x: {}
`

// namesItems is an assessment item weighing the roles public and superior.
const namesItems = `assessments:
  - id: sat
    roles: {public: 60, superior: 40}
`

// TestKindAndRoleNames reads the `{id: 名称}` forms of kinds and roles
// next to the SPEC's list form.
func TestKindAndRoleNames(t *testing.T) {
	src := "govscore: 1\nid: names\nkinds: {gov_department: 政府部门, village: 村委会}\nroles: {public: 群众, superior: 上级领导}\n" + namesTree + namesItems
	s, err := Parse("names.yaml", []byte(src))
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(s.Kinds, ","); got != "gov_department,village" {
		t.Errorf("kinds %s", got)
	}
	if s.KindNames["village"] != "村委会" || s.KindNames["gov_department"] != "政府部门" {
		t.Errorf("kind names %v", s.KindNames)
	}
	if got := strings.Join(s.Roles, ","); got != "public,superior" || s.RoleNames["superior"] != "上级领导" {
		t.Errorf("roles %s %v", got, s.RoleNames)
	}
	list, err := Parse("list.yaml", []byte("govscore: 1\nid: names\nkinds: [a, b]\nroles: [public]\n"+namesTree+namesItems))
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(list.Kinds, ",") != "a,b" || list.KindNames != nil || strings.Join(list.Roles, ",") != "public" || list.RoleNames != nil {
		t.Errorf("list forms: %v %v %v %v", list.Kinds, list.KindNames, list.Roles, list.RoleNames)
	}
}

// TestKindAndRoleNamesBad names the position of every bad form.
func TestKindAndRoleNamesBad(t *testing.T) {
	for _, c := range []struct{ name, head, want string }{
		{"empty name", "kinds: {a: \"\"}\n", `names.yaml:3:12: kinds: "a": want a display name`},
		{"name a list", "kinds: {a: [x]}\n", `names.yaml:3:12: a: want a string, got a list`},
		{"empty mapping", "kinds: {}\n", `names.yaml:3:8: kinds: the mapping is empty`},
		{"duplicate", "kinds: {a: 甲, a: 乙}\n", `names.yaml:3:`},
		{"roles scalar", "kinds: [a]\nroles: public\n", `names.yaml:4:8: roles: want a list`},
		{"role name missing", "kinds: [a]\nroles: {public: }\n", `names.yaml:4:`},
		{"role of no item", "kinds: [a]\nroles: {pubic: 群众}\n" + namesItems, `names.yaml:4:9: roles: "pubic" is a role of no assessment item (did you mean "public"?); the roles are: "public", "superior"`},
		{"roles without items", "kinds: [a]\nroles: [public]\n", `names.yaml:4:9: roles: "public": the set has no assessment item with roles`},
	} {
		t.Run(c.name, func(t *testing.T) {
			_, err := Parse("names.yaml", []byte("govscore: 1\nid: names\n"+c.head+namesTree))
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("error %v, want it to contain %q", err, c.want)
			}
		})
	}
}

// TestTimeZone reads `timezone:` (default Asia/Shanghai, from the embedded
// time zone database) and names the position of an unknown zone.
func TestTimeZone(t *testing.T) {
	s, err := Parse("tz.yaml", []byte("govscore: 1\nid: tz\nkinds: [a]\n"+namesTree))
	if err != nil {
		t.Fatal(err)
	}
	if s.TimeZone != "Asia/Shanghai" || s.Location().String() != "Asia/Shanghai" {
		t.Errorf("default time zone %q", s.TimeZone)
	}
	s, err = Parse("tz.yaml", []byte("govscore: 1\nid: tz\nkinds: [a]\ntimezone: UTC\n"+namesTree))
	if err != nil || s.TimeZone != "UTC" {
		t.Fatalf("UTC: %v %v", s, err)
	}
	_, err = Parse("tz.yaml", []byte("govscore: 1\nid: tz\nkinds: [a]\ntimezone: Asia/Beijing\n"+namesTree))
	if err == nil || !strings.Contains(err.Error(), `tz.yaml:4:11: timezone: unknown time zone "Asia/Beijing"`) {
		t.Errorf("unknown zone: %v", err)
	}
}
