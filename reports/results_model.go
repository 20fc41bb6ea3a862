package reports

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math"

	"github.com/govscore/govscore/diag"
)

// Results is the results.json document (format JSONFormat) as encoding/json
// decodes it: the exported schema of what WriteJSON writes, and the source
// from which Results.View rebuilds the publication view of a published
// batch without its inputs. Missing numbers are Num NaN (JSON null).
//
// WriteJSON streams the same layout from a View's columns rather than
// through this type, so that a million-subject batch is not copied to be
// written; TestResultsRewrite (decode, View, WriteJSON: the same bytes) and
// FuzzReadView hold the two together.
type Results struct {
	Format      string             `json:"format"`
	Meta        ResultsMeta        `json:"meta"`
	Scale       [2]Num             `json:"scale"`
	MinCoverage Num                `json:"min_coverage"`
	Ranking     ResultsRanking     `json:"ranking"`
	Display     *ResultsDisplay    `json:"display,omitempty"` // nil in files written before display
	Tree        []ResultsNode      `json:"tree"`
	Groups      []ResultsGroup     `json:"groups"`
	Results     []ResultsSubject   `json:"results"`
	Indicators  ResultsCells       `json:"indicators"`
	Assessments []ResultsAssessItm `json:"assessments"`
	Analysis    *ResultsAnalysis   `json:"analysis,omitempty"`
	// MethodologyWarnings are the robustness analysis's warnings.
	MethodologyWarnings []ResultsWarning `json:"methodology_warnings,omitempty"`
	Warnings            []ResultsWarning `json:"warnings"`
}

// DecodeResults decodes a results.json document and checks its format.
func DecodeResults(r io.Reader) (*Results, error) {
	var res Results
	if err := json.NewDecoder(r).Decode(&res); err != nil {
		return nil, fmt.Errorf("results.json: %w", err)
	}
	if res.Format != JSONFormat {
		return nil, fmt.Errorf("results.json: format %q, want %q", res.Format, JSONFormat)
	}
	return &res, nil
}

// Num is a number of results.json where null (or absence) means missing:
// NaN.
type Num float64

// UnmarshalJSON reads a number, or null as NaN.
func (x *Num) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*x = Num(math.NaN())
		return nil
	}
	var f float64
	if err := json.Unmarshal(b, &f); err != nil {
		return err
	}
	*x = Num(f)
	return nil
}

// MarshalJSON writes the number as WriteJSON does (AppendFloat), NaN and
// ±Inf as null.
func (x Num) MarshalJSON() ([]byte, error) { return diag.AppendJSONFloat(nil, float64(x)), nil }

// ResultsMeta is results.json's "meta": the provenance of the batch.
type ResultsMeta struct {
	Set struct {
		ID      string `json:"id"`
		Name    string `json:"name"`
		Version string `json:"version"`
		SHA256  string `json:"sha256"`
	} `json:"indicator_set"`
	DataSHA256     string `json:"data_sha256"`
	Period         string `json:"period"`
	PreviousPeriod string `json:"previous_period"`
	EngineVersion  string `json:"engine_version"`
	GeneratedAt    string `json:"generated_at"` // RFC 3339, UTC
}

// ResultsRanking is results.json's "ranking" (SPEC §4.10).
type ResultsRanking struct {
	Method string `json:"method"`
	Order  string `json:"order"` // desc or asc
	Digits int    `json:"digits"`
}

// ResultsDisplay is results.json's "display" (SPEC §4.6).
type ResultsDisplay struct {
	Digits int `json:"digits"`
}

