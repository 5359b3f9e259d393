package main

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/domain"
	"tvp/internal/testing/apptest"
	"tvp/internal/testing/testenv"
	"tvp/service"
	"tvp/store"
)

// A pepper rotation: citizens recorded under the old pepper are recognised while the old one
// is the previous pepper (by a referral's look-up and by an enrolment's), tvp citizens rehash
// moves their hashes (one found by their birth day, one only by trying days), and with the
// new pepper alone they are recognised still. Nobody is recorded twice.
func TestPepperRotation(t *testing.T) {
	app := apptest.Start(t)
	// The demo citizens log in with made-up CPR numbers hashed under the test pepper; this
	// test rotates the pepper of its own citizens only.
	_, err := app.Store.DB().Exec("UPDATE citizens SET cpr_hmac = NULL")
	require.NoError(t, err)
	ctx := context.Background()
	old, current := strings.Repeat("old-pepper-", 4), strings.Repeat("new-pepper-", 4)
	svc := func(pepper, previous string) *service.Service {
		return service.New(app.Store, app.Temporal, service.Config{TaskQueue: app.TaskQueue, TemporalTimeout: 10 * time.Second,
			CPRPepper: pepper, CPRPepperPrevious: previous}, app.Log)
	}
	before, during, after := svc(old, ""), svc(current, old), svc(current, "")
	caller := func(s *service.Service, id string) service.Caller {
		c, err := s.Identify(ctx, id, "", "")
		require.NoError(t, err)
		return c
	}
	// tvp:fixed-date a birth date is a fact about the person, never compared with today
	anna := service.CitizenIn{CPR: "010203-1234", Name: "Anna Borger", BirthDate: "2003-02-01"}
	bo := service.CitizenIn{CPR: "150590-4321", Name: "Bo Borger"} // no birth day: found by trying days
	refer := func(s *service.Service, consultant, team string, c service.CitizenIn) (service.Created, error) {
		return s.Refer(ctx, caller(s, consultant), service.ReferInput{TeamID: team, Citizens: []service.CitizenIn{c},
			ConsultantIDs: []string{consultant}, StartDate: app.Day(0, 0, 0), Goals: []service.GoalIn{{Text: "Et mål"}}})
	}
	enrol := func(s *service.Service, c service.CitizenIn) (service.Created, error) {
		return s.Enrol(ctx, caller(s, "tovholder.ida"), service.EnrolInput{Citizen: c, EnrolmentIn: service.EnrolmentIn{
			CoordinatorID: "tovholder.ida", CoordinatingCaseworkerID: "koordinator.jonas",
			CaseworkerIDs: []string{"sagsbehandler.lise", "sagsbehandler.mads"}}})
	}
	citizenOf := func(courseID string) string {
		rec, err := app.Store.GetCourse(ctx, courseID)
		require.NoError(t, err)
		require.Len(t, rec.CitizenIDs, 1)
		return rec.CitizenIDs[0]
	}
	recognised := func(err error, what string) {
		t.Helper()
		require.Error(t, err, "%s: the citizen was not recognised", what)
		assert.Equal(t, domain.EConflict, domain.ErrorCode(err), "%s: %v", what, err)
	}
	hashOf := func(id string) []byte {
		var h []byte
		require.NoError(t, app.Store.DB().Get(&h, "SELECT cpr_hmac FROM citizens WHERE id = $1", id))
		return h
	}
	citizens := func() int {
		var n int
		require.NoError(t, app.Store.DB().Get(&n, "SELECT count(*) FROM citizens"))
		return n
	}
	hash := func(pepper string, c service.CitizenIn) []byte {
		cpr, err := domain.NormalizeCPR(c.CPR)
		require.NoError(t, err)
		return domain.CPRHash(pepper, cpr)
	}

	// Recorded under the old pepper.
	base := citizens()
	c, err := refer(before, "konsulent.anna", "ungeteam", anna)
	require.NoError(t, err)
	annaID := citizenOf(c.ID)
	c, err = refer(before, "konsulent.eva", "familieteam", bo)
	require.NoError(t, err)
	boID := citizenOf(c.ID)
	require.Equal(t, base+2, citizens())

	// During the rotation: recognised under the previous pepper, by the referral's look-up
	// and by the enrolment's.
	_, err = refer(during, "konsulent.anna", "ungeteam", anna)
	recognised(err, "a second referral during the rotation")
	p, err := enrol(during, bo)
	require.NoError(t, err)
	facts, err := app.Store.PlanFacts(ctx, p.ID)
	require.NoError(t, err)
	assert.Equal(t, boID, facts.CitizenID, "the enrolment names the citizen recorded under the old pepper")
	assert.Equal(t, hash(old, anna), hashOf(annaID), "still under the old pepper: recognised by the previous one")
	assert.Equal(t, base+2, citizens(), "nobody recorded twice")

	// tvp citizens rehash (over a few days, not a century, for the one without a birth day).
	// tvp:fixed-date the birth days around Bo's (15 May 1990), from his CPR number
	days := domain.DayRange{From: time.Date(1990, 5, 10, 0, 0, 0, 0, time.UTC), To: time.Date(1990, 5, 20, 0, 0, 0, 0, time.UTC)}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	rep, err := rehashCitizens(ctx, app.Store, current, old, days, log)
	require.NoError(t, err)
	assert.Equal(t, rehashReport{Citizens: 2, Moved: 2}, rep)
	assert.Equal(t, hash(current, anna), hashOf(annaID))
	assert.Equal(t, hash(current, bo), hashOf(boID))
	rep, err = rehashCitizens(ctx, app.Store, current, old, days, log)
	require.NoError(t, err)
	assert.Equal(t, rehashReport{Citizens: 2, Current: 2}, rep, "a second run moves nothing")
	assert.NoError(t, rep.err(), "every citizen under the new pepper: exit 0")

	// After: the new pepper alone recognises them.
	_, err = refer(after, "konsulent.anna", "ungeteam", anna)
	recognised(err, "a referral after the rehash")
	_, err = enrol(after, bo)
	recognised(err, "an enrolment after the rehash")
	_, err = refer(after, "konsulent.eva", "familieteam", bo)
	recognised(err, "a referral after the rehash")
	assert.Equal(t, base+2, citizens(), "nobody recorded twice")

	// A citizen under neither pepper is reported, and left as they are.
	stranger, err := app.Store.KnownCitizen(ctx, store.NewCitizen{ID: "3b0a6a2e-8d0f-4d8e-9a3c-0000000000c9",
		Hash: domain.CPRHash("a third pepper", "1505901111"), Name: "X"})
	require.NoError(t, err)
	rep, err = rehashCitizens(ctx, app.Store, current, old, days, log)
	require.NoError(t, err)
	assert.Equal(t, rehashReport{Citizens: 3, Current: 2, Neither: []string{stranger}}, rep)
	assert.ErrorIs(t, rep.err(), errRehashIncomplete, "exit 1")
	assert.Contains(t, rep.err().Error(), "1 under neither pepper (a wrong TVP_CPR_PEPPER_PREVIOUS?): "+stranger)
	assert.Equal(t, domain.CPRHash("a third pepper", "1505901111"), hashOf(stranger), "left as they are")
}

