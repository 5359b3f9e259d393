package api

import (
	"net/http"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"

	"tvp/domain"
	"tvp/workflows/teampause"
)

type pauseRequest struct {
	PlannedResume string `json:"planned_resume" binding:"required,datetime=2006-01-02"`
	Reason        string `json:"reason" binding:"required,max=2000"`
}

// pauseTeam starts the team's pause: every open course pauses until the team resumes.
func (s *Server) pauseTeam(c *gin.Context) {
	if err := requireAny(c, "pausing a team", domain.RoleTeamLead); err != nil {
		s.fail(c, err)
		return
	}
	var req pauseRequest
	if err := decode(c, &req); err != nil {
		s.fail(c, err)
		return
	}
	team, err := s.Store.GetTeam(c.Request.Context(), c.Param("id"))
	if err != nil {
		s.fail(c, err)
		return
	}
	if err := s.leadsTeam(c, team.ID); err != nil {
		s.fail(c, err)
		return
	}
	resume := day(req.PlannedResume)
	if !resume.After(s.now()) {
		s.fail(c, domain.FieldError("planned_resume", "the planned resume date must be in the future"))
		return
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	_, err = s.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       teampause.WorkflowID(team.ID),
		TaskQueue:                s.TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_FAIL,
		// One pause per team at a time: a second one is an error, not the first one again.
		WorkflowExecutionErrorWhenAlreadyStarted: true,
	}, teampause.TeamPauseWorkflow, teampause.Input{
		TeamID: team.ID, PausedBy: actor(c).ID, PlannedResume: resume, Reason: req.Reason,
		RemindEvery: team.Settings.ReminderInterval,
	})
	if err != nil {
		err = fromTemporal(err)
		if domain.ErrorCode(err) == domain.EConflict {
			err = domain.Errorf(domain.EConflict, "%s is already paused", team.Name)
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"team_id": team.ID, "planned_resume": req.PlannedResume})
}

// resumeTeam ends the team's pause; its courses go on with their remaining time.
func (s *Server) resumeTeam(c *gin.Context) {
	if err := requireAny(c, "resuming a team", domain.RoleTeamLead); err != nil {
		s.fail(c, err)
		return
	}
	teamID := c.Param("id")
	if err := s.leadsTeam(c, teamID); err != nil {
		s.fail(c, err)
		return
	}
	ctx, cancel := s.temporalCtx(c)
	defer cancel()
	h, err := s.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: teampause.WorkflowID(teamID), UpdateName: teampause.UpdateResume,
		Args: []any{teampause.ResumeRequest{Actor: actor(c)}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	var res teampause.ResumeResult
	if err == nil {
		err = h.Get(ctx, &res)
	}
	if err != nil {
		err = fromTemporal(err)
		if domain.ErrorCode(err) == domain.ENotFound {
			err = domain.Errorf(domain.EPhase, "team %q is not paused", teamID)
		}
		s.fail(c, err)
		return
	}
	c.JSON(http.StatusOK, res.State)
}

// leadsTeam refuses unless the caller is the lead of the team.
func (s *Server) leadsTeam(c *gin.Context, teamID string) error {
	m, err := s.Store.GetStaff(c.Request.Context(), actor(c).ID)
	if err != nil {
		return err
	}
	if m.TeamID == nil || *m.TeamID != teamID {
		return domain.Errorf(domain.EForbidden, "only the lead of team %s may pause or resume it", teamID)
	}
	return nil
}