// ResultsNode is one node of results.json's "tree", in pre-order.
type ResultsNode struct {
	ID        string   `json:"id"`
	Name      string   `json:"name"`
	Parent    string   `json:"parent"` // "" for a top-level node
	Depth     int      `json:"depth"`
	Weight    Num      `json:"weight"`
	Share     Num      `json:"share"`
	AppliesTo []string `json:"applies_to,omitempty"`
	Round     *int     `json:"round,omitempty"`
	Rank      bool     `json:"rank,omitempty"`
	Missing   string   `json:"missing"`
	MissingBy string   `json:"missing_by,omitempty"`
	Type      string   `json:"type"` // leaf or composite

	// Leaf fields.
	Expr      string `json:"expr,omitempty"`
	Direction string `json:"direction,omitempty"`
	Normalize string `json:"normalize,omitempty"`
	Low       Num    `json:"low,omitempty"`
	High      Num    `json:"high,omitempty"`
	Mean      Num    `json:"mean,omitempty"`
	SD        Num    `json:"sd,omitempty"`
	Clip      bool   `json:"clip,omitempty"`
	Transform string `json:"transform,omitempty"`
	Winsorize []Num  `json:"winsorize,omitempty"`
	// Target is the band [A, B] of a target normalisation (SPEC §4.4),
	// or the word median; To the leaf's own range [a, b].
	Target *ResultsTarget `json:"target,omitempty"`
	To     []Num          `json:"to,omitempty"`

	// Composite fields.
	Aggregate string `json:"aggregate,omitempty"`
}

// ResultsGroup is one peer group of results.json's "groups".
type ResultsGroup struct {
	Label    string             `json:"label"`
	Subjects int                `json:"subjects"`
	Rated    int                `json:"rated"`
	Leaves   []ResultsLeafStats `json:"leaves"`
	// Weights are the weights in effect of each composite's children,
	// keyed by composite id ("score" for the root).
	Weights map[string]ResultsWeights `json:"weights"`
}

// ResultsWeights are the weights in effect of a composite's children in a
// peer group: {child id: weight, "@method": statistical weighting,
// "@cases": complete cases}.
type ResultsWeights struct {
	Children map[string]Num
	Method   string
	Cases    int
}

// UnmarshalJSON reads the object of child weights with its optional
// "@method" and "@cases".
func (w *ResultsWeights) UnmarshalJSON(b []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	*w = ResultsWeights{Children: make(map[string]Num, len(m))}
	for k, raw := range m {
		var err error
		switch k {
		case "@method":
			err = json.Unmarshal(raw, &w.Method)
		case "@cases":
			err = json.Unmarshal(raw, &w.Cases)
		default:
			var x Num
			err = json.Unmarshal(raw, &x)
			w.Children[k] = x
		}
		if err != nil {
			return fmt.Errorf("weights %q: %w", k, err)
		}
	}
	return nil
}

// MarshalJSON writes the object: the child weights, "@method" when set,
// "@cases" when positive.
func (w ResultsWeights) MarshalJSON() ([]byte, error) {
	m := make(map[string]any, len(w.Children)+2)
	for k, x := range w.Children {
		m[k] = x
	}
	if w.Method != "" {
		m["@method"] = w.Method
	}
	if w.Cases > 0 {
		m["@cases"] = w.Cases
	}
	return json.Marshal(m)
}

// ResultsTreat is a leaf's JRC treatment record in a peer group.
type ResultsTreat struct {
	Outcome    string   `json:"outcome"`
	SkewBefore Num      `json:"skew_before"`
	KurtBefore Num      `json:"kurtosis_before"`
	SkewAfter  Num      `json:"skew_after"`
	KurtAfter  Num      `json:"kurtosis_after"`
	Winsorised []string `json:"winsorised"`
	LogShift   Num      `json:"log_shift"`
}

// ResultsLeafStats are a leaf's statistics in a peer group.
type ResultsLeafStats struct {
	Indicator string `json:"indicator"`
	N         int    `json:"n"`
	Missing   int    `json:"missing"`
	Min       Num    `json:"min"`
	Max       Num    `json:"max"`
	Mean      Num    `json:"mean"`
	SD        Num    `json:"sd"`
	Norm      struct {
		N          int `json:"n"`
		Min        Num `json:"min"`
		Max        Num `json:"max"`
		Mean       Num `json:"mean"`
		SD         Num `json:"sd"`
		WinsorLow  Num `json:"winsor_low"`
		WinsorHigh Num `json:"winsor_high"`
	} `json:"normalisation"`
	Uninformative bool          `json:"uninformative"`
	Treat         *ResultsTreat `json:"treat,omitempty"`
}

