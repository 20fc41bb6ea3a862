package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"
)

// cutProxy forwards PostgreSQL connections to a server and, once armed,
// cuts the client's connection right after forwarding a COMMIT: the
// server gets the COMMIT (and runs it) but its answer never reaches the
// client.
type cutProxy struct {
	ln     net.Listener
	target string
	armed  atomic.Bool
	cuts   atomic.Int32
	wg     sync.WaitGroup
}

func startCutProxy(t *testing.T, target string) *cutProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &cutProxy{ln: ln, target: target}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			p.wg.Add(1)
			go func() { defer p.wg.Done(); p.serve(c) }()
		}
	}()
	t.Cleanup(func() { ln.Close(); p.wg.Wait() })
	return p
}

// serve relays one connection. Client messages are framed (the startup
// message: length, body; then type, length, body) so that a simple
// query "COMMIT" is recognised.
func (p *cutProxy) serve(client net.Conn) {
	defer client.Close()
	server, err := net.Dial("tcp", p.target)
	if err != nil {
		return
	}
	defer server.Close()
	cut := make(chan struct{})
	go func() {
		// Server → client, until the cut; then wait for the server's
		// answer to the COMMIT (so that it has committed) and drop it.
		buf := make([]byte, 32<<10)
		for {
			n, err := server.Read(buf)
			select {
			case <-cut:
				server.Close()
				return
			default:
			}
			if n > 0 {
				if _, werr := client.Write(buf[:n]); werr != nil {
					return
				}
			}
			if err != nil {
				client.Close()
				return
			}
		}
	}()
	var hdr [5]byte
	if _, err := io.ReadFull(client, hdr[:4]); err != nil {
		return
	}
	n := int(binary.BigEndian.Uint32(hdr[:4]))
	body := make([]byte, n-4)
	if _, err := io.ReadFull(client, body); err != nil {
		return
	}
	server.Write(append(hdr[:4:4], body...))
	for {
		if _, err := io.ReadFull(client, hdr[:]); err != nil {
			return
		}
		n := int(binary.BigEndian.Uint32(hdr[1:]))
		body := make([]byte, n-4)
		if _, err := io.ReadFull(client, body); err != nil {
			return
		}
		if _, err := server.Write(append(hdr[:5:5], body...)); err != nil {
			return
		}
		if hdr[0] == 'Q' && bytes.HasPrefix(bytes.ToUpper(body), []byte("COMMIT")) && p.armed.CompareAndSwap(true, false) {
			p.cuts.Add(1)
			close(cut)
			client.Close()
			// Keep the server side open until its answer arrives (the
			// reader above closes it).
			time.Sleep(2 * time.Second)
			return
		}
	}
}

// proxied opens a migrated database and, on the same database, a DB
// reached through a cutProxy.
func proxied(t *testing.T) (direct, through *DB, p *cutProxy) {
	t.Helper()
	ctx := context.Background()
	u := newDatabase(t)
	direct, err := Open(ctx, u)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { direct.Close() })
	if _, err := direct.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	pu, err := url.Parse(u)
	if err != nil {
		t.Fatal(err)
	}
	p = startCutProxy(t, pu.Host)
	pu.Host = p.ln.Addr().String()
	through, err = Open(ctx, pu.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { through.Close() })
	return direct, through, p
}

