// Command tvp is the TVP system in one binary.
//
//	tvp api      the HTTP API and pages
//	tvp worker   the Temporal worker (workflows and activities)
//	tvp migrate  applies the database migrations and exits
//	tvp dev      migrations, demo data, worker and API in one process (make dev)
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"

	"tvp/internal/config"
)

const usage = `usage: tvp <command> [flags]

commands:
  api       serve the HTTP API and pages
  worker    run the Temporal worker
  migrate   apply the database migrations, then exit
  dev       migrate, load demo data, and run worker and API together
  token     print a development token for a staff member: tvp token konsulent.anna

Every flag can also be set by environment (see 'tvp <command> -h').
`

func main() {
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 || args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		fmt.Fprint(stderr, usage)
		return 2
	}
	name := args[0]
	cmd, ok := commands[name]
	if name == "token" {
		ok = true
	}
	if !ok {
		fmt.Fprintf(stderr, "tvp: unknown command %q\n\n%s", name, usage)
		return 2
	}
	fs := flag.NewFlagSet("tvp "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, args[1:])
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err != nil {
		fmt.Fprintf(stderr, "tvp %s: %v\n", name, err)
		return 2
	}
	if name == "token" {
		if err := runToken(cfg, fs.Arg(0), stdout); err != nil {
			fmt.Fprintf(stderr, "tvp token: %v\n", err)
			return 1
		}
		return 0
	}
	level, _ := cfg.SlogLevel()
	log := slog.New(slog.NewJSONHandler(stdout, &slog.HandlerOptions{Level: level})).With("cmd", name)
	slog.SetDefault(log)

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	log.Info("starting", "config", cfg)
	if err := cmd(ctx, cfg, log); err != nil {
		log.Error("stopped with an error", "err", err)
		fmt.Fprintf(stderr, "tvp %s: %v\n", name, err)
		return 1
	}
	log.Info("stopped")
	return 0
}

var commands = map[string]func(context.Context, config.Config, *slog.Logger) error{
	"api":     runAPI,
	"worker":  runWorker,
	"migrate": runMigrate,
	"dev":     runDev,
}
