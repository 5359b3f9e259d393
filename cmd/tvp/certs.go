package main

import (
	"fmt"
	"io"
	"time"

	"tvp/internal/temporalx"
)

// certsValidity is how long the compose stack's certificates last; a renewal is a new CA
// (remove the volume and start again).
const certsValidity = 3 * 365 * 24 * time.Hour

// runCerts writes the compose stack's private CA and its certificates for the Temporal
// frontend (named by the arguments after the directory) and for its clients, unless the
// directory already has them: tvp certs DIR NAME...
func runCerts(args []string, out io.Writer) error {
	if len(args) < 2 {
		return fmt.Errorf("usage: tvp certs DIR NAME... (the frontend's host names, e.g. tvp certs /var/lib/tvp/certs temporal)")
	}
	dir, names := args[0], args[1:]
	created, err := temporalx.WritePKI(dir, names, certsValidity)
	if err != nil {
		return err
	}
	if !created {
		_, err = fmt.Fprintf(out, "kept the certificates in %s\n", dir)
		return err
	}
	_, err = fmt.Fprintf(out, "wrote a CA and certificates for %v and for the clients into %s, valid until %s\n",
		names, dir, time.Now().Add(certsValidity).Format(time.DateOnly))
	return err
}
