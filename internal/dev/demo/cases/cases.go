// Package cases loads the demo's cases: its courses and its plan, through the service like any
// other caller's (package demo holds the register they are about).
package cases

import (
	"context"
	"fmt"
	"time"

	"tvp/domain"
	"tvp/internal/dev/demo"
	"tvp/service"
	"tvp/store"
)

// Course is a course of the demo: referred by a team's lead, through the service as any
// referral, under a key of its own (so that loading again refers nothing new).
type Course struct {
	Key, TeamID, ReferredBy string
	Citizens                []demo.CitizenLogin
	ConsultantIDs           []string
	Goals                   []string
}

// Courses running in the demo, two months old when loaded.
var Courses = []Course{
	{Key: "course/ungeteam", TeamID: "ungeteam", ReferredBy: "leder.ulla", Citizens: []demo.CitizenLogin{demo.CitizenLogins[0]},
		ConsultantIDs: []string{"konsulent.anna"}, Goals: []string{"Starte på en ungdomsuddannelse", "Stabil døgnrytme"}},
	{Key: "course/familieteam", TeamID: "familieteam", ReferredBy: "leder.finn", Citizens: []demo.CitizenLogin{demo.CitizenLogins[2], demo.CitizenLogins[3]},
		ConsultantIDs: []string{"konsulent.eva", "konsulent.frida"}, Goals: []string{"Oskar kommer i skole hver dag", "Lene i praktik"}},
}

// Plan is the demo citizen in the collaboration model, enrolled by her coordinator through the
// service under a key of its own.
var Plan = struct {
	Key, EnrolledBy string
	Citizen         demo.CitizenLogin
	Enrolment       service.EnrolmentIn
}{
	Key: "plan", EnrolledBy: "tovholder.ida", Citizen: demo.CitizenLogins[1],
	Enrolment: service.EnrolmentIn{CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas",
		CaseworkerIDs: []string{"sagsbehandler.lise", "sagsbehandler.mads", "sagsbehandler.per"}},
}

// Load writes the demo register, the demo citizens' CPR hashes under the service's pepper and
// the programme's decisions, and then refers the demo courses and enrols the demo citizen
// through the service, as the team leads and the coordinator would (the service starts their
// workflows). Loading again changes nothing. The cases are made under keys that begin with
// install: the same install makes the same cases (ids and workflow ids made from the keys); an
// installation that shares its Temporal namespace with another names itself apart.
func Load(ctx context.Context, s *store.Store, svc *service.Service, pepper, install string, today time.Time) error {
	if err := demo.Load(ctx, s, pepper); err != nil {
		return err
	}
	start := domain.DateIn(today).AddDate(0, -2, 0).Format(time.DateOnly)
	for _, c := range Courses {
		by, err := caller(ctx, svc, c.ReferredBy, install+"/"+c.Key)
		if err != nil {
			return err
		}
		in := service.ReferInput{TeamID: c.TeamID, ConsultantIDs: c.ConsultantIDs, StartDate: start}
		for _, p := range c.Citizens {
			in.Citizens = append(in.Citizens, service.CitizenIn{CPR: p.CPR, Name: p.Name})
		}
		for _, g := range c.Goals {
			in.Goals = append(in.Goals, service.GoalIn{Text: g})
		}
		if _, err := svc.Refer(ctx, by, in); err != nil {
			return fmt.Errorf("demo: refer %s: %w", c.Key, err)
		}
	}
	by, err := caller(ctx, svc, Plan.EnrolledBy, install+"/"+Plan.Key)
	if err != nil {
		return err
	}
	in := service.EnrolInput{Citizen: service.CitizenIn{CPR: Plan.Citizen.CPR, Name: Plan.Citizen.Name}, EnrolmentIn: Plan.Enrolment}
	if _, err := svc.Enrol(ctx, by, in); err != nil {
		return fmt.Errorf("demo: enrol: %w", err)
	}
	return nil
}

// caller is a member of the demo staff as the service knows them, sending a request under the
// key: the same key makes the same course or plan.
func caller(ctx context.Context, svc *service.Service, staffID, key string) (service.Caller, error) {
	by, err := svc.Identify(ctx, staffID, "", key)
	if err != nil {
		return by, fmt.Errorf("demo: %s: %w", staffID, err)
	}
	by.Request = "demo"
	return by, nil
}
