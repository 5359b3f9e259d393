// Package temporalx connects to Temporal with TVP's logger and metrics, retrying for a bounded
// time, and translates Temporal's errors into domain errors.
package temporalx

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	tlog "go.temporal.io/sdk/log"
)

// Options for Dial.
type Options struct {
	Address       string
	Namespace     string
	Logger        *slog.Logger
	Metrics       client.MetricsHandler
	DataConverter converter.DataConverter
	// TLS secures the connection (mutual TLS with a client certificate); zero: plain.
	TLS TLS
}

// Dial connects to the Temporal server, retrying until ctx ends. The error names the address.
// A TLS file that cannot be read is an error at once.
func Dial(ctx context.Context, o Options) (client.Client, error) {
	opts := client.Options{
		HostPort:       o.Address,
		Namespace:      o.Namespace,
		MetricsHandler: o.Metrics,
		DataConverter:  o.DataConverter,
	}
	tc, err := o.TLS.Config()
	if err != nil {
		return nil, err
	}
	opts.ConnectionOptions.TLS = tc
	if o.Logger != nil {
		opts.Logger = tlog.NewStructuredLogger(o.Logger.With("component", "temporal"))
	}
	wait := 250 * time.Millisecond
	for {
		attempt, cancel := context.WithTimeout(ctx, 5*time.Second)
		c, err := client.DialContext(attempt, opts)
		cancel()
		if err == nil {
			// The namespace must exist; DialContext checks only the server.
			if _, err = c.CheckHealth(ctx, &client.CheckHealthRequest{}); err == nil {
				return c, nil
			}
			c.Close()
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("connect to Temporal at %s (namespace %s): %w", o.Address, o.Namespace, err)
		case <-time.After(wait):
		}
		if wait < 4*time.Second {
			wait *= 2
		}
	}
}
