package web

import (
	"math"
	"strconv"
	"strings"

	"tvp/service"
)

// The pages' two SVG charts. Go computes the geometry into a typed model; templates/charts.html
// draws it, so every text in a chart is escaped by html/template like the rest of the page.

// Colour is a fill or stroke colour of a chart.
type Colour string

// The charts' colours (the page's blue, red, green; amber for a norm).
const (
	colourBlue   Colour = "#1d4f91"
	colourRed    Colour = "#b3261e"
	colourGreen  Colour = "#1e7a3c"
	colourBrown  Colour = "#a05a00"
	colourPurple Colour = "#6a3d9a"
	colourAxis   Colour = "#999"
	colourNorm   Colour = "#f9ab00"
)

// seriesColours colour a line chart's series in turn.
var seriesColours = []Colour{colourBlue, colourRed, colourGreen, colourBrown, colourPurple}

// ChartText is a text at a point of a chart; Middle centres it on the point.
type ChartText struct {
	X, Y   int
	Text   string
	Middle bool
}

// Segment is a straight line of a chart.
type Segment struct {
	X1, Y1, X2, Y2 int
}

// XY is a point of a chart.
type XY struct {
	X, Y int
}

// ChartPoint is one data point of a line chart, with what it says.
type ChartPoint struct {
	X, Y  int
	Title string
}

// Series is one line of a line chart, with its legend entry.
type Series struct {
	Colour Colour
	Points []ChartPoint
	// Swatch is where the legend's coloured square is; Legend is its text.
	Swatch XY
	Legend ChartText
}

// Polyline is the series' points in the form of an SVG polyline's points attribute.
func (s Series) Polyline() string {
	out := make([]string, len(s.Points))
	for i, p := range s.Points {
		out[i] = strconv.Itoa(p.X) + "," + strconv.Itoa(p.Y)
	}
	return strings.Join(out, " ")
}

// LineChart is a line chart: axes, labels, and a line per series.
type LineChart struct {
	// Label names the chart for a screen reader.
	Label         string
	Width, Height int
	Axes          []Segment
	Labels        []ChartText
	Series        []Series
}

// BarChart is a chart of labelled horizontal bars, each with an optional norm line.
type BarChart struct {
	Label         string
	Width, Height int
	Bars          []Bar
}

// Bar is one row of a bar chart.
type Bar struct {
	Label  ChartText
	X, Y   int
	Width  int
	Height int
	Colour Colour
	Title  string
	Value  ChartText
	// Norm is the norm's line, if the row has one.
	Norm      *Segment
	NormTitle string
}

// bar is one row of a bar chart before it is drawn.
type bar struct {
	Label       string
	Value, Norm int
}

// px is a coordinate in whole pixels (halves to even, as the charts were drawn before).
func px(f float64) int { return int(math.RoundToEven(f)) }

// progressionChart draws each goal's score over the progressions as lines; nil when there is
// nothing to draw.
func progressionChart(st service.Course, scoreMax int) *LineChart {
	if len(st.Progressions) == 0 || scoreMax < 1 {
		return nil
	}
	const w, h, pad = 560, 220, 36
	n := len(st.Progressions)
	x := func(i int) int {
		if n == 1 {
			return w / 2
		}
		return px(pad + float64(i)*float64(w-2*pad)/float64(n-1))
	}
	y := func(score int) int { return px(float64(h-pad) - float64(score)*float64(h-2*pad)/float64(scoreMax)) }
	c := &LineChart{
		Label: "Målprogression pr. mål", Width: w, Height: h + 20*len(st.Goals),
		Axes: []Segment{{pad, h - pad, w - pad, h - pad}, {pad, pad, pad, h - pad}},
		Labels: []ChartText{
			{X: 4, Y: y(scoreMax) + 4, Text: strconv.Itoa(scoreMax)},
			{X: 4, Y: y(1) + 4, Text: "1"},
		},
	}
	for i, pr := range st.Progressions {
		c.Labels = append(c.Labels, ChartText{X: x(i), Y: h - pad + 16, Text: pr.RecordedAt.In(copenhagen).Format("01-2006"), Middle: true})
	}
	for gi, g := range st.Goals {
		s := Series{
			Colour: seriesColours[gi%len(seriesColours)],
			Swatch: XY{X: pad, Y: h + 6 + 20*gi},
			Legend: ChartText{X: pad + 18, Y: h + 16 + 20*gi, Text: g.Text},
		}
		for i, pr := range st.Progressions {
			for _, sc := range pr.Scores {
				if sc.GoalID == g.ID {
					s.Points = append(s.Points, ChartPoint{X: x(i), Y: y(sc.Score),
						Title: g.Text + ": " + strconv.Itoa(sc.Score) + " (" + dateDA(pr.RecordedAt) + ")"})
				}
			}
		}
		c.Series = append(c.Series, s)
	}
	return c
}

// barChart draws labelled horizontal bars, with a norm line where a row has a norm; nil when
// there are no rows.
func barChart(title string, rows []bar) *BarChart {
	if len(rows) == 0 {
		return nil
	}
	top := 1
	for _, r := range rows {
		top = max(top, r.Value, r.Norm)
	}
	const w, left, rowH = 560, 190, 26
	scale := float64(w-left-40) / float64(top)
	c := &BarChart{Label: title, Width: w, Height: rowH*len(rows) + 10}
	for i, r := range rows {
		y := 5 + i*rowH
		b := Bar{
			Label:  ChartText{X: 0, Y: y + 16, Text: r.Label},
			X:      left,
			Y:      y + 3,
			Width:  px(float64(r.Value) * scale),
			Height: 18,
			Colour: colourBlue,
			Title:  r.Label + ": " + strconv.Itoa(r.Value),
			Value:  ChartText{X: px(float64(left) + float64(r.Value)*scale + 4), Y: y + 16, Text: strconv.Itoa(r.Value)},
		}
		if r.Norm > 0 {
			nx := px(float64(left) + float64(r.Norm)*scale)
			b.Norm, b.NormTitle = &Segment{nx, y, nx, y + 24}, "norm "+strconv.Itoa(r.Norm)
			b.Title += " (norm " + strconv.Itoa(r.Norm) + ")"
			if r.Value > r.Norm {
				b.Colour = colourRed
			}
		}
		c.Bars = append(c.Bars, b)
	}
	return c
}
