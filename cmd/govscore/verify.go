package main

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/govscore/govscore/store/postgres"
)

// batchVerify is `govscore batch verify ID`: the whole batch against its
// digest and every stored output against its own. Exit 0 when all match;
// a mismatch or a batch without digest is a failure (exit 3).
func batchVerify(ctx context.Context, w io.Writer, db *postgres.DB, id int64) error {
	v, err := db.Verify(ctx, id, true)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "batch %d verified: digest %s\n", id, v.SHA256)
	for _, o := range v.Outputs {
		fmt.Fprintf(w, "  %s: %d bytes, sha256 %s\n", o.Name, o.Bytes, o.SHA256)
	}
	return nil
}

// showDigest prints the digest line of `govscore batch show`, after
// checking the batch against it: a mismatch is returned (exit 3) once
// printed; a batch without digest is only said to be unverifiable.
func showDigest(ctx context.Context, w io.Writer, db *postgres.DB, id int64) error {
	v, err := db.Verify(ctx, id, false)
	switch {
	case err == nil:
		fmt.Fprintf(w, "  digest:         %s (verified)\n", v.SHA256)
		return nil
	case errors.Is(err, postgres.ErrNoDigest):
		fmt.Fprintf(w, "  digest:         none (stored before schema version 2): cannot be verified\n")
		return nil
	case errors.Is(err, postgres.ErrIntegrity):
		fmt.Fprintf(w, "  digest:         MISMATCH: the batch was changed outside govscore\n")
	}
	return err
}

// reportVerify checks a stored batch before `govscore report --batch`
// writes it (each output is checked again as it is written): a mismatch
// stops the report before anything is written; a batch without digest is
// written with a warning.
func reportVerify(ctx context.Context, stderr io.Writer, db *postgres.DB, id int64) error {
	_, err := db.Verify(ctx, id, false)
	if errors.Is(err, postgres.ErrNoDigest) {
		fmt.Fprintf(stderr, "warning: batch %d has no digest (stored before schema version 2): its outputs cannot be verified\n", id)
		return nil
	}
	return err
}
