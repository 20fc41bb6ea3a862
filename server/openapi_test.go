package server

import (
	"encoding/json"
	"regexp"
	"slices"
	"strings"
	"testing"
)

// TestOpenAPIMatchesRoutes checks that every operation of openapi.json is
// a route of the server and every /api route is in openapi.json, with the
// same path parameters.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	var doc struct {
		OpenAPI string                                `json:"openapi"`
		Paths   map[string]map[string]json.RawMessage `json:"paths"`
	}
	if err := json.Unmarshal(openAPI, &doc); err != nil {
		t.Fatalf("openapi.json: %v", err)
	}
	if !strings.HasPrefix(doc.OpenAPI, "3.") {
		t.Errorf("openapi = %q, want 3.x", doc.OpenAPI)
	}
	var inDoc, inTable []string
	for p, ops := range doc.Paths {
		for m, op := range ops {
			inDoc = append(inDoc, strings.ToUpper(m)+" "+p)
			var o struct {
				Parameters []struct{ Name, In string }
				Responses  map[string]json.RawMessage
			}
			if err := json.Unmarshal(op, &o); err != nil {
				t.Fatal(err)
			}
			for _, want := range regexp.MustCompile(`\{(\w+)\}`).FindAllStringSubmatch(p, -1) {
				if !slices.ContainsFunc(o.Parameters, func(q struct{ Name, In string }) bool { return q.Name == want[1] && q.In == "path" }) {
					t.Errorf("%s %s: path parameter %s is not documented", m, p, want[1])
				}
			}
			if len(o.Responses) == 0 {
				t.Errorf("%s %s: no responses", m, p)
			}
		}
	}
	s := &Server{}
	for _, rt := range s.routeTable() {
		if strings.HasPrefix(rt.path, "/api/") {
			inTable = append(inTable, rt.method+" "+rt.path)
		}
	}
	slices.Sort(inDoc)
	slices.Sort(inTable)
	for _, r := range inTable {
		if !slices.Contains(inDoc, r) {
			t.Errorf("route %s is not in openapi.json", r)
		}
	}
	for _, r := range inDoc {
		if !slices.Contains(inTable, r) {
			t.Errorf("openapi.json documents %s, which the server does not route", r)
		}
	}
}

// TestOpenAPIServed checks the document is served as it is embedded.
func TestOpenAPIServed(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("GET", "/api/v1/openapi.json", "", nil), 200)
	if string(r.body) != string(openAPI) {
		t.Error("served openapi.json differs from the embedded one")
	}
}
