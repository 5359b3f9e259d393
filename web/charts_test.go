package web

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/net/html"

	"tvp/domain"
	"tvp/service"
	"tvp/workflows/course"
)

// evil is free text as a user might type it: html/template must show it, never run it.
const evil = `<x-evil onload="alert(1)">&'"`

var (
	day0 = time.Date(2026, 3, 2, 9, 30, 0, 0, time.UTC)
	ptr  = func(t time.Time) *time.Time { return &t }
	at   = func(days int) time.Time { return day0.AddDate(0, 0, days) }
)

func sampleCourse(closed bool) service.Course {
	outcome := domain.OutcomeEducation
	c := service.Course{
		CourseID: "c-1", TeamID: "ungeteam", Kind: domain.TargetYoung, Phase: domain.PhaseActive,
		CitizenIDs: []string{"cit-1"}, ConsultantIDs: []string{"konsulent.anna", "konsulent.gone"},
		Goals:     []course.Goal{{ID: "g1", Text: "Uddannelse " + evil}, {ID: "g2", Text: "Bolig"}, {ID: "g3", Text: "Ikke scoret"}},
		StartDate: at(-400), PlannedEnd: at(30), NextDeadline: ptr(at(10)),
		Next: &domain.Next{Code: domain.NextProgression},
		Progressions: []domain.Progression{
			{Seq: 1, RecordedAt: at(-200), Scores: []domain.GoalScore{{GoalID: "g1", Score: 3}, {GoalID: "g2", Score: 5}}, Note: "Note " + evil},
			{Seq: 2, RecordedAt: at(-20), Scores: []domain.GoalScore{{GoalID: "g1", Score: 7}, {GoalID: "g2", Score: 4}}, Note: "Godt"},
		},
		Extensions: []domain.Extension{{Seq: 1, RequestedAt: at(-30), Reason: evil, OldEnd: at(-10), NewEnd: at(30),
			Decision: domain.DecisionApproved, DecidedAt: ptr(at(-25)), DecisionReason: evil}},
		Pauses:     []service.CoursePause{{PausedAt: at(-100), PlannedResume: at(-90), ResumedAt: ptr(at(-95))}},
		Milestones: []domain.Milestone{{Outcome: domain.OutcomeEmployment, Date: at(-50)}},
	}
	if closed {
		c.Phase, c.Outcome, c.ClosedOn, c.NextDeadline, c.Next = domain.PhaseClosed, &outcome, ptr(at(-1)), nil, nil
	}
	return c
}

