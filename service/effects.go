package service

import (
	"context"

	"tvp/domain"
	"tvp/workflows/collab"
	"tvp/workflows/course"
	"tvp/workflows/effects"
	"tvp/workflows/teampause"
)

// StuckEffect is a write that a workflow could not make after it accepted the step that asked
// for it, as an administrator lists it: where, what, why, since when, when it is tried again.
type StuckEffect = domain.WorkflowEffect

// StuckEffects lists every effect that is stuck now, oldest first (an administrator's).
func (s *Service) StuckEffects(ctx context.Context, by Caller) ([]StuckEffect, error) {
	subj := domain.Programme
	subj.ID = "effects"
	if _, err := s.allow(ctx, by, subj, domain.EffectsRead); err != nil {
		return nil, err
	}
	return s.store.OpenStuckEffects(ctx, "")
}

// Retried is what is still stuck after a retry (empty: everything was made).
type Retried struct {
	Stuck []domain.StuckEffect `json:"stuck"`
}

// RetryEffects asks a course's, a plan's or a team pause's workflow to try its stuck effects
// again now (an administrator, once the cause is fixed).
func (s *Service) RetryEffects(ctx context.Context, by Caller, t domain.SubjectType, id string) (Retried, error) {
	subj := domain.Programme
	subj.ID = string(t) + "/" + id
	if _, err := s.allow(ctx, by, subj, domain.EffectsRetry); err != nil {
		return Retried{}, err
	}
	var workflowID string
	switch t {
	case domain.SubjectCourse:
		if err := checkID("course", id); err != nil {
			return Retried{}, err
		}
		workflowID = course.WorkflowID(id)
	case domain.SubjectPlan:
		if err := checkID("plan", id); err != nil {
			return Retried{}, err
		}
		workflowID = collab.WorkflowID(id)
	case domain.SubjectTeam:
		if err := checkName("team", id); err != nil {
			return Retried{}, err
		}
		workflowID = teampause.WorkflowID(id)
	default:
		return Retried{}, domain.Errorf(domain.ENotFound, "no workflow of a %s", t)
	}
	var res effects.RetryResult
	err := s.update(ctx, by, workflowID, effects.UpdateRetry, effects.RetryRequest{Actor: by.Actor}, &res)
	if domain.ErrorCode(err) == domain.ENotFound {
		err = domain.Errorf(domain.ENotFound, "no running workflow of %s %s", t, id)
	}
	out := Retried{Stuck: res.Stuck}
	if out.Stuck == nil {
		out.Stuck = []domain.StuckEffect{}
	}
	return out, err
}