// tvp citizens rehash needs the previous pepper, refuses the development pepper as the new
// one in production, and exits 0 when there is nothing to move.
func TestCitizensRehashCommand(t *testing.T) {
	db := testenv.NewDatabase(t)
	code, stderr := runBounded(t, map[string]string{"TVP_DATABASE_URL": db}, "migrate")
	require.Equal(t, 0, code, stderr)
	env := map[string]string{"TVP_DATABASE_URL": db, "TVP_CPR_PEPPER": strings.Repeat("n", 40), "TVP_CPR_PEPPER_PREVIOUS": ""}

	code, stderr = runBounded(t, env, "citizens", "rehash")
	assert.Equal(t, 1, code)
	assert.Contains(t, stderr, "tvp citizens rehash: TVP_CPR_PEPPER_PREVIOUS")

	env["TVP_CPR_PEPPER_PREVIOUS"] = strings.Repeat("o", 40)
	code, stderr = runBounded(t, env, "citizens", "rehash")
	assert.Equal(t, 0, code, "no citizens: nothing to move: %s", stderr)

	prod := map[string]string{"TVP_ENV": "production", "TVP_DATABASE_URL": db, "TVP_CPR_PEPPER": "", "TVP_CPR_PEPPER_PREVIOUS": strings.Repeat("o", 40)}
	code, stderr = runBounded(t, prod, "citizens", "rehash")
	assert.Equal(t, 2, code)
	assert.Contains(t, stderr, "tvp citizens rehash: TVP_CPR_PEPPER:")
}
