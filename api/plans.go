package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

// enrol puts a citizen in the collaboration model.
func (s *Server) enrol(c *gin.Context) {
	var in service.EnrolInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Service.Enrol(c.Request.Context(), caller(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	about(c, domain.PlanRead, domain.SubjectPlan, out.ID)
	c.Header("Location", "/api/v1/plans/"+out.ID)
	status := http.StatusCreated
	if !out.New {
		status = http.StatusOK
	}
	c.JSON(status, out)
}

func (s *Server) getPlan(c *gin.Context) {
	v, err := s.Service.Plan(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, v.Body(), err)
}

func (s *Server) recordConsent(c *gin.Context) {
	step(s, domain.PlanConsent, domain.SubjectPlan, s.Service.RecordConsent, planBody)(c)
}

func (s *Server) withdrawConsent(c *gin.Context) {
	step(s, domain.PlanWithdrawConsent, domain.SubjectPlan, s.Service.WithdrawConsent, planBody)(c)
}

func (s *Server) leavePlan(c *gin.Context) {
	step(s, domain.PlanLeave, domain.SubjectPlan, s.Service.Leave, planBody)(c)
}

func (s *Server) scheduleMeeting(c *gin.Context) {
	step(s, domain.PlanSchedule, domain.SubjectPlan, s.Service.ScheduleMeeting, planBody)(c)
}

// meetingInvitation answers a meeting's calendar invitation (.ics), as mailed.
func (s *Server) meetingInvitation(c *gin.Context) {
	seq, err := seqParam(c, "meeting")
	if err != nil {
		s.fail(c, err)
		return
	}
	cal, err := s.Service.MeetingInvitation(c.Request.Context(), caller(c), c.Param("id"), seq)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", fmt.Sprintf("attachment; filename=\"samarbejdsmoede-%d.ics\"", seq))
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/calendar; charset=utf-8; method="+string(cal.Method), []byte(cal.ICS))
}

// noBody is the body of a step that takes none: empty, or an empty object.
type noBody struct{}

// emptyBody checks the body of a request that takes none: empty, or an empty object.
func emptyBody(c *gin.Context) error {
	if c.Request.ContentLength == 0 {
		return nil
	}
	var in noBody
	return decode(c, &in)
}

func (s *Server) recordInvitation(c *gin.Context) {
	if err := emptyBody(c); err != nil {
		s.fail(c, err)
		return
	}
	v, err := s.Service.RecordInvitation(c.Request.Context(), caller(c), c.Param("id"))
	if err == nil {
		about(c, domain.PlanInvitation, domain.SubjectPlan, c.Param("id"))
	}
	s.answer(c, http.StatusOK, v.Body(), err)
}

func (s *Server) recordMeeting(c *gin.Context) {
	step(s, domain.PlanMeetingHeld, domain.SubjectPlan, s.Service.RecordMeeting, planBody)(c)
}

func (s *Server) recordNotHeld(c *gin.Context) {
	step(s, domain.PlanNotHeld, domain.SubjectPlan, s.Service.RecordNotHeld, planBody)(c)
}

func (s *Server) recordMinutes(c *gin.Context) {
	seq, err := seqParam(c, "meeting")
	if err != nil {
		s.fail(c, err)
		return
	}
	step(s, domain.PlanMinutes, domain.SubjectPlan,
		func(ctx context.Context, by service.Caller, id string, in service.MinutesInput) (service.PlanView, error) {
			return s.Service.RecordMinutes(ctx, by, id, seq, in)
		}, planBody)(c)
}

func (s *Server) recordCitizenMeeting(c *gin.Context) {
	step(s, domain.PlanCitizenMeeting, domain.SubjectPlan, s.Service.RecordCitizenMeeting, planBody)(c)
}

func (s *Server) changeParticipants(c *gin.Context) {
	step(s, domain.PlanParticipants, domain.SubjectPlan, s.Service.ChangeParticipants, planBody)(c)
}

// listPlans lists the plans the caller takes part in.
func (s *Server) listPlans(c *gin.Context) {
	if err := knownQuery(c, "coordinator", "phase", "due_before", "cursor", "limit"); err != nil {
		s.fail(c, err)
		return
	}
	limit, err := intQuery(c, "limit")
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Service.Plans(c.Request.Context(), caller(c), service.PlanListInput{
		CoordinatorID: c.Query("coordinator"), Phase: domain.PlanPhase(c.Query("phase")), DueBefore: c.Query("due_before"),
		Cursor: c.Query("cursor"), Limit: limit,
	})
	s.answer(c, http.StatusOK, page, err)
}

func (s *Server) addAgendaPoint(c *gin.Context) {
	step(s, domain.PlanAgendaPoint, domain.SubjectPlan, s.Service.AddAgendaPoint, planBody)(c)
}

func (s *Server) completeAgreement(c *gin.Context) {
	v, err := s.Service.CompleteAgreement(c.Request.Context(), caller(c), c.Param("id"), c.Param("agreementId"))
	if err == nil {
		about(c, domain.PlanAgreementDone, domain.SubjectPlan, c.Param("id"))
	}
	s.answer(c, http.StatusOK, v.Body(), err)
}
