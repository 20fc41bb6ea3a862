// Package template holds the project that `govscore init DIR` writes: a
// small indicator set (two kinds, two dimensions, six indicators, an award
// bonus and four grades), sample data for ten subjects over two periods laid
// out as in SPEC §2 (data/subjects.csv, data/metrics.csv), and a tests.yaml
// with hand-worked expectations.
package template

import "embed"

// FS is the project tree, rooted at the project directory: indicators.yaml,
// tests.yaml, data/subjects.csv and data/metrics.csv. The CLI copies every
// file except the Go sources.
//
//go:embed indicators.yaml tests.yaml data/subjects.csv data/metrics.csv
var FS embed.FS
