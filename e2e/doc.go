// Package e2e holds end-to-end tests that need more than Go: the example's
// report.html opened in headless Chromium (Debian's chromium package).
//
// The browser tests skip when /usr/bin/chromium is missing, unless CI=true,
// where a missing browser fails them. Screenshots and DOM dumps are saved
// under e2e/artifacts/ (or $GOVSCORE_ARTIFACTS) for inspection.
package e2e
