package api

import (
	"net/http"
	"time"

	"github.com/gin-gonic/gin"

	"tvp/domain"
	"tvp/report"
)

// statusReport is the status report as of now (or as_of), as JSON, or the team table as CSV
// (?format=csv).
func (s *Server) statusReport(c *gin.Context) {
	in, err := reportInput(c, "format")
	if err != nil {
		s.fail(c, err)
		return
	}
	format := c.Query("format")
	if format != "" && format != "json" && format != "csv" {
		s.fail(c, domain.FieldError("format", "is json or csv"))
		return
	}
	r, err := s.Service.StatusReport(c.Request.Context(), caller(c), in)
	if err != nil {
		s.fail(c, err)
		return
	}
	if format != "csv" {
		c.JSON(http.StatusOK, r)
		return
	}
	b, err := report.TeamsCSV(r.Teams)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.Header("Content-Disposition", `attachment; filename="tvp-status-`+r.AsOf.Format(time.DateOnly)+`.csv"`)
	c.Data(http.StatusOK, "text/csv; charset=utf-8", b)
}

// committeeReports lists the stored half-yearly reports.
func (s *Server) committeeReports(c *gin.Context) {
	items, err := s.Service.CommitteeReports(c.Request.Context(), caller(c))
	s.answer(c, http.StatusOK, gin.H{"items": items}, err)
}

// committeeReport returns one stored report.
func (s *Server) committeeReport(c *gin.Context) {
	r, err := s.Service.CommitteeReport(c.Request.Context(), caller(c), c.Param("id"))
	s.answer(c, http.StatusOK, r, err)
}

// produceCommitteeReport runs the half-yearly report now (an admin), through its workflow.
func (s *Server) produceCommitteeReport(c *gin.Context) {
	if err := emptyBody(c); err != nil {
		s.fail(c, err)
		return
	}
	res, err := s.Service.ProduceCommitteeReport(c.Request.Context(), caller(c))
	if err == nil {
		about(c, domain.ReportsProduce, domain.SubjectProgramme, "*")
	}
	s.answer(c, http.StatusCreated, res, err)
}