// waitCount polls q until it gives want (the server finishes the COMMIT
// whose answer was cut a moment after the client saw the cut).
func waitCount(t *testing.T, db *DB, q string, want int) {
	t.Helper()
	var n int
	for i := 0; i < 100; i++ {
		if err := db.x.Get(&n, q); err != nil {
			t.Fatal(err)
		}
		if n == want {
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s = %d, want %d", q, n, want)
}

// checkUnknown: the error says the outcome is unknown and rerun is safe,
// and does not call the lost connection a connection failure.
func checkUnknown(t *testing.T, err error) {
	t.Helper()
	if !errors.Is(err, ErrCommitUnknown) {
		t.Fatalf("err = %v, want ErrCommitUnknown", err)
	}
	msg := err.Error()
	t.Logf("error: %s", msg)
	if !strings.Contains(msg, "the outcome is unknown; rerun is safe") || errors.Is(err, ErrConnect) || strings.Contains(msg, "cannot connect") {
		t.Errorf("message %q", msg)
	}
}

// TestCommitAnswerLostSaveBatch: the answer to SaveBatch's COMMIT is
// lost. The error says the outcome is unknown; the batch is stored; a
// rerun stores nothing twice.
func TestCommitAnswerLostSaveBatch(t *testing.T) {
	direct, through, p := proxied(t)
	ctx := context.Background()
	b := exampleBatch(t)
	p.armed.Store(true)
	_, err := through.SaveBatch(ctx, batchRecord(b), testOutputs())
	if p.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d COMMITs, want 1 (err %v)", p.cuts.Load(), err)
	}
	checkUnknown(t, err)
	waitCount(t, direct, `SELECT count(*) FROM batches`, 1)
	// PostgreSQL makes a commit visible a moment before it releases the
	// transaction's advisory lock: wait for that too, or the rerun may
	// meet the lock (ErrBusy) on a loaded machine.
	waitCount(t, direct, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, 0)
	if _, err := direct.SaveBatch(ctx, batchRecord(b), testOutputs()); !errors.Is(err, ErrBatchExists) {
		t.Errorf("rerun = %v, want ErrBatchExists", err)
	}
	if _, err := direct.Verify(ctx, 1, true); err != nil {
		t.Errorf("the batch stored by the cut COMMIT: %v", err)
	}
}

// TestCommitAnswerLostImport: the same for an import: the data is stored
// and importing the files again changes nothing.
func TestCommitAnswerLostImport(t *testing.T) {
	direct, through, p := proxied(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	p.armed.Store(true)
	_, err := importFiles(ctx, through, f["subjects.csv"], []string{f["metrics.csv"]})
	if p.cuts.Load() != 1 {
		t.Fatalf("the proxy cut %d COMMITs, want 1 (err %v)", p.cuts.Load(), err)
	}
	checkUnknown(t, err)
	waitCount(t, direct, `SELECT count(*) FROM metrics`, 5)
	// PostgreSQL makes a commit visible a moment before it releases the
	// transaction's advisory lock: wait for that too, or the rerun may
	// meet the lock (ErrBusy) on a loaded machine.
	waitCount(t, direct, `SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND database = (SELECT oid FROM pg_database WHERE datname = current_database())`, 0)
	rep, err := importFiles(ctx, direct, f["subjects.csv"], []string{f["metrics.csv"]})
	if err != nil {
		t.Fatal(err)
	}
	if rep.MetricsAdded != 0 || rep.MetricsChanged != 0 || rep.MetricsUnchanged != 5 || rep.SubjectsUnchanged != 3 {
		t.Errorf("rerun: %+v, want everything unchanged", rep)
	}
}

// TestTerminatedConnectionIsNotAConnectFailure: a connection the server
// terminates mid-import is reported as lost, not as "cannot connect".
func TestTerminatedConnectionIsNotAConnectFailure(t *testing.T) {
	db := open(t)
	ctx := context.Background()
	f := writeFiles(t, map[string]string{"subjects.csv": subjectsCSV, "metrics.csv": metricsCSV})
	testHookBeforeCommit = func(ctx context.Context, tx *sqlx.Tx) {
		var pid int
		if err := tx.GetContext(ctx, &pid, `SELECT pg_backend_pid()`); err != nil {
			t.Error(err)
			return
		}
		if _, err := db.x.ExecContext(ctx, `SELECT pg_terminate_backend($1)`, pid); err != nil {
			t.Error(err)
		}
	}
	defer func() { testHookBeforeCommit = nil }()
	_, err := importFiles(ctx, db, f["subjects.csv"], []string{f["metrics.csv"]})
	if !errors.Is(err, ErrConnLost) || errors.Is(err, ErrConnect) || errors.Is(err, ErrCommitUnknown) || strings.Contains(err.Error(), "cannot connect") {
		t.Errorf("err = %v, want ErrConnLost only", err)
	}
}
