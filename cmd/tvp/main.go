// Command tvp is the TVP system in one binary.
//
//	tvp api      the HTTP API and pages
//	tvp worker   the Temporal worker (workflows and activities)
//	tvp migrate  applies the database migrations and exits
//	tvp dev      migrations, demo data, worker and API in one process (make dev)
//	tvp demo     loads the demo data into a migrated database, then exits (make stack)
//	tvp audit verify  checks the audit log's hash chain; exit 1 names the first row that does not fit
//	tvp citizens rehash  moves the citizens' CPR hashes to a new pepper
//	tvp certs    writes the compose stack's private CA and TLS certificates for Temporal
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
  demo      load the demo data (idempotent) into a migrated database, then exit
  token     print a development token for a staff member: tvp token konsulent.anna
  audit verify
            check the audit log's hash chain: exit 0 when every row fits, exit 1
            naming the first row that does not
  citizens rehash
            move the citizens' CPR hashes from TVP_CPR_PEPPER_PREVIOUS to
            TVP_CPR_PEPPER (minutes): exit 0 when every citizen is under the new one
  certs DIR NAME...
            write a private CA and TLS certificates for a Temporal frontend named
            NAME and its clients into DIR, unless it has them (the compose stack)

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
	name, rest := args[0], args[1:]
	if (name == "audit" || name == "citizens") && len(rest) > 0 {
		name, rest = name+" "+rest[0], rest[1:] // audit verify, citizens rehash
	}
	cmd, ok := commands[name]
	if name == "token" || name == "certs" {
		ok = true
	}
	if !ok {
		fmt.Fprintf(stderr, "tvp: unknown command %q\n\n%s", name, usage)
		return 2
	}
	fs := flag.NewFlagSet("tvp "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg, err := config.Load(fs, rest)
	if errors.Is(err, flag.ErrHelp) {
		return 2
	}
	if err == nil {
		err = cfg.CheckProduction(uses[name])
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
	if name == "certs" {
		if err := runCerts(fs.Args(), stdout); err != nil {
			fmt.Fprintf(stderr, "tvp certs: %v\n", err)
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
	"demo":    runDemo,
	// audit verify and citizens rehash are the commands of two words.
	"audit verify":    runAuditVerify,
	"citizens rehash": runCitizensRehash,
}
