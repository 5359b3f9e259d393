package api

import (
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

func (s *Server) listTeams(c *gin.Context) {
	teams, err := s.Service.Teams(c.Request.Context(), caller(c))
	s.answer(c, http.StatusOK, gin.H{"items": teams}, err)
}

func (s *Server) getTeam(c *gin.Context) {
	t, err := s.Service.Team(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, t, err)
}

func (s *Server) listStaff(c *gin.Context) {
	if err := knownQuery(c, "team"); err != nil {
		s.fail(c, err)
		return
	}
	staff, err := s.Service.Staff(c.Request.Context(), caller(c), service.StaffListInput{TeamID: c.Query("team")})
	s.answer(c, http.StatusOK, gin.H{"items": staff}, err)
}

// pauseTeam starts the team's pause: every open course pauses until the team resumes.
func (s *Server) pauseTeam(c *gin.Context) {
	var in service.PauseInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Service.PauseTeam(c.Request.Context(), caller(c), c.Param("id"), in)
	if err == nil {
		about(c, domain.TeamPause, domain.SubjectTeam, c.Param("id"))
	}
	s.answer(c, http.StatusAccepted, out, err)
}

// resumeTeam ends the team's pause; its courses go on with their remaining time.
func (s *Server) resumeTeam(c *gin.Context) {
	if err := emptyBody(c); err != nil {
		s.fail(c, err)
		return
	}
	st, err := s.Service.ResumeTeam(c.Request.Context(), caller(c), c.Param("id"))
	if err == nil {
		about(c, domain.TeamResume, domain.SubjectTeam, c.Param("id"))
	}
	s.answer(c, http.StatusOK, st, err)
}

// teamWorklist is a team's phase-out status and the open courses left.
func (s *Server) teamWorklist(c *gin.Context) {
	out, err := s.Service.Worklist(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, out, err)
}

func (s *Server) reorganise(c *gin.Context) {
	step(s, domain.TeamReorganise, domain.SubjectTeam, s.Service.Reorganise, func(r service.Reorganised) any { return r })(c)
}

func (s *Server) phaseOut(c *gin.Context) {
	step(s, domain.TeamPhaseOut, domain.SubjectTeam, s.Service.PhaseOut, func(r service.PhasedOut) any { return r })(c)
}

func (s *Server) setTargets(c *gin.Context) {
	step(s, domain.TeamTargets, domain.SubjectTeam, s.Service.SetTargets, func(r service.DecisionRecorded) any {
		return gin.H{"decision_id": r.ID}
	})(c)
}

// addDecision records a committee's or the steering group's decision in the register.
func (s *Server) addDecision(c *gin.Context) {
	var in service.DecisionIn
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Service.AddDecision(c.Request.Context(), caller(c), in)
	if err == nil {
		about(c, domain.DecisionsRecord, domain.SubjectProgramme, "*")
	}
	s.answer(c, http.StatusCreated, out, err)
}

// listDecisions is the decisions register (?team= for those that changed a team).
func (s *Server) listDecisions(c *gin.Context) {
	if err := knownQuery(c, "team"); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Service.Decisions(c.Request.Context(), caller(c), service.DecisionListInput{TeamID: c.Query("team")})
	s.answer(c, http.StatusOK, gin.H{"items": items}, err)
}

// reportInput reads a report's ?as_of.
func reportInput(c *gin.Context, allowed ...string) (service.ReportInput, error) {
	if err := knownQuery(c, append(allowed, "as_of")...); err != nil {
		return service.ReportInput{}, err
	}
	return service.ReportInput{AsOf: c.Query("as_of")}, nil
}

func (s *Server) steeringReport(c *gin.Context) {
	in, err := reportInput(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := s.Service.SteeringReport(c.Request.Context(), caller(c), in)
	s.answer(c, http.StatusOK, r, err)
}

// movePauseResumeBy moves the latest resume date of the team's pause, by a decision.
func (s *Server) movePauseResumeBy(c *gin.Context) {
	step(s, domain.TeamMoveResume, domain.SubjectTeam, s.Service.MovePauseResumeBy, func(p service.TeamPause) any { return p })(c)
}

// stuckEffects lists the writes that are stuck now (administrators).
func (s *Server) stuckEffects(c *gin.Context) {
	items, err := s.Service.StuckEffects(c.Request.Context(), caller(c))
	s.answer(c, http.StatusOK, gin.H{"items": items}, err)
}

// retryEffects asks a workflow of the kind to try its stuck effects again now.
func (s *Server) retryEffects(t domain.SubjectType) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := emptyBody(c); err != nil {
			s.fail(c, err)
			return
		}
		out, err := s.Service.RetryEffects(c.Request.Context(), caller(c), t, c.Param("id"))
		if err == nil {
			about(c, domain.EffectsRetry, domain.SubjectProgramme, "*")
		}
		s.answer(c, http.StatusOK, out, err)
	}
}