// ResultsSubject is one subject of results.json's "results", in output
// order.
type ResultsSubject struct {
	PeerGroup   string             `json:"peer_group"`
	Subject     string             `json:"subject"`
	Name        string             `json:"name"`
	Kind        string             `json:"kind"`
	Status      string             `json:"status"` // rated or unrated
	Unrated     string             `json:"unrated_reason,omitempty"`
	Rank        *int               `json:"rank"`
	Score       Num                `json:"score"`
	Grade       *string            `json:"grade"`
	Coverage    Num                `json:"coverage"`
	Vetoed      *bool              `json:"vetoed"`
	Root        Num                `json:"root"`
	Nodes       map[string]Num     `json:"nodes"`       // composite id → value
	NodeStatus  map[string]*string `json:"node_status"` // composite id → ok, imputed, missing or null
	NodeRanks   map[string]*int    `json:"node_ranks,omitempty"`
	Adjustments []struct {
		ID     string `json:"id"`
		Held   bool   `json:"held"`
		Points Num    `json:"points"`
		Capped bool   `json:"capped"`
	} `json:"adjustments"`
	GradeByScore string `json:"grade_by_score"`
	GradeReason  string `json:"grade_reason"`
}

// ResultsCells are results.json's "indicators": the (subject, leaf) cells,
// in the compact layout (the leaf ids once, then per subject arrays aligned
// with them) or the row layout (columns and rows as in indicators.csv) of
// earlier writers.
type ResultsCells struct {
	Leaves   []string             `json:"leaves,omitempty"`
	Subjects []ResultsCellSubject `json:"subjects,omitempty"`
	Columns  []string             `json:"columns,omitempty"`
	Rows     []ResultsCellRow     `json:"rows,omitempty"`
}

// ResultsCellSubject is one subject's cells in the compact layout; a leaf
// that does not apply has a null status.
type ResultsCellSubject struct {
	Subject string    `json:"subject"`
	Raw     []Num     `json:"raw"`
	Value   []Num     `json:"value"`
	Status  []*string `json:"status"`
	Weight  []Num     `json:"weight"`
}

// ResultsCellRow is one row of the row layout:
// [subject, indicator, raw, value, status, weight].
type ResultsCellRow struct {
	Subject, Indicator string
	Raw, Value, Weight Num
	Status             string
}

// UnmarshalJSON reads the six-element array.
func (r *ResultsCellRow) UnmarshalJSON(b []byte) error {
	var parts []json.RawMessage
	if err := json.Unmarshal(b, &parts); err != nil {
		return err
	}
	if len(parts) != 6 {
		return fmt.Errorf("indicators row %s: want 6 fields, got %d", bytes.TrimSpace(b), len(parts))
	}
	targets := []any{&r.Subject, &r.Indicator, &r.Raw, &r.Value, &r.Status, &r.Weight}
	for i, p := range parts {
		if err := json.Unmarshal(p, targets[i]); err != nil {
			return fmt.Errorf("indicators row field %d: %w", i+1, err)
		}
	}
	return nil
}

// MarshalJSON writes the six-element array.
func (r ResultsCellRow) MarshalJSON() ([]byte, error) {
	return json.Marshal([]any{r.Subject, r.Indicator, r.Raw, r.Value, r.Status, r.Weight})
}

// ResultsWarning is one warning of results.json's "warnings".
type ResultsWarning struct {
	File      string `json:"file,omitempty"`
	Line      int    `json:"line,omitempty"`
	Col       int    `json:"col,omitempty"`
	PeerGroup string `json:"peer_group,omitempty"`
	Subject   string `json:"subject,omitempty"`
	Node      string `json:"node,omitempty"`
	Message   string `json:"message"`
}

