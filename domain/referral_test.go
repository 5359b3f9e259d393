package domain_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"tvp/domain"
)

// The referral rules, each on its own: what the team takes, whom a course can be given to,
// the caseload norm and who may go beyond it, who refers for others, and a citizen with a
// course in the team already. The store reads the facts; the rules decide on them alone.
func TestTheReferralRules(t *testing.T) {
	// tvp:fixed-date facts of a referral, decided on them alone; nothing here reads the clock
	day := time.Date(2026, 3, 2, 0, 0, 0, 0, time.UTC)
	ungeteam := domain.Team{ID: "unge", Name: "Ungeteam", TargetGroup: domain.TargetYoung, Settings: domain.DefaultTeamSettings(domain.TargetYoung)}
	team := "unge"
	consultant := func(id string, caseload int) domain.ConsultantLoad {
		return domain.ConsultantLoad{Staff: domain.Staff{ID: id, Name: id, TeamID: &team, HoursPerWeek: 17, Roles: []domain.Role{domain.RoleConsultant}}, Caseload: caseload}
	}
	facts := func(change func(*domain.ReferralFacts)) domain.ReferralFacts {
		f := domain.ReferralFacts{Team: ungeteam, Today: day, Citizens: []domain.ReferredCitizen{{}},
			Consultants: map[string]domain.ConsultantLoad{"anna": consultant("anna", 3), "bilal": consultant("bilal", 10), "cecilie": consultant("cecilie", 2)}}
		if change != nil {
			change(&f)
		}
		return f
	}
	req := func(consultants ...string) domain.ReferralRequest {
		return domain.ReferralRequest{TeamID: "unge", StartDate: day, ConsultantIDs: consultants, Citizens: 1}
	}
	other := "familie"
	cases := []struct {
		name  string
		by    domain.Actor
		req   domain.ReferralRequest
		facts domain.ReferralFacts
		code  string // "" accepted
		field string
		over  []string // overrides recorded
	}{
		{"a consultant refers to a course she works on", anna, req("anna"), facts(nil), "", "", nil},
		{"the lead refers to any of the team's consultants", ulla, req("anna"), facts(nil), "", "", nil},
		{"a consultant refers for a colleague", anna, req("cecilie"), facts(nil), domain.EForbidden, "", nil},
		{"a paused team", anna, req("anna"), facts(func(f *domain.ReferralFacts) { f.Paused = true }), domain.EConflict, "", nil},
		{"a team phased out from today", anna, req("anna"), facts(func(f *domain.ReferralFacts) { f.PhaseOutFrom = &day }), domain.EConflict, "", nil},
		{"a team phased out from tomorrow", anna, req("anna"), facts(func(f *domain.ReferralFacts) { next := day.AddDate(0, 0, 1); f.PhaseOutFrom = &next }), "", "", nil},
		{"two people to a course for one young person", anna, func() domain.ReferralRequest { r := req("anna"); r.Citizens = 2; return r }(), facts(nil), domain.EInvalid, "citizens", nil},
		{"more consultants than the team assigns", ulla, req("anna", "bilal", "cecilie", "dennis"), facts(nil), domain.EInvalid, "consultant_ids", nil},
		{"a consultant named twice", ulla, req("anna", "anna"), facts(nil), domain.EInvalid, "consultant_ids[1]", nil},
		{"a consultant who does not exist", ulla, req("zoe"), facts(nil), domain.EInvalid, "consultant_ids[0]", nil},
		{"a consultant of another team", ulla, req("eva"), facts(func(f *domain.ReferralFacts) {
			f.Consultants["eva"] = domain.ConsultantLoad{Staff: domain.Staff{ID: "eva", TeamID: &other, Roles: []domain.Role{domain.RoleConsultant}}}
		}), domain.EInvalid, "consultant_ids[0]", nil},
		{"a consultant at her norm", ulla, req("bilal"), facts(nil), domain.EConflict, "consultant_ids[0]", nil},
		{"the lead goes beyond the norm with a reason", ulla, func() domain.ReferralRequest {
			r := req("bilal")
			r.OverrideReason = "Kender familien"
			return r
		}(), facts(nil), "", "", []string{"bilal"}},
		{"a consultant gives a reason to go beyond the norm", bilal, func() domain.ReferralRequest {
			r := req("bilal")
			r.OverrideReason = "Kender familien"
			return r
		}(), facts(nil), domain.EConflict, "consultant_ids[0]", nil},
		{"a citizen with a course in the team", anna, req("anna"), facts(func(f *domain.ReferralFacts) {
			f.Citizens = []domain.ReferredCitizen{{ID: "x", ActiveCourseID: "c-9"}}
		}), "dup", "", nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			over, err := domain.DecideReferral(tc.by, tc.req, tc.facts)
			switch tc.code {
			case "":
				assert.NoError(t, err)
				var ids []string
				for _, o := range over {
					ids = append(ids, o.StaffID)
					assert.Equal(t, tc.by.ID, o.By)
					assert.NotEmpty(t, o.Reason)
				}
				assert.Equal(t, tc.over, ids)
			case "dup":
				var dup *domain.DuplicateCourse
				assert.True(t, errors.As(err, &dup), "%v", err)
			default:
				assert.Equal(t, tc.code, domain.ErrorCode(err), "%v", err)
				assert.Equal(t, tc.field, domain.ErrorField(err), "%v", err)
			}
		})
	}
	// Referring for others is a rule of the access table: its refusal says its reason.
	_, err := domain.DecideReferral(anna, req("cecilie"), facts(nil))
	assert.Equal(t, domain.ErrorMessage(domain.Permit(anna, unge, domain.CourseReferOthers)), domain.ErrorMessage(err))
}
