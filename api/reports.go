package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/report"
	"tvp/workflows/committee"
)

func (s *Server) mayReadReports(c *gin.Context) error {
	return requireAny(c, "reading reports", domain.RoleTeamLead, domain.RoleSteeringGroup, domain.RoleAdmin)
}

// statusReport is the status report as of now (or as_of), as JSON, or the team table as CSV
// (?format=csv).
func (s *Server) statusReport(c *gin.Context) {
	if err := s.mayReadReports(c); err != nil {
		s.fail(c, err)
		return
	}
	if err := knownQuery(c, "as_of", "format"); err != nil {
		s.fail(c, err)
		return
	}
	asOf, err := s.asOfParam(c)
	if err != nil {
		s.fail(c, err)
		return
	}
	r, err := report.Build(c.Request.Context(), s.Store, asOf)
	if err != nil {
		s.fail(c, err)
		return
	}
	switch c.Query("format") {
	case "", "json":
		c.JSON(http.StatusOK, r)
	case "csv":
		b, err := report.TeamsCSV(r.Teams)
		if err != nil {
			s.fail(c, err)
			return
		}
		c.Header("Content-Disposition", `attachment; filename="tvp-status-`+asOf.Format(time.DateOnly)+`.csv"`)
		c.Data(http.StatusOK, "text/csv; charset=utf-8", b)
	default:
		s.fail(c, domain.FieldError("format", "is json or csv"))
	}
}

// committeeReports lists the stored half-yearly reports.
func (s *Server) committeeReports(c *gin.Context) {
	if err := s.mayReadReports(c); err != nil {
		s.fail(c, err)
		return
	}
	items, err := s.Store.ListReports(c.Request.Context())
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
}

// committeeReport returns one stored report.
func (s *Server) committeeReport(c *gin.Context) {
	if err := s.mayReadReports(c); err != nil {
		s.fail(c, err)
		return
	}
	id, err := strconv.ParseInt(c.Param("id"), 10, 64)
	if err != nil {
		s.fail(c, domain.Errorf(domain.ENotFound, "no report %q", c.Param("id")))
		return
	}
	r, err := s.Store.GetReport(c.Request.Context(), id)
	if err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, r)
}

// produceCommitteeReport runs the half-yearly report now (an admin), through its schedule.
func (s *Server) produceCommitteeReport(c *gin.Context) {
	if err := requireAny(c, "producing the committee report", domain.RoleAdmin); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	run, err := s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: committee.ScheduleID + "-manual-" + strconv.FormatInt(s.now().Unix(), 10), TaskQueue: s.TaskQueue,
	}, committee.StatusReportWorkflow, committee.Input{})
	if err != nil {
		s.fail(c, err)
		return
	}
	var res committee.Result
	if err := run.Get(ctx, &res); err != nil {
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusCreated, res)
}

// asOfParam reads the optional ?as_of=YYYY-MM-DD of a report (default: now).
func (s *Server) asOfParam(c *gin.Context) (time.Time, error) {
	v := c.Query("as_of")
	if v == "" {
		return s.now(), nil
	}
	t, err := time.Parse(time.DateOnly, v)
	if err != nil {
		return t, domain.FieldError("as_of", "must be a date YYYY-MM-DD")
	}
	return t, nil
}
