package store

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// auditGroup commits the audit appends of many callers together (a group commit). Every
// append locks the chain's head row until its transaction commits (00009_audit_chain.sql),
// so appends made one at a time queue on that lock, each behind the previous one's flush to
// disk: one read answered per WAL flush, however many callers wait. Here appends that arrive
// while a statement is committing wait for it and then go together in the next statement: one
// lock and one flush for all of them, their rows in the order they arrived and each caller's
// in its own order. A caller returns when its rows are committed. A statement that fails is
// tried again per caller, so that one caller's bad row is not another's error.
type auditGroup struct {
	s       *Store
	mu      sync.Mutex
	pending []auditCall
	busy    bool // a goroutine is writing; it takes what is pending until nothing is
}

type auditCall struct {
	ctx  context.Context
	rows []auditRow
	done chan error // buffered: the writer never waits for a caller
}

const (
	// maxAuditGroupRows bounds one statement; more pending rows go in the next.
	maxAuditGroupRows = 1000
	// auditGroupTimeout bounds one statement (a caller stops waiting at its own deadline).
	auditGroupTimeout = 30 * time.Second
)

// append queues the rows for the next statement and waits until they are committed, or the
// caller's context ends (rows not yet taken into a statement are then not written).
func (g *auditGroup) append(ctx context.Context, rows []auditRow) error {
	c := auditCall{ctx: ctx, rows: rows, done: make(chan error, 1)}
	g.mu.Lock()
	g.pending = append(g.pending, c)
	if !g.busy {
		g.busy = true
		go g.write()
	}
	g.mu.Unlock()
	select {
	case err := <-c.done:
		return err
	case <-ctx.Done():
		return fmt.Errorf("append audit %s: %w", rows[0].action, ctx.Err())
	}
}

// write commits what is pending, one statement at a time, until nothing is.
func (g *auditGroup) write() {
	for {
		batch, rows := g.take()
		if len(batch) == 0 {
			return
		}
		ctx, cancel := context.WithTimeout(context.Background(), auditGroupTimeout)
		err := g.s.insertAudit(ctx, rows)
		if err != nil && len(batch) > 1 {
			for _, c := range batch {
				c.done <- g.s.insertAudit(ctx, c.rows)
			}
		} else {
			for _, c := range batch {
				c.done <- err
			}
		}
		cancel()
	}
}

// take removes the next statement's calls from the queue (at most maxAuditGroupRows rows,
// but always the first call whole), leaving out callers that have stopped waiting. With
// nothing left it marks the group idle.
func (g *auditGroup) take() ([]auditCall, []auditRow) {
	g.mu.Lock()
	defer g.mu.Unlock()
	var batch []auditCall
	var rows []auditRow
	i := 0
	for ; i < len(g.pending); i++ {
		c := g.pending[i]
		if c.ctx.Err() != nil {
			c.done <- c.ctx.Err()
			continue
		}
		if len(rows) > 0 && len(rows)+len(c.rows) > maxAuditGroupRows {
			break
		}
		batch, rows = append(batch, c), append(rows, c.rows...)
	}
	g.pending = append([]auditCall(nil), g.pending[i:]...)
	if len(batch) == 0 {
		g.busy = false
	}
	return batch, rows
}
