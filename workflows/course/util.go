package course

import (
	"fmt"
	"strings"
)

func trimmed(s string) string { return strings.TrimSpace(s) }

func fieldf(format string, args ...any) string { return fmt.Sprintf(format, args...) }