// The progression chart: a point per score, each with its title; a line and a legend per goal;
// the geometry of before the move into html/template.
func TestProgressionChart(t *testing.T) {
	c := progressionChart(sampleCourse(false), 10)
	require.NotNil(t, c)
	assert.Equal(t, [2]int{560, 280}, [2]int{c.Width, c.Height}, "the viewBox: a legend line per goal below the chart")
	require.Len(t, c.Series, 3)
	assert.Equal(t, []ChartPoint{
		{X: 36, Y: 140, Title: "Uddannelse " + evil + ": 3 (14-08-2025)"},
		{X: 524, Y: 80, Title: "Uddannelse " + evil + ": 7 (10-02-2026)"},
	}, c.Series[0].Points)
	assert.Equal(t, "36,110 524,125", c.Series[1].Polyline())
	assert.Empty(t, c.Series[2].Points, "a goal without scores has a legend and no line")
	assert.Equal(t, ChartText{X: 54, Y: 276, Text: "Ikke scoret"}, c.Series[2].Legend)
	assert.Equal(t, []ChartText{{X: 4, Y: 40, Text: "10"}, {X: 4, Y: 173, Text: "1"},
		{X: 36, Y: 200, Text: "08-2025", Middle: true}, {X: 524, Y: 200, Text: "02-2026", Middle: true}}, c.Labels)

	one := sampleCourse(false)
	one.Progressions = one.Progressions[:1]
	assert.Equal(t, 280, progressionChart(one, 10).Series[0].Points[0].X, "a single progression is in the middle")
	assert.Nil(t, progressionChart(service.Course{}, 10))

	p, err := New(Deps{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, p.tmpls["course"].ExecuteTemplate(&buf, "lineChart", c))
	svg := buf.String()
	checkHTML(t, svg)
	assert.Equal(t, 4, strings.Count(svg, "<circle "), "a point per score")
	assert.Equal(t, 4, strings.Count(svg, "<title>"), "a title per point")
	assert.Equal(t, 3, strings.Count(svg, "<polyline "))
	assert.Contains(t, svg, `<svg class="chart" role="img" aria-label="Målprogression pr. mål" viewBox="0 0 560 280" width="100%">`)
	assert.Contains(t, svg, `<circle cx="36" cy="140" r="4" fill="#1d4f91"><title>Uddannelse &lt;x-evil onload=&#34;alert(1)&#34;&gt;&amp;&#39;&#34;: 3 (14-08-2025)</title></circle>`)
	assert.Contains(t, svg, `<polyline fill="none" stroke="#b3261e" stroke-width="2" points="36,110 524,125"/>`)
	assert.Contains(t, svg, `<rect x="36" y="266" width="12" height="12" fill="#1e7a3c"/><text x="54" y="276">Ikke scoret</text>`)
}

// The bar chart: a bar per row, red over the norm, with the norm's line.
func TestBarChart(t *testing.T) {
	c := barChart("Belastning "+evil, []bar{{Label: "Anna " + evil, Value: 11, Norm: 10}, {Label: "Bilal", Value: 4, Norm: 10}, {Label: "Uden norm", Value: 0}})
	require.NotNil(t, c)
	assert.Equal(t, 88, c.Height)
	require.Len(t, c.Bars, 3)
	assert.Equal(t, Bar{Label: ChartText{Y: 21, Text: "Anna " + evil}, X: 190, Y: 8, Width: 330, Height: 18, Colour: colourRed,
		Title: "Anna " + evil + ": 11 (norm 10)", Value: ChartText{X: 524, Y: 21, Text: "11"},
		Norm: &Segment{X1: 490, Y1: 5, X2: 490, Y2: 29}, NormTitle: "norm 10"}, c.Bars[0])
	assert.Equal(t, colourBlue, c.Bars[1].Colour)
	assert.Nil(t, c.Bars[2].Norm)
	assert.Nil(t, barChart("tom", nil))

	p, err := New(Deps{})
	require.NoError(t, err)
	var buf bytes.Buffer
	require.NoError(t, p.tmpls["team"].ExecuteTemplate(&buf, "barChart", c))
	svg := buf.String()
	checkHTML(t, svg)
	assert.Contains(t, svg, `aria-label="Belastning &lt;x-evil onload=&#34;alert(1)&#34;&gt;&amp;&#39;&#34;"`)
	assert.Equal(t, 3, strings.Count(svg, "<rect "))
	assert.Equal(t, 5, strings.Count(svg, "<title>"), "a title per bar and per norm line")
	assert.Contains(t, svg, `<line x1="490" y1="5" x2="490" y2="29" stroke="#f9ab00" stroke-width="3"><title>norm 10</title></line>`)
}

// No page builds HTML by hand: every text goes through html/template.
func TestNoHandMadeHTML(t *testing.T) {
	names, err := filepath.Glob("*.go")
	require.NoError(t, err)
	for _, n := range names {
		if strings.HasSuffix(n, "_test.go") {
			continue
		}
		src, err := os.ReadFile(n)
		require.NoError(t, err)
		assert.NotRegexp(t, `template\.(HTML|HTMLAttr|JS|CSS|URL|Srcset)\b`, string(src), n)
	}
}

// voidElements have no end tag.
var voidElements = map[string]bool{"area": true, "base": true, "br": true, "col": true, "embed": true, "hr": true,
	"img": true, "input": true, "link": true, "meta": true, "source": true, "track": true, "wbr": true}

// checkHTML fails the test unless s parses as HTML with every element closed where it was
// opened (the templates write every end tag; the parser would forgive a missing one).
func checkHTML(t *testing.T, s string) {
	t.Helper()
	_, err := html.Parse(strings.NewReader(s))
	require.NoError(t, err)
	z := html.NewTokenizer(strings.NewReader(s))
	var open []string
	offset := 0
	for {
		tt := z.Next()
		offset += len(z.Raw())
		switch tt {
		case html.ErrorToken:
			require.ErrorIs(t, z.Err(), io.EOF)
			assert.Empty(t, open, "elements never closed")
			return
		case html.StartTagToken:
			name, _ := z.TagName()
			if !voidElements[string(name)] {
				open = append(open, string(name))
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if len(open) == 0 || open[len(open)-1] != string(name) {
				t.Errorf("</%s> closes %v, near %q", name, open, near(s, offset))
				return
			}
			open = open[:len(open)-1]
		}
	}
}

var space = regexp.MustCompile(`\s+`)

func near(s string, at int) string {
	return space.ReplaceAllString(s[max(0, at-120):min(len(s), at+40)], " ")
}
