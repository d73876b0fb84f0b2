package report

import "strings"

// Bisect is what kcmin bisect found: the commit that made the minimal
// config fail (or, with Fixed, stop failing).
type Bisect struct {
	// First is the first bad (or first fixed) commit; "" when skipped
	// commits hide it, among Candidates.
	First      string   `json:"first,omitempty"`
	Subject    string   `json:"subject,omitempty"`
	AuthorDate string   `json:"author_date,omitempty"`
	Files      []string `json:"files,omitempty"`
	Candidates []string `json:"candidates,omitempty"`
	Fixed      bool     `json:"fixed,omitempty"`
	Good       string   `json:"good"`
	Bad        string   `json:"bad"`
	Steps      int      `json:"steps"` // commits judged, those replayed included
	Skips      int      `json:"skips"`
	// BuildSeconds are the steps' builds, one after another.
	BuildSeconds float64 `json:"build_seconds"`
	// Confirmed counts the good verdicts repeated because the failure is
	// flaky; Sure says how sure the result is.
	Confirmed int    `json:"confirmed,omitempty"`
	Sure      string `json:"sure"`
	// Line is what a maintainer pastes, in git bisect's words:
	// first bad commit: 0123456789ab ("subject").
	Line string `json:"line"`
}

// maxBisectFiles bounds the files the report lists.
const maxBisectFiles = 10

// bisectText is the bisection's paragraph of report.txt.
func bisectText(b *Bisect) string {
	s := "Bisected with the base and the options above (" + plural(b.Steps, "commit") + " built and judged"
	if b.Skips > 0 {
		s += ", " + plural(b.Skips, "commit") + " skipped, which could not be judged"
	}
	s += ", between " + short(b.Good) + " and " + short(b.Bad) + "): " + b.Line + "."
	if b.AuthorDate != "" {
		s += " Authored " + b.AuthorDate + "."
	}
	if n := len(b.Files); n > 0 {
		files := b.Files[:min(n, maxBisectFiles)]
		s += " It touches " + strings.Join(files, ", ")
		if n > maxBisectFiles {
			s += " and " + plural(n-maxBisectFiles, "more file")
		}
		s += "."
	}
	if b.Sure != "" {
		s += " " + strings.ToUpper(b.Sure[:1]) + b.Sure[1:] + "."
	}
	return s
}

func short(commit string) string { return commit[:min(12, len(commit))] }
