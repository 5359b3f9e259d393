package api

import (
	"context"
	"net/http"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/service"
)

// answer writes a use case's answer: out as JSON with the status, or the error as a problem.
func (s *Server) answer(c *gin.Context, status int, out any, err error) {
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(status, out)
}

// about records what a POST was about, so that a repeat with its Idempotency-Key asks the
// access rule again (idempotency.go).
func about(c *gin.Context, act domain.Action, t domain.SubjectType, id string) {
	c.Set(replayKey, service.Replay{Action: act, SubjectType: t, SubjectID: id})
}

// step is a POST of a step on the subject of the path's :id: its body decoded into In, the
// use case run, and its answer encoded (body picks what to encode); the step's access action
// is kept for a replay.
func step[In, Out any](s *Server, act domain.Action, t domain.SubjectType,
	run func(context.Context, service.Caller, string, In) (Out, error), body func(Out) any) gin.HandlerFunc {
	return func(c *gin.Context) {
		var in In
		if err := decode(c, &in); err != nil {
			s.fail(c, err)
			return
		}
		id := c.Param("id")
		out, err := run(c.Request.Context(), caller(c), id, in)
		if err == nil {
			about(c, act, t, id)
		}
		s.answer(c, http.StatusOK, body(out), err)
	}
}

func courseBody(v service.CourseView) any { return v.Body() }
func planBody(v service.PlanView) any     { return v.Body() }

// createCourse refers a citizen or a family.
func (s *Server) createCourse(c *gin.Context) {
	var in service.ReferInput
	if err := decode(c, &in); err != nil {
		s.fail(c, err)
		return
	}
	out, err := s.Service.Refer(c.Request.Context(), caller(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	about(c, domain.CourseRead, domain.SubjectCourse, out.ID)
	c.Header("Location", "/api/v1/courses/"+out.ID)
	status := http.StatusCreated
	if !out.New {
		status = http.StatusOK // the same referral, repeated
	}
	c.JSON(status, out)
}

func (s *Server) getCourse(c *gin.Context) {
	v, err := s.Service.Course(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, v.Body(), err)
}

func (s *Server) recordProgression(c *gin.Context) {
	step(s, domain.CourseProgression, domain.SubjectCourse, s.Service.RecordProgression, courseBody)(c)
}

func (s *Server) recordMilestone(c *gin.Context) {
	step(s, domain.CourseMilestone, domain.SubjectCourse, s.Service.RecordMilestone, courseBody)(c)
}

func (s *Server) requestExtension(c *gin.Context) {
	step(s, domain.CourseRequestExtension, domain.SubjectCourse, s.Service.RequestExtension, courseBody)(c)
}

func (s *Server) closeCourse(c *gin.Context) {
	step(s, domain.CourseClose, domain.SubjectCourse, s.Service.Close, courseBody)(c)
}

func (s *Server) moveToCollaboration(c *gin.Context) {
	step(s, domain.CourseMove, domain.SubjectCourse, s.Service.MoveToCollaboration, courseBody)(c)
}

func (s *Server) decideExtension(c *gin.Context) {
	seq, err := seqParam(c, "extension request")
	if err != nil {
		s.fail(c, err)
		return
	}
	step(s, domain.CourseDecideExtension, domain.SubjectCourse,
		func(ctx context.Context, by service.Caller, id string, in service.DecisionInput) (service.CourseView, error) {
			return s.Service.DecideExtension(ctx, by, id, seq, in)
		}, courseBody)(c)
}

// listCourses lists the courses the caller may read.
func (s *Server) listCourses(c *gin.Context) {
	if err := knownQuery(c, "team", "consultant", "phase", "due_before", "cursor", "limit"); err != nil {
		s.fail(c, err)
		return
	}
	limit, err := intQuery(c, "limit")
	if err != nil {
		s.fail(c, err)
		return
	}
	page, err := s.Service.Courses(c.Request.Context(), caller(c), service.CourseListInput{
		TeamID: c.Query("team"), ConsultantID: c.Query("consultant"), Phase: domain.CoursePhase(c.Query("phase")),
		DueBefore: c.Query("due_before"), Cursor: c.Query("cursor"), Limit: limit,
	})
	s.answer(c, http.StatusOK, page, err)
}

// pendingExtensions is the steering group's worklist.
func (s *Server) pendingExtensions(c *gin.Context) {
	items, err := s.Service.PendingExtensions(c.Request.Context(), caller(c))
	s.answer(c, http.StatusOK, gin.H{"items": items}, err)
}
