// Package committee produces the half-yearly status report for the committees (SSU, BUL,
// AET, ØU) and the steering group. It runs as a Temporal Schedule on 1 January and 1 July.
package committee

import (
	"fmt"

	"go.temporal.io/sdk/workflow"

	"tvp/activities"
	"tvp/report"
	"tvp/workflows/effects"
)

// ScheduleID is the Temporal Schedule of the half-yearly report.
const ScheduleID = "committee-report"

// Input is empty: the period is the half-year that ended last.
type Input struct{}

// Result names the stored report.
type Result struct {
	ReportID int64 `json:"report_id"`
}

var acts *activities.Activities

// StatusReportWorkflow produces and stores the status report of the half-year that ended last.
func StatusReportWorkflow(ctx workflow.Context, _ Input) (Result, error) {
	from, to := report.HalfYear(workflow.Now(ctx))
	var out activities.ProduceStatusReportResult
	if err := effects.Do(ctx, acts.ProduceStatusReport, activities.ProduceStatusReportInput{From: from, To: to}, &out); err != nil {
		return Result{}, fmt.Errorf("produce report: %w", err)
	}
	return Result{ReportID: out.ReportID}, nil
}
