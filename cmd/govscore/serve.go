package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/govscore/govscore/server"
	"github.com/govscore/govscore/store/postgres"
)

// cmdServe is `govscore serve --db URL [--addr A] [--project DIR]
// [--throwaway-admin] [--secure-cookies] [--verify-every D]`.
func cmdServe(ctx context.Context, e *env, args []string) error {
	fs := newFlags(e, "serve")
	url := fs.String("db", "", "database `URL` (default $"+dbEnv+")")
	addr := fs.String("addr", "127.0.0.1:8080", "`address` to listen on")
	project := fs.String("project", "", "make the project `DIR` the data of record first: its indicator set, subjects and metrics (periods opened); for trying the server")
	throwaway := fs.Bool("throwaway-admin", false, "create an admin account with a random password and print it (for trying the server)")
	secure := fs.Bool("secure-cookies", false, "mark cookies Secure on plain HTTP too (behind a TLS-terminating proxy)")
	verifyEvery := fs.Duration("verify-every", time.Minute, "verify the standing published batches (per period the newest and the one its diff compares with) against their recorded SHA-256 every `interval`; a batch that fails is not served (0: at start only)")
	verifyAllEvery := fs.Duration("verify-all-every", 24*time.Hour, "verify every published batch, superseded ones too, at start and then every `interval` (0: at start only)")
	pos, err := parseFlags(fs, args)
	if err != nil {
		return err
	}
	if len(pos) > 0 {
		return usagef("serve takes no arguments: %s", strings.Join(pos, " "))
	}
	if _, _, err := net.SplitHostPort(*addr); err != nil {
		return usagef("--addr %q: want host:port, e.g. 127.0.0.1:8080", *addr)
	}
	if *verifyEvery < 0 {
		return usagef("--verify-every %s: want a positive interval such as 1m, or 0", *verifyEvery)
	}
	if *verifyAllEvery < 0 {
		return usagef("--verify-all-every %s: want a positive interval such as 24h, or 0", *verifyAllEvery)
	}
	every, allEvery := *verifyEvery, *verifyAllEvery
	if every == 0 {
		every = -1 // at start only
	}
	if allEvery == 0 {
		allEvery = -1
	}
	// With --project the schema is created or upgraded here, as
	// `govscore db migrate` would.
	db, err := openDB(ctx, e, *url, *project == "")
	if err != nil {
		return err
	}
	defer db.Close()
	if *project != "" {
		if _, err := db.Migrate(ctx); err != nil {
			return err
		}
	}
	log := slog.New(slog.NewJSONHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if *throwaway {
		name, pw, err := throwawayAdmin(ctx, db)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.tr("throwaway admin: name %s, password %s\n"), name, pw)
	}
	if *project != "" {
		actor, err := importAccount(ctx, db)
		if err != nil {
			return err
		}
		rep, err := server.SeedProject(ctx, db, *project, actor)
		if err != nil {
			return err
		}
		fmt.Fprintf(e.stdout, e.tr("project %s: indicator set %s in force, %d subjects, periods opened %s; metric values %d added, %d changed, %d unchanged\n"),
			*project, rep.Set, rep.Subjects, strings.Join(rep.Periods, ", "), rep.Values.Added, rep.Values.Changed, rep.Values.Unchanged)
		if r := rep.Ratings; r.Added+r.Changed+r.Unchanged > 0 {
			fmt.Fprintf(e.stdout, "project %s: ratings %d added, %d changed, %d unchanged\n", *project, r.Added, r.Changed, r.Unchanged)
		}
	}
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGTERM, os.Interrupt)
	defer stop()
	s, err := server.New(ctx, db, log, server.Config{SecureCookies: *secure, VerifyEvery: every, VerifyAllEvery: allEvery})
	if err != nil {
		return err
	}
	return s.ListenAndServe(ctx, *addr, func(a net.Addr) {
		fmt.Fprintf(e.stdout, e.tr("govscore serve: http://%s/ (Ctrl-C stops)\n"), a)
	})
}

