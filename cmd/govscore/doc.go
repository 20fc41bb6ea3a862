// Command govscore evaluates the performance of governance bodies from an
// indicator set written in YAML and data in CSV, and publishes rankings in
// which every number can be explained and reproduced.
//
// Usage:
//
//	govscore init DIR [--lang zh|en]       scaffold a working project
//	govscore validate DIR [--max-errors N] check YAML, expressions and data; write nothing
//	govscore template DIR [--provider P] [--period P] -o F.xlsx   a provider's fill-in workbook
//	govscore run DIR [-o OUT] [--period P] [--format csv,json,html,xlsx,md] [--lang zh|en]
//	                 [--uncertainty N --seed S] [--analysis auto|on|off] [--db URL]
//	govscore explain DIR --subject ID|NAME [--period P]
//	govscore test DIR                      run the expectations in DIR/tests.yaml
//	govscore analyse DIR [--json] [--uncertainty N --seed S]
//	govscore assess DIR [--period P]       assessment reliability report
//	govscore report OUT [--format html,xlsx,md,csv] [--lang zh|en] [-o DIR]
//	govscore report --batch ID [--db URL] [-o DIR]
//	govscore db migrate | import DIR [--db URL]
//	govscore batch list | show ID | approve ID | publish ID | diff A B [--db URL]
//	govscore serve --db URL [--addr 127.0.0.1:8080] [--project DIR] [--throwaway-admin]
//	govscore user add NAME --role admin|provider|assessor|subject [--provider P] [--subject ID]
//	                 [--items a,b] --password-file F [--db URL]
//	govscore gen DIR --subjects N --leaves M [--seed S]   write a synthetic project
//
// Flags may come before or after DIR. Instead of DIR, the files may be named
// directly: --indicators F --subjects F --metrics F[,F] --assessments F.
//
// Exit codes: 0 success (warnings go to stderr), 1 invalid input (nothing is
// written), 2 usage error, 3 any other failure (I/O). `govscore test` exits
// 1 when an expectation fails.
//
// Outputs of run (in OUT, default DIR/out/<period>): results.csv,
// indicators.csv, results.json, report.html, results.xlsx, results.md
// (the publications compare with the previous period when the data hold
// it, scored with the same set). They are written to a temporary directory
// and moved into OUT only when every file is complete, so a failed run
// leaves no partial files. results.json records generated_at from
// SOURCE_DATE_EPOCH when it is set (reproducible outputs), else the clock.
package main
