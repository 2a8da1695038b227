package sqldb

import (
	"cmp"
	"database/sql"
	"slices"
	"strings"

	"github.com/bulwark-sec/bulwark"
)

// The catalog snapshot: who supplies the catalog's versions. Grouping every
// version by supplier is too much for each request once the catalog is
// large, and it changes only when versions are requested, imported or move
// through certification.

// catalogKinds are the ledger events that move the catalog figures.
var catalogKinds = []string{"component.", "catalog."}

var catalogSnapshot = snapshotKind[*catalogFigures]{kinds: catalogKinds, compute: computeCatalogFigures}

// catalogFigures is one snapshot of the catalog.
type catalogFigures struct {
	suppliers  []bulwark.SupplierCount // by versions, at most 10
	total      int                     // distinct suppliers
	noSupplier int                     // versions that name none
}

func computeCatalogFigures(t *Tx) (*catalogFigures, error) {
	c := &catalogFigures{}
	var all []bulwark.SupplierCount
	err := t.queryEach(`SELECT supplier, COUNT(*), SUM(CASE WHEN state IN (?, ?) THEN 1 ELSE 0 END) FROM component_versions GROUP BY supplier`,
		[]any{string(bulwark.StateCertified), string(bulwark.StateDeprecated)}, func(rows *sql.Rows) error {
			var s bulwark.SupplierCount
			if err := rows.Scan(&s.Supplier, &s.Versions, &s.Usable); err != nil {
				return err
			}
			if strings.TrimSpace(s.Supplier) == "" {
				c.noSupplier += s.Versions
				return nil
			}
			all = append(all, s)
			return nil
		})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(all, func(a, b bulwark.SupplierCount) int {
		return cmp.Or(b.Versions-a.Versions, strings.Compare(a.Supplier, b.Supplier))
	})
	c.total = len(all)
	c.suppliers = all[:min(len(all), 10)]
	return c, nil
}