// importAccount is the system account that project data is submitted as:
// an admin no one can log in as (its hash is not a password hash).
func importAccount(ctx context.Context, db *postgres.DB) (*postgres.Account, error) {
	const name = "govscore-import"
	a, _, err := db.AccountByName(ctx, name)
	if errors.Is(err, postgres.ErrNotFound) {
		if _, err := db.AddAccount(ctx, postgres.Account{Name: name, Role: "admin"}, "!", "govscore serve --project"); err != nil && !errors.Is(err, postgres.ErrExists) {
			return nil, err
		}
		a, _, err = db.AccountByName(ctx, name)
	}
	return a, err
}

// throwawayAdmin creates an admin account with a random name suffix and
// password.
func throwawayAdmin(ctx context.Context, db *postgres.DB) (name, password string, err error) {
	var b [18]byte
	rand.Read(b[:])
	enc := base64.RawURLEncoding.EncodeToString(b[:])
	name, password = "admin-"+strings.ToLower(enc[:6]), enc[6:]
	err = server.AddAccount(ctx, db, server.AccountSpec{Name: name, Role: "admin", Password: password}, "govscore serve --throwaway-admin")
	return name, password, err
}

// cmdUser is `govscore user add NAME --role R [--provider P] [--subject
// ID] [--items a,b] --password-file F [--db URL]`.
func cmdUser(ctx context.Context, e *env, args []string) error {
	if len(args) == 0 || args[0] != "add" {
		if len(args) > 0 && (args[0] == "-h" || args[0] == "--help") {
			fmt.Fprintln(e.stdout, e.tr("usage: ")+"govscore user add NAME --role admin|provider|assessor|subject [--provider P] [--subject ID] [--items a,b] --password-file F [--db URL]")
			return nil
		}
		return usagef("want the subcommand add")
	}
	fs := newFlags(e, "user add")
	url := fs.String("db", "", "database `URL` (default $"+dbEnv+")")
	role := fs.String("role", "", "`role`: admin, provider, assessor or subject")
	provider := fs.String("provider", "", "for a provider: the `P` of the metrics (provider: P) it submits")
	subject := fs.String("subject", "", "for a subject: its subject `ID`")
	items := fs.String("items", "", "for an assessor: the assessment `items` it rates, comma-separated")
	pwFile := fs.String("password-file", "", "`file` holding the password (its first line); - for stdin")
	pos, err := parseFlags(fs, args[1:])
	if err != nil {
		return err
	}
	if len(pos) != 1 {
		return usagef("user add takes one NAME")
	}
	if *pwFile == "" {
		return usagef("--password-file is required (the password never goes on the command line)")
	}
	spec := server.AccountSpec{Name: pos[0], Role: *role, Provider: *provider, Subject: *subject}
	if *items != "" {
		spec.Items = strings.Split(*items, ",")
	}
	if err := spec.Check(); err != nil {
		return usagef("%v", err)
	}
	var raw []byte
	if *pwFile == "-" {
		raw, err = readAllStdin()
	} else {
		raw, err = os.ReadFile(*pwFile)
	}
	if err != nil {
		return err
	}
	pw, _, _ := strings.Cut(string(raw), "\n")
	pw = strings.TrimRight(pw, "\r")
	spec.Password = pw
	if len([]rune(pw)) < server.MinPasswordLen {
		return usagef("%s: the password has %d characters; use at least %d", *pwFile, len([]rune(pw)), server.MinPasswordLen)
	}
	db, err := openDB(ctx, e, *url, true)
	if err != nil {
		return err
	}
	defer db.Close()
	actor := "cli"
	if u := e.getenv("USER"); u != "" {
		actor = "cli:" + u
	}
	if err := server.AddAccount(ctx, db, spec, actor); err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, e.tr("account %s (%s) created\n"), spec.Name, spec.Role)
	return nil
}

func readAllStdin() ([]byte, error) { return io.ReadAll(io.LimitReader(os.Stdin, 1<<16)) }
