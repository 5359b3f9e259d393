package domain

import (
	"crypto/hmac"
	"crypto/sha256"
	"strings"
	"time"
)

// NormalizeCPR checks a CPR number (DDMMYY-SSSS, with or without the dash) and returns its
// ten digits. It checks the form and the date, not the modulus-11 rule, which CPR numbers
// issued since 2007 need not satisfy.
func NormalizeCPR(s string) (string, error) {
	d := strings.ReplaceAll(strings.TrimSpace(s), "-", "")
	if len(d) != 10 {
		return "", FieldError("cpr", "a CPR number has 10 digits (DDMMÅÅ-XXXX)")
	}
	for _, r := range d {
		if r < '0' || r > '9' {
			return "", FieldError("cpr", "a CPR number has only digits and an optional dash")
		}
	}
	if _, err := time.Parse("020106", d[:6]); err != nil {
		return "", FieldError("cpr", "the first six digits of a CPR number are a date (DDMMÅÅ)")
	}
	return d, nil
}

// CPRHash returns the keyed hash under which a CPR number is recognised. The number itself is
// never stored, logged or sent to Temporal.
func CPRHash(pepper, normalizedCPR string) []byte {
	m := hmac.New(sha256.New, []byte(pepper))
	m.Write([]byte(normalizedCPR))
	return m.Sum(nil)
}
