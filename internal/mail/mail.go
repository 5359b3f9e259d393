// Package mail sends TVP's e-mails over SMTP. A mail carries a reference and a link, never a
// citizen's data.
package mail

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"mime"
	"mime/multipart"
	"net"
	"net/textproto"
	"strings"
	"time"

	"github.com/emersion/go-smtp"
)

// Mailer sends mail through one SMTP server.
type Mailer struct {
	Addr string // host:port
	From string
}

// Message is one mail: plain text, and a calendar message if Calendar is set. MessageID, if set, is its Message-ID header: the same
// occasion mailed again (a retry after a sender died between sending and recording it) carries
// the same ID, so that mail systems and clients can tell it is the same message.
type Message struct {
	To        string
	Subject   string
	Body      string
	MessageID string
	// Calendar, if set, makes the mail a calendar invitation (or update, or cancellation) that
	// mail clients show as such: multipart/mixed with the text and a text/calendar part with
	// the method, and the same calendar as an .ics attachment.
	Calendar *Calendar
}

// Calendar is an iCalendar object and its scheduling method (RFC 5546: REQUEST, CANCEL).
type Calendar struct {
	Method string
	Data   []byte
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
	body, contentType, err := msg.body()
	if err != nil {
		return err
	}
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
		"Content-Type: "+contentType,
	)
	if msg.Calendar == nil {
		headers = append(headers, "Content-Transfer-Encoding: 8bit")
	}
	headers = append(headers,
		"Date: "+time.Now().UTC().Format(time.RFC1123Z),
		"",
		body,
	)
	if err := c.SendMail(m.From, []string{msg.To}, strings.NewReader(strings.Join(headers, "\r\n"))); err != nil {
		return fmt.Errorf("smtp %s: send to %s: %w", m.Addr, msg.To, err)
	}
	return c.Quit()
}

// body returns the mail's body and its Content-Type: the text alone, or with a calendar, a
// multipart/mixed of a multipart/alternative (the text, and the calendar as text/calendar with
// its method: what Outlook, Gmail and Apple Mail take as an invitation) and the calendar as
// an attachment (invitation.ics). The calendar is base64-encoded, so its CRLF line ends
// arrive as they were sent.
func (msg Message) body() (string, string, error) {
	if msg.Calendar == nil {
		return msg.Body, "text/plain; charset=utf-8", nil
	}
	var b bytes.Buffer
	mixed := multipart.NewWriter(&b)
	var alt bytes.Buffer
	inner := multipart.NewWriter(&alt)
	calType := "text/calendar; charset=utf-8; method=" + msg.Calendar.Method
	parts := []struct {
		w      *multipart.Writer
		header textproto.MIMEHeader
		data   []byte
		b64    bool
	}{
		{inner, textproto.MIMEHeader{"Content-Type": {"text/plain; charset=utf-8"}, "Content-Transfer-Encoding": {"8bit"}}, []byte(msg.Body), false},
		{inner, textproto.MIMEHeader{"Content-Type": {calType}, "Content-Transfer-Encoding": {"base64"}}, msg.Calendar.Data, true},
	}
	for _, p := range parts {
		if err := writePart(p.w, p.header, p.data, p.b64); err != nil {
			return "", "", err
		}
	}
	if err := inner.Close(); err != nil {
		return "", "", fmt.Errorf("mail body: %w", err)
	}
	if err := writePart(mixed, textproto.MIMEHeader{"Content-Type": {"multipart/alternative; boundary=" + inner.Boundary()}}, alt.Bytes(), false); err != nil {
		return "", "", err
	}
	attach := textproto.MIMEHeader{
		"Content-Type":              {"application/ics; name=invitation.ics"},
		"Content-Disposition":       {"attachment; filename=invitation.ics"},
		"Content-Transfer-Encoding": {"base64"},
	}
	if err := writePart(mixed, attach, msg.Calendar.Data, true); err != nil {
		return "", "", err
	}
	if err := mixed.Close(); err != nil {
		return "", "", fmt.Errorf("mail body: %w", err)
	}
	return b.String(), "multipart/mixed; boundary=" + mixed.Boundary(), nil
}

func writePart(w *multipart.Writer, h textproto.MIMEHeader, data []byte, b64 bool) error {
	pw, err := w.CreatePart(h)
	if err != nil {
		return fmt.Errorf("mail part: %w", err)
	}
	if !b64 {
		_, err = pw.Write(data)
		return err
	}
	enc := base64.StdEncoding.EncodeToString(data)
	for len(enc) > 76 {
		if _, err := pw.Write([]byte(enc[:76] + "\r\n")); err != nil {
			return err
		}
		enc = enc[76:]
	}
	_, err = pw.Write([]byte(enc + "\r\n"))
	return err
}
