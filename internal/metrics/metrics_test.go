package metrics_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"tvp/internal/metrics"
	"tvp/workflows/effects"
)

// A workflow's counters reach /metrics through the Temporal handler: a stuck effect and its
// recovery are counted by workflow and kind (tvp_effects_stuck_total,
// tvp_effects_recovered_total).
func TestWorkflowCountersReachTheRegistry(t *testing.T) {
	m, err := metrics.New()
	require.NoError(t, err)
	h := m.Temporal().WithTags(map[string]string{"workflow": "course", "effect": "save"})
	h.Counter(effects.MetricStuck).Inc(1)
	h.Counter(effects.MetricRecovered).Inc(1)
	out, err := m.Registry.Gather()
	require.NoError(t, err)
	got := map[string]float64{}
	for _, f := range out {
		for _, mt := range f.Metric {
			for _, l := range mt.Label {
				if l.GetName() == "effect" && l.GetValue() == "save" {
					got[f.GetName()] += mt.GetCounter().GetValue()
				}
			}
		}
	}
	assert.Equal(t, map[string]float64{"tvp_effects_stuck_total": 1, "tvp_effects_recovered_total": 1}, got)
}
