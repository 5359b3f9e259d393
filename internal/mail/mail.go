// Package mail sends TVP's e-mails over SMTP. A mail carries a reference and a link, never a
// citizen's data.
package mail

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
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

// Message is one plain-text mail. MessageID, if set, is its Message-ID header: the same
// occasion mailed again (a retry after a sender died between sending and recording it) carries
// the same ID, so that mail systems and clients can tell it is the same message.
type Message struct {
	To        string
	Subject   string
	Body      string
	MessageID string
}

// MessageID returns the Message-ID of the mail about key (an occasion and its recipient, or a
// digest's day and recipient), in the sender's domain: a hash, so the key's content is not shown.
func (m *Mailer) MessageID(key string) string {
	sum := sha256.Sum256([]byte(key))
	domain := "tvp.invalid"
	if at := strings.LastIndexByte(m.From, '@'); at >= 0 && at < len(m.From)-1 {
		domain = strings.Trim(m.From[at+1:], "<> ")
	}
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

// Send delivers one plain-text mail. An error means it was not accepted (the caller retries).
func (m *Mailer) Send(ctx context.Context, to, subject, body string) error {
	return m.SendMessage(ctx, Message{To: to, Subject: subject, Body: body})
}

// SendMessage delivers one mail. An error means it was not accepted (the caller retries).
func (m *Mailer) SendMessage(ctx context.Context, msg Message) error {
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
	headers := []string{
		"From: " + m.From,
		"To: " + msg.To,
		"Subject: " + mime.QEncoding.Encode("utf-8", msg.Subject),
	}
	if msg.MessageID != "" {
		headers = append(headers, "Message-ID: "+msg.MessageID)
	}
	headers = append(headers,
		"MIME-Version: 1.0",
		"Content-Type: text/plain; charset=utf-8",
		"Content-Transfer-Encoding: 8bit",
		"Date: "+time.Now().UTC().Format(time.RFC1123Z),
		"",
		msg.Body,
	)
	if err := c.SendMail(m.From, []string{msg.To}, strings.NewReader(strings.Join(headers, "\r\n"))); err != nil {
		return fmt.Errorf("smtp %s: send to %s: %w", m.Addr, msg.To, err)
	}
	return c.Quit()
}
