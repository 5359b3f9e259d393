// Package mail sends TVP's e-mails over SMTP. A mail carries a reference and a link, never a
// citizen's data.
package mail

import (
	"context"
	"fmt"
	"mime"
	"net"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Mailer sends mail through one SMTP server.
type Mailer struct {
	Addr string // host:port
	From string
}

// Send delivers one plain-text mail. An error means it was not accepted (the caller retries).
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	d := net.Dialer{Timeout: 10 * time.Second}
	conn, err := d.DialContext(ctx, "tcp", m.Addr)
	if err != nil {
		return fmt.Errorf("smtp %s: %w", m.Addr, err)
	}
	if deadline, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(deadline)
	}
	c := smtp.NewClient(conn)
	defer c.Close()
	msg := strings.Join([]string{
		"From: " + m.From,
		"To: " + to,
		"Subject: " + mime.QEncoding.Encode("utf-8", subject),
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"Date: " + time.Now().UTC().Format(time.RFC1123Z),
		"",
		body,
	}, "\r\n")
	if err := c.SendMail(m.From, []string{to}, strings.NewReader(msg)); err != nil {
		return fmt.Errorf("smtp %s: send to %s: %w", m.Addr, to, err)
	}
	return c.Quit()
}
