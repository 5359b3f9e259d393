package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"time"

	"tvp/activities"
	"tvp/internal/codec"
	"tvp/internal/metrics"
	"tvp/internal/temporalx"
	"tvp/store"
	"tvp/worker"
)

// roleEnv makes this binary the benchmark's worker process.
const roleEnv = "TVP_BENCH_ROLE"

// workerProc is the worker, running in a child process.
type workerProc struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	done  chan error
}

// startWorker starts a worker process on the benchmark's task queue with the given workflow
// cache, and waits until it polls.
func startWorker(ctx context.Context, b *bench, cacheSize int) (*workerProc, error) {
	exe, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.CommandContext(ctx, exe)
	cmd.Env = append(os.Environ(), roleEnv+"=worker",
		"TVP_BENCH_DATABASE_URL="+b.cfg.dsn, "TVP_BENCH_TEMPORAL_ADDRESS="+b.cfg.temporal,
		"TVP_BENCH_PAYLOAD_KEYS="+b.keys, "TVP_BENCH_QUEUE="+b.queue, "TVP_BENCH_CACHE_SIZE="+strconv.Itoa(cacheSize),
		"TVP_BENCH_FIXED_POLLERS="+strconv.Itoa(b.cfg.fixedPollers))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start worker process: %w", err)
	}
	w := &workerProc{cmd: cmd, stdin: stdin, done: make(chan error, 1)}
	ready := make(chan bool, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		ok := sc.Scan() && sc.Text() == "ready"
		ready <- ok
		_, _ = io.Copy(io.Discard, stdout)
		w.done <- cmd.Wait()
	}()
	select {
	case ok := <-ready:
		if !ok {
			_ = cmd.Process.Kill()
			return nil, errors.New("the worker process did not start")
		}
	case <-time.After(60 * time.Second):
		_ = cmd.Process.Kill()
		return nil, errors.New("the worker process did not start within a minute")
	}
	return w, nil
}

// stop ends the worker process gracefully (closing its stdin), or kills it after 30 s.
func (w *workerProc) stop() error {
	_ = w.stdin.Close()
	select {
	case err := <-w.done:
		return err
	case <-time.After(30 * time.Second):
		_ = w.cmd.Process.Kill()
		return errors.New("the worker process did not stop; killed")
	}
}

// memory returns the worker process's resident memory now and at its peak, in KiB.
func (w *workerProc) memory() (rss, peak int64, err error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", w.cmd.Process.Pid))
	if err != nil {
		return 0, 0, fmt.Errorf("worker memory: %w", err)
	}
	for _, line := range strings.Split(string(data), "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		n, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
		switch k {
		case "VmRSS":
			rss = n
		case "VmHWM":
			peak = n
		}
	}
	return rss, peak, nil
}

// runWorker is the worker process: TVP's worker, as cmd/tvp runs it, until stdin closes.
func runWorker() error {
	ctx := context.Background()
	cacheSize, _ := strconv.Atoi(os.Getenv("TVP_BENCH_CACHE_SIZE"))
	fixedPollers, _ := strconv.Atoi(os.Getenv("TVP_BENCH_FIXED_POLLERS"))
	s, err := store.Open(ctx, os.Getenv("TVP_BENCH_DATABASE_URL"), store.AsRole(store.AppRole))
	if err != nil {
		return err
	}
	defer s.Close()
	keys, err := codec.ParseKeys(os.Getenv("TVP_BENCH_PAYLOAD_KEYS"))
	if err != nil {
		return err
	}
	m, _ := metrics.New()
	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelError}))
	tc, err := temporalx.Dial(ctx, temporalx.Options{Address: os.Getenv("TVP_BENCH_TEMPORAL_ADDRESS"), Namespace: "default",
		Logger: log, Metrics: m.Temporal(), DataConverter: keys.DataConverter()})
	if err != nil {
		return err
	}
	defer tc.Close()
	w := worker.New(tc, os.Getenv("TVP_BENCH_QUEUE"), &activities.Activities{Store: s}, worker.Options{CacheSize: cacheSize, FixedPollers: fixedPollers})
	if err := w.Start(); err != nil {
		return err
	}
	defer w.Stop()
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin) // until the benchmark closes it
	return nil
}
