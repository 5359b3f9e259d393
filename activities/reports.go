package activities

import (
	"context"
	"time"

	"tvp/report"
)

// ProduceStatusReportInput is the period of the report.
type ProduceStatusReportInput struct {
	From time.Time `json:"from"`
	To   time.Time `json:"to"`
}

// ProduceStatusReportResult names the stored report.
type ProduceStatusReportResult struct {
	ReportID int64 `json:"report_id"`
}

// ProduceStatusReport builds the status report as of the period's end and stores it, once
// per period.
func (a *Activities) ProduceStatusReport(ctx context.Context, in ProduceStatusReportInput) (ProduceStatusReportResult, error) {
	r, err := report.Build(ctx, a.Store, in.To)
	if err != nil {
		return ProduceStatusReportResult{}, permanent(err)
	}
	id, err := a.Store.SaveReport(ctx, "status", in.From, in.To, r)
	return ProduceStatusReportResult{ReportID: id}, permanent(err)
}
