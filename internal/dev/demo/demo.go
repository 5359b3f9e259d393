// Package demo loads the demonstration data of `tvp dev`: the two teams, staff in every role,
// and a few citizens with made-up names and made-up CPR numbers (CitizenLogins: only their
// keyed hashes are stored, so that the demo citizens can log in at the development
// provider). Loading is idempotent: running it again changes nothing.
package demo

import (
	"context"
	"fmt"
	"time"

	"tvp/domain"
	"tvp/store"
)

func ptr[T any](v T) *T { return &v }

// Teams are the programme's two teams with the seed's settings.
var Teams = []domain.Team{
	{ID: "ungeteam", Name: "Ungeteam", Centre: domain.CentreLabour, TargetGroup: domain.TargetYoung,
		Settings: domain.DefaultTeamSettings(domain.TargetYoung)},
	{ID: "familieteam", Name: "Familieteam", Centre: domain.CentreChildren, TargetGroup: domain.TargetFamily,
		Settings: domain.DefaultTeamSettings(domain.TargetFamily)},
}

// Staff is one of each role, and each team's lead and four half-time consultants.
var Staff = []domain.Staff{
	{ID: "styregruppe.bo", Name: "Bo Centerchef", HoursPerWeek: 37, Centre: ptr(domain.CentreLabour), Roles: []domain.Role{domain.RoleSteeringGroup}},
	{ID: "styregruppe.dorte", Name: "Dorte Direktør", HoursPerWeek: 37, Roles: []domain.Role{domain.RoleSteeringGroup}},
	{ID: "admin", Name: "Administrator", HoursPerWeek: 37, Roles: []domain.Role{domain.RoleAdmin}},
	{ID: "leder.ulla", Name: "Ulla Teamleder", TeamID: ptr("ungeteam"), HoursPerWeek: 37, Centre: ptr(domain.CentreLabour), Roles: []domain.Role{domain.RoleTeamLead}},
	{ID: "leder.finn", Name: "Finn Teamleder", TeamID: ptr("familieteam"), HoursPerWeek: 37, Centre: ptr(domain.CentreChildren), Roles: []domain.Role{domain.RoleTeamLead}},
	{ID: "konsulent.anna", Name: "Anna Borgerkonsulent", TeamID: ptr("ungeteam"), HoursPerWeek: 17, LeadID: ptr("leder.ulla"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.bilal", Name: "Bilal Borgerkonsulent", TeamID: ptr("ungeteam"), HoursPerWeek: 17, LeadID: ptr("leder.ulla"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.cecilie", Name: "Cecilie Borgerkonsulent", TeamID: ptr("ungeteam"), HoursPerWeek: 17, LeadID: ptr("leder.ulla"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.dennis", Name: "Dennis Borgerkonsulent", TeamID: ptr("ungeteam"), HoursPerWeek: 17, LeadID: ptr("leder.ulla"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.eva", Name: "Eva Borgerkonsulent", TeamID: ptr("familieteam"), HoursPerWeek: 17, LeadID: ptr("leder.finn"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.frida", Name: "Frida Borgerkonsulent", TeamID: ptr("familieteam"), HoursPerWeek: 17, LeadID: ptr("leder.finn"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.gustav", Name: "Gustav Borgerkonsulent", TeamID: ptr("familieteam"), HoursPerWeek: 17, LeadID: ptr("leder.finn"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "konsulent.hanne", Name: "Hanne Borgerkonsulent", TeamID: ptr("familieteam"), HoursPerWeek: 17, LeadID: ptr("leder.finn"), Roles: []domain.Role{domain.RoleConsultant}},
	{ID: "leder.karen", Name: "Karen Centerleder", HoursPerWeek: 37, Centre: ptr(domain.CentreHealth), Roles: []domain.Role{domain.RoleTeamLead}},
	{ID: "tovholder.ida", Name: "Ida Tovholder", HoursPerWeek: 18.5, Centre: ptr(domain.CentreHealth), LeadID: ptr("leder.karen"), Roles: []domain.Role{domain.RoleCoordinator}},
	{ID: "koordinator.jonas", Name: "Jonas Koordinerende Sagsbehandler", HoursPerWeek: 37, Centre: ptr(domain.CentreLabour), Roles: []domain.Role{domain.RoleCoordinatingCaseworker, domain.RoleCaseworker}},
	{ID: "sagsbehandler.lise", Name: "Lise Sagsbehandler", HoursPerWeek: 37, Centre: ptr(domain.CentreChildren), Roles: []domain.Role{domain.RoleCaseworker}},
	{ID: "sagsbehandler.mads", Name: "Mads Sagsbehandler", HoursPerWeek: 37, Centre: ptr(domain.CentreHealth), Roles: []domain.Role{domain.RoleCaseworker}},
	{ID: "sagsbehandler.per", Name: "Per Sagsbehandler", HoursPerWeek: 37, Centre: ptr(domain.CentreLabour), Roles: []domain.Role{domain.RoleCaseworker}},
	{ID: "tovholder.nina", Name: "Nina Tovholder", HoursPerWeek: 18.5, Centre: ptr(domain.CentreHealth), LeadID: ptr("leder.karen"), Roles: []domain.Role{domain.RoleCoordinator}},
	{ID: "koordinator.olga", Name: "Olga Koordinerende Sagsbehandler", HoursPerWeek: 37, Centre: ptr(domain.CentreChildren), Roles: []domain.Role{domain.RoleCoordinatingCaseworker, domain.RoleCaseworker}},
}

// Citizens are made up; their CPR numbers are too (CitizenLogins), and only their keyed
// hashes are in the system.
var Citizens = []domain.Citizen{
	{ID: "6f1c1a9e-0d0e-4b52-9a51-000000000001", Name: "Mikkel Demo", BirthDate: ptr("2007-03-14")},
	{ID: "6f1c1a9e-0d0e-4b52-9a51-000000000002", Name: "Sara Demo", BirthDate: ptr("2003-11-02")},
	{ID: "6f1c1a9e-0d0e-4b52-9a51-000000000003", Name: "Lene Demo-Familie", BirthDate: ptr("1985-06-21")},
	{ID: "6f1c1a9e-0d0e-4b52-9a51-000000000004", Name: "Oskar Demo-Familie", BirthDate: ptr("2012-01-09")},
}

// CitizenLogin is a demo citizen as a user of the development provider (internal/dev/idp): the
// user name they log in with and the CPR number the provider vouches for.
type CitizenLogin struct {
	// CitizenID is the demo citizen's id; empty for the Outsider.
	CitizenID, Username, Name string
	// CPR is made up: a date that is the citizen's birth day and a serial chosen for the demo.
	// It is fictitious, never checked against the CPR register; do not use it for a real
	// person. TVP stores only its keyed hash (LoadCitizenHashes), as for every citizen.
	CPR string
}

// CitizenLogins are the demo citizens' logins, and one person who is in no plan or course
// (the last: TVP tells them so, and audits the refusal).
var CitizenLogins = []CitizenLogin{
	{CitizenID: Citizens[0].ID, Username: "borger.mikkel", Name: Citizens[0].Name, CPR: "140307-4001"},
	{CitizenID: Citizens[1].ID, Username: "borger.sara", Name: Citizens[1].Name, CPR: "021103-4002"},
	{CitizenID: Citizens[2].ID, Username: "borger.lene", Name: Citizens[2].Name, CPR: "210685-1003"},
	{CitizenID: Citizens[3].ID, Username: "borger.oskar", Name: Citizens[3].Name, CPR: "090112-4004"},
	Outsider,
}

// Outsider is a made-up person with a made-up CPR number who has no plan or course in TVP.
var Outsider = CitizenLogin{Username: "borger.ulrik", Name: "Ulrik Udenfor", CPR: "010190-1005"}

// LoadCitizenHashes gives the demo citizens the keyed hashes of their made-up CPR numbers
// under the pepper, so that they can log in (and a referral with the number finds them).
func LoadCitizenHashes(ctx context.Context, s *store.Store, pepper string) error {
	for _, c := range CitizenLogins {
		if c.CitizenID == "" {
			continue
		}
		n, err := domain.NormalizeCPR(c.CPR)
		if err != nil {
			return fmt.Errorf("demo: citizen %s: %w", c.Username, err)
		}
		if err := s.SetCitizenHash(ctx, c.CitizenID, domain.CPRHash(pepper, n)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// Load writes the register (teams, staff, citizens), the demo citizens' CPR hashes under the
// pepper and the programme's decisions. Loading again changes nothing.
func Load(ctx context.Context, s *store.Store, pepper string) error {
	if err := LoadRegister(ctx, s); err != nil {
		return err
	}
	if err := LoadCitizenHashes(ctx, s, pepper); err != nil {
		return err
	}
	return LoadDecisions(ctx, s)
}

// LoadRegister writes the teams, staff and citizens.
func LoadRegister(ctx context.Context, s *store.Store) error {
	for _, t := range Teams {
		if err := s.UpsertTeam(ctx, t); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	// Leads first: consultants refer to them.
	for pass := 0; pass < 2; pass++ {
		for _, m := range Staff {
			m.Email = m.ID + "@tvp.example"
			if (m.LeadID == nil) != (pass == 0) {
				continue
			}
			if err := s.UpsertStaff(ctx, m); err != nil {
				return fmt.Errorf("demo: %w", err)
			}
		}
	}
	for _, c := range Citizens {
		if err := s.EnsureCitizen(ctx, c.ID, c.Name, c.BirthDate); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// Decisions are the programme's history as the seed tells it (2017-2020), each by its first
// committee meeting; the others that treated it are named in the text.
var Decisions = []domain.Decision{
	{DecidedOn: time.Date(2017, 11, 14, 0, 0, 0, 0, time.UTC), Body: domain.BodyBUL, Title: "Fra helhedsorienteret sagsbehandling til Ny Velfærd",
		Text: "Sagen tages til efterretning – redesign af Ny Social Indsats til ny tværgående velfærdsindsats der rækker bredere, herunder strategisk samarbejde med Region Sjælland. (BUL 14.11, SSU 15.11, ØU 22.11.)"},
	{DecidedOn: time.Date(2017, 11, 22, 0, 0, 0, 0, time.UTC), Body: domain.BodyOU, Title: "Tværgående indsatspulje",
		Text: "0,4 mio. kr. bevilget til en tværgående indsatspulje, som anvendes til TVP."},
	{DecidedOn: time.Date(2018, 6, 11, 0, 0, 0, 0, time.UTC), Body: domain.BodySSU, Title: "Tværgående velfærdsprogram – efterretning og godkendelse af mål unge",
		Text:    "Målgruppe, mål og succeskriterier for unge i TVP borgerkonsulentmodel godkendes. Programmets redesign tages til efterretning. (SSU 11.6, AET 13.6, BUL 20.6, ØU 19.6.)",
		Changes: []domain.Change{{Kind: domain.ChangeTargets, TeamID: "ungeteam"}}},
	{DecidedOn: time.Date(2019, 2, 4, 0, 0, 0, 0, time.UTC), Body: domain.BodySSU, Title: "Tværgående velfærdsprogram – mål og halvårlig status på borgerforløb",
		Text:    "Mål for familier og 15-17-årige i borgerkonsulentmodellen godkendes samt ½ årlig målprogression for borgere i to teams. (SSU 4.2, BUL 5.2, AET 13.2.)",
		Changes: []domain.Change{{Kind: domain.ChangeTargets, TeamID: "familieteam"}, {Kind: domain.ChangeTargets, TeamID: "ungeteam"}}},
	{DecidedOn: time.Date(2019, 8, 19, 0, 0, 0, 0, time.UTC), Body: domain.BodySSU, Title: "Tværgående velfærdsprograms status – målprogression i to teams, nye målsætninger",
		Text:    "Status for udvikling af borgerforløb i to teams tages til efterretning samt nye målsætninger i to teams mhp. sikre fremdrift og fuld ressourceudnyttelse. (SSU 19.8, AET 19.8, BUL 26.8, ØU 3.9.)",
		Changes: []domain.Change{{Kind: domain.ChangeTargets, TeamID: "familieteam"}, {Kind: domain.ChangeTargets, TeamID: "ungeteam"}}},
	{DecidedOn: time.Date(2020, 6, 4, 0, 0, 0, 0, time.UTC), Body: domain.BodySSU, Title: "Familieteamet sættes på pause",
		Text:    "Familieteamet sættes på pause og genoptages senest 1. januar; sagen vender tilbage til alle udvalg i september 2020 med det mål at genopstarte borgerkonsulentmodellen i Familieteamet. (Social og Sundhed, 4. juni 2020, pkt. 186.)",
		Changes: []domain.Change{{Kind: domain.ChangePause, TeamID: "familieteam"}}},
}

// LoadDecisions loads the seed's decisions once.
func LoadDecisions(ctx context.Context, s *store.Store) error {
	for i, d := range Decisions {
		d.RecordedBy = "admin"
		if _, err := s.AddDecision(ctx, d, fmt.Sprintf("seed-%d", i+1)); err != nil {
			return fmt.Errorf("demo: %w", err)
		}
	}
	return nil
}

// Actor is a demo staff member as the service identifies them (roles, team, the people they
// lead), for tests and the benchmark that send steps straight to a workflow.
func Actor(id string) domain.Actor {
	for _, m := range Staff {
		if m.ID != id {
			continue
		}
		for _, o := range Staff {
			if o.LeadID != nil && *o.LeadID == id {
				m.Leads = append(m.Leads, o.ID)
			}
		}
		return m.Actor()
	}
	panic("demo: no staff member " + id)
}
