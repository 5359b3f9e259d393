package domain

import (
	"unicode/utf8"
)

// CheckText refuses text that TVP does not store: text that is not UTF-8, and NUL or any other
// control character but tab, line feed and carriage return (PostgreSQL refuses a NUL; the
// others have no place in a name, a note or minutes). field names the input at fault.
func CheckText(field, s string) error {
	for i, r := range s {
		switch {
		case r == utf8.RuneError && !validAt(s, i):
			return FieldError(field, "is not valid UTF-8 text")
		case r == '\t' || r == '\n' || r == '\r':
		case r < 0x20 || (r >= 0x7f && r <= 0x9f):
			return FieldError(field, "holds a control character (U+%04X), which is not allowed", r)
		case r == 0xfffe || r == 0xffff:
			return FieldError(field, "holds a non-character (U+%04X), which is not allowed", r)
		}
	}
	return nil
}

// CheckLine is CheckText for a single line (an id, a name, a header): no line breaks or tabs.
func CheckLine(field, s string) error {
	if err := CheckText(field, s); err != nil {
		return err
	}
	for _, r := range s {
		if r == '\t' || r == '\n' || r == '\r' {
			return FieldError(field, "must be one line")
		}
	}
	return nil
}

// validAt reports whether the U+FFFD at byte i of s is written there, not a decoding error.
func validAt(s string, i int) bool {
	_, size := utf8.DecodeRuneInString(s[i:])
	return size == 3
}

// ClipRunes cuts s to at most n characters, never inside one.
func ClipRunes(s string, n int) string {
	count := 0
	for i := range s {
		if count == n {
			return s[:i]
		}
		count++
	}
	return s
}