// ResultsAssessItm is an item of results.json's "assessments" (SPEC §5).
type ResultsAssessItm struct {
	ID        string `json:"id"`
	Name      string `json:"name"`
	MinRaters *int   `json:"min_raters"` // nil when the set's definition was unknown
	Roles     []struct {
		Role      string `json:"role"`
		Weight    Num    `json:"weight"`
		MinRaters int    `json:"min_raters"`
	} `json:"roles"`
	Reliability struct {
		Raters      int            `json:"raters"`
		Ratings     int            `json:"ratings"`
		RoleRatings map[string]int `json:"role_ratings"`
		RoleMeans   map[string]Num `json:"role_means"`
		ICC1        Num            `json:"icc1"`
		Alpha       Num            `json:"krippendorff_alpha"`
		Reciprocity struct {
			Dyads   int         `json:"dyads"`
			R       Num         `json:"r"`
			Flagged [][2]string `json:"flagged_pairs"`
		} `json:"reciprocity"`
	} `json:"reliability"`
	Subjects []struct {
		Subject string `json:"subject"`
		Score   Num    `json:"score"`
		SE      Num    `json:"se"`
		CI90    [2]Num `json:"ci90"`
		Roles   map[string]struct {
			N    int  `json:"n"`
			Kept *int `json:"kept"` // nil when the role is not present
			Mean Num  `json:"mean"`
			SD   Num  `json:"sd"`
		} `json:"roles"`
	} `json:"subjects"`
}

// ResultsAnalysis is results.json's "analysis": the part the view shows,
// the uncertainty bands (SPEC §6), decoded, and the whole member as written
// (Raw).
type ResultsAnalysis struct {
	// Raw is the member in the layout of analysis.Report.JSON (indented
	// from column 0), whatever its indentation in the document.
	Raw         json.RawMessage `json:"-"`
	Uncertainty *struct {
		Replications   int      `json:"replications"`
		Seed           uint64   `json:"seed"`
		WeightNoise    Num      `json:"weight_noise"`
		Normalize      []string `json:"normalize_alternatives"`
		Aggregate      []string `json:"aggregate_alternatives"`
		RaterBootstrap bool     `json:"rater_bootstrap"`
		Subjects       []struct {
			Group     string   `json:"peer_group"`
			Subject   string   `json:"subject"`
			Nominal   int      `json:"nominal_rank"`
			Median    Num      `json:"median_rank"`
			P05       Num      `json:"p05_rank"`
			P95       Num      `json:"p95_rank"`
			Unscored  int      `json:"unscored"`
			TiedCount int      `json:"tied_count"`
			Tied      []string `json:"tied_with"`
		} `json:"subjects"`
	} `json:"uncertainty"`
}

// ResultsTarget is a leaf's `target`: a band [A, B] (a point T is [T, T])
// or the group median.
type ResultsTarget struct {
	Median    bool
	Low, High float64
}

// UnmarshalJSON reads "median" or [A, B].
func (t *ResultsTarget) UnmarshalJSON(b []byte) error {
	if string(b) == `"median"` {
		*t = ResultsTarget{Median: true}
		return nil
	}
	var band [2]Num
	if err := json.Unmarshal(b, &band); err != nil {
		return fmt.Errorf("target: want \"median\" or [A, B]: %w", err)
	}
	*t = ResultsTarget{Low: float64(band[0]), High: float64(band[1])}
	return nil
}

// MarshalJSON writes "median" or [A, B].
func (t ResultsTarget) MarshalJSON() ([]byte, error) {
	if t.Median {
		return []byte(`"median"`), nil
	}
	return json.Marshal([2]Num{Num(t.Low), Num(t.High)})
}

// UnmarshalJSON keeps the member (Raw) and decodes its uncertainty bands.
func (a *ResultsAnalysis) UnmarshalJSON(b []byte) error {
	type plain ResultsAnalysis // without this method
	var p plain
	if err := json.Unmarshal(b, &p); err != nil {
		return err
	}
	var raw bytes.Buffer
	if err := json.Indent(&raw, b, "", "  "); err != nil {
		return err
	}
	p.Raw = raw.Bytes()
	*a = ResultsAnalysis(p)
	return nil
}

// MarshalJSON writes Raw, the member as it was read, when there is one.
func (a ResultsAnalysis) MarshalJSON() ([]byte, error) {
	if a.Raw != nil {
		return a.Raw, nil
	}
	type plain ResultsAnalysis // without this method
	return json.Marshal(plain(a))
}
