package report

import (
	"context"
	"math"
	"time"

	"tvp/domain"
)

// TargetLine is one target of a team against the actual figure.
type TargetLine struct {
	Key         domain.TargetKey `json:"key"`
	Description string           `json:"description"`
	Target      float64          `json:"target"`
	Actual      float64          `json:"actual"`
	Met         bool             `json:"met"`
}

// TeamSteering is a team's targets and resources.
type TeamSteering struct {
	TeamID            string       `json:"team_id"`
	Targets           []TargetLine `json:"targets"`
	Referred          int          `json:"referred"`
	Open              int          `json:"open"`
	ReachedEmpEdu     int          `json:"reached_employment_or_education"`
	StaffHours        float64      `json:"staff_hours_per_week"`
	FTE               float64      `json:"full_time_equivalents"`
	CostDKK           float64      `json:"cost_dkk_per_year"`
	CostPerOpenCourse float64      `json:"cost_dkk_per_open_course"`
	CostPerEmpEdu     float64      `json:"cost_dkk_per_course_with_employment_or_education"`
}

// Steering is the programme steering report.
type Steering struct {
	AsOf      time.Time        `json:"as_of"`
	Resources domain.Resources `json:"resources"`
	Teams     []TeamSteering   `json:"teams"`
}

func round(x float64, places int) float64 {
	p := math.Pow(10, float64(places))
	return math.Round(x*p) / p
}

func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// BuildSteering computes each team's actual figures against its targets, and what its staff
// costs per open course and per course that reached employment or education.
func BuildSteering(ctx context.Context, s Source, asOf time.Time) (Steering, error) {
	res, err := s.Resources(ctx)
	if err != nil {
		return Steering{}, err
	}
	figures, err := s.TeamFigures(ctx, asOf)
	if err != nil {
		return Steering{}, err
	}
	targets, err := s.Targets(ctx)
	if err != nil {
		return Steering{}, err
	}
	loads, err := Caseloads(ctx, s)
	if err != nil {
		return Steering{}, err
	}
	out := Steering{AsOf: asOf, Resources: res, Teams: []TeamSteering{}}
	for _, f := range figures {
		norm := 0
		for _, l := range loads {
			if l.TeamID == f.TeamID {
				norm += l.NormMax
			}
		}
		actual := map[domain.TargetKey]float64{
			domain.TargetOutcomeShare: round(ratio(float64(f.ReachedEmpEdu), float64(f.Referred)), 3),
			domain.TargetPerYear:      float64(f.ReferredLastYr),
			domain.TargetCapacityUse:  round(ratio(float64(f.Open), float64(norm)), 3),
		}
		fte := ratio(f.StaffHours, res.FTEHours)
		cost := fte * res.FTECostDKK
		ts := TeamSteering{
			TeamID: f.TeamID, Targets: []TargetLine{}, Referred: f.Referred, Open: f.Open, ReachedEmpEdu: f.ReachedEmpEdu,
			StaffHours: f.StaffHours, FTE: round(fte, 2), CostDKK: math.Round(cost),
			CostPerOpenCourse: math.Round(ratio(cost, float64(f.Open))), CostPerEmpEdu: math.Round(ratio(cost, float64(f.ReachedEmpEdu))),
		}
		for _, t := range targets {
			if t.TeamID == f.TeamID {
				a := actual[t.Key]
				ts.Targets = append(ts.Targets, TargetLine{Key: t.Key, Description: t.Description, Target: t.Target, Actual: a, Met: a >= t.Target})
			}
		}
		out.Teams = append(out.Teams, ts)
	}
	return out, nil
}
