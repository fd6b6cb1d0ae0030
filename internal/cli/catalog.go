package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/catalog"
	"github.com/zonkvm/zonkvmd/internal/postgres"
)

func cmdCatalog(e *env, args []string) error {
	if len(args) == 0 {
		return usagef("usage: zonkvmd catalog import FILE | catalog export [FILE]")
	}
	switch args[0] {
	case "import":
		if err := want(args[1:], 1, "catalog import FILE"); err != nil {
			return err
		}
		return catalogImport(e, args[1])
	case "export":
		if len(args) > 2 {
			return usagef("usage: zonkvmd catalog export [FILE]")
		}
		return catalogExport(e, args[1:])
	}
	return usagef("unknown catalog command %q", args[0])
}

func catalogImport(e *env, path string) error {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(os.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return fmt.Errorf("read %s: %w", path, err)
	}
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	if err := postgres.CheckSchema(e.ctx, db); err != nil {
		return err
	}
	box, err := app.LoadBox(e.cfg)
	if err != nil {
		return err
	}
	report, err := catalog.Import(e.ctx, db, box, bytes.NewReader(data))
	if err != nil {
		var ie *catalog.ImportError
		if errors.As(err, &ie) {
			return fmt.Errorf("%s: nothing imported:\n%s", path, ie.Error())
		}
		return err
	}
	fmt.Fprintln(e.stdout, report.String())
	return nil
}

func catalogExport(e *env, args []string) error {
	db, closeDB, err := app.OpenDB(e.ctx, e.cfg, e.log)
	if err != nil {
		return err
	}
	defer closeDB()
	box, err := app.LoadBox(e.cfg)
	if err != nil {
		return err
	}
	var buf bytes.Buffer
	if err := catalog.Export(e.ctx, db, box, &buf); err != nil {
		return err
	}
	if len(args) == 0 || args[0] == "-" {
		_, err = e.stdout.Write(buf.Bytes())
		return err
	}
	// Write next to the target and rename, so a failed export never leaves
	// half a file.
	tmp := args[0] + ".tmp"
	if err := os.WriteFile(tmp, buf.Bytes(), 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, args[0])
}
