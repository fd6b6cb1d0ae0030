package catalog

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5"

	"github.com/zonkvm/zonkvmd/internal/postgres"
	"github.com/zonkvm/zonkvmd/internal/secret"
)

// Export writes the whole catalogue to w in the file format of Import:
// every key in file order, rows in id order with their private fields
// (secrets opened) and without derived fields, indented by two spaces, with
// Chinese and <>& unescaped. It reads one consistent snapshot. It returns an
// error when the database cannot be read, a secret cannot be opened (another
// key) or w fails; nothing is written to w then.
func Export(ctx context.Context, db *postgres.DB, box *secret.Box, w io.Writer) error {
	var compact bytes.Buffer
	opts := pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}
	_, err := postgres.InTx(ctx, db, opts, func(ctx context.Context, tx pgx.Tx) (struct{}, error) {
		compact.Reset()
		return struct{}{}, exportTo(ctx, tx, box, &compact)
	})
	if err != nil {
		return fmt.Errorf("catalog.Export: %w", err)
	}
	var out bytes.Buffer
	if err := json.Indent(&out, compact.Bytes(), "", "  "); err != nil {
		return fmt.Errorf("catalog.Export: indent: %w", err)
	}
	out.WriteByte('\n')
	if _, err := w.Write(out.Bytes()); err != nil {
		return fmt.Errorf("catalog.Export: write: %w", err)
	}
	return nil
}

func exportTo(ctx context.Context, q postgres.Querier, box *secret.Box, buf *bytes.Buffer) error {
	enc := json.NewEncoder(buf)
	enc.SetEscapeHTML(false)
	buf.WriteByte('{')
	for i, k := range kinds() {
		rows, err := k.records(ctx, q, box)
		if err != nil {
			return fmt.Errorf("%s: %w", k.key(), err)
		}
		if i > 0 {
			buf.WriteByte(',')
		}
		if err := enc.Encode(k.key()); err != nil {
			return err
		}
		buf.WriteByte(':')
		if err := enc.Encode(rows); err != nil {
			return fmt.Errorf("%s: %w", k.key(), err)
		}
	}
	buf.WriteByte('}')
	return nil
}
