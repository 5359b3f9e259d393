// Package digest is the coordinators' daily digest under its former name.
//
// Deprecated: the jobs of TVP's Schedules are one package, schedules; use
// schedules.DigestWorkflow. This package goes once nothing imports it.
package digest

import "tvp/workflows/schedules"

// ScheduleID is the Temporal Schedule that runs DigestWorkflow daily.
const ScheduleID = schedules.DigestID

// Input and Result are the digest's.
type (
	Input  = schedules.DigestInput
	Result = schedules.DigestResult
)

// DigestWorkflow is schedules.DigestWorkflow.
var DigestWorkflow = schedules.DigestWorkflow
