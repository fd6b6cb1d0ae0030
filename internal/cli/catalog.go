package cli

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/zonkvm/zonkvmd/internal/app"
	"github.com/zonkvm/zonkvmd/internal/catalog"
)

func (r *runner) catalogCmd() *cobra.Command {
	imp := &cobra.Command{
		Use:   "import FILE",
		Short: `Upsert the catalogue from FILE ("-": stdin); see docs/catalogue.md`,
		Args:  exactArgs(1),
		RunE:  r.run(func(e *env, args []string) error { return catalogImport(e, args[0]) }),
	}
	exp := &cobra.Command{
		Use:   "export [FILE]",
		Short: "Write the catalogue in the import format (default: stdout)",
		Args:  nArgs(0, 1),
		RunE:  r.run(catalogExport),
	}
	return group("catalog", "Import and export the catalogue", "import FILE | catalog export [FILE]", imp, exp)
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
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	box, err := app.OpenBox(e.ctx, e.cfg, db)
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
	if err := e.audit(e.ctx, db, "catalog import", path, map[string]string{"report": report.String()}); err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, report.String())
	return nil
}

func catalogExport(e *env, args []string) error {
	db, closeDB, err := openDB(e)
	if err != nil {
		return err
	}
	defer closeDB()
	box, err := app.OpenBox(e.ctx, e.cfg, db)
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
