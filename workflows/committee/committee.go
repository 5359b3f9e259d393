// Package committee is the committees' half-yearly status report under its former name.
//
// Deprecated: the jobs of TVP's Schedules are one package, schedules; use
// schedules.StatusReportWorkflow. This package goes once nothing imports it.
package committee

import "tvp/workflows/schedules"

// ScheduleID is the Temporal Schedule of the half-yearly report.
const ScheduleID = schedules.CommitteeReportID

// Input and Result are the report's.
type (
	Input  = schedules.ReportInput
	Result = schedules.ReportResult
)

// StatusReportWorkflow is schedules.StatusReportWorkflow.
var StatusReportWorkflow = schedules.StatusReportWorkflow
