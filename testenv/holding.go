package testenv

import (
	"database/sql"
	"fmt"
	"strings"
	"testing"
)

// Holding lists the table.column of every text cell of the database (its
// current Postgres schema, or the SQLite file) that contains needle,
// without regard to case: where a person's data still is.
func Holding(t testing.TB, db *sql.DB, postgres bool, needle string) []string {
	t.Helper()
	q := `SELECT m.name, p.name FROM sqlite_master m JOIN pragma_table_info(m.name) p WHERE m.type = 'table' AND UPPER(p.type) IN ('TEXT', '')`
	if postgres {
		q = `SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = current_schema() AND data_type IN ('text', 'character varying')`
	}
	rows, err := db.Query(q)
	if err != nil {
		t.Fatal(err)
	}
	var cols [][2]string
	for rows.Next() {
		var table, col string
		if err := rows.Scan(&table, &col); err != nil {
			t.Fatal(err)
		}
		cols = append(cols, [2]string{table, col})
	}
	rows.Close()
	var found []string
	for _, c := range cols {
		q := fmt.Sprintf(`SELECT COUNT(*) FROM %s WHERE LOWER(CAST(%s AS TEXT)) LIKE ?`, c[0], c[1])
		if postgres {
			q = strings.Replace(q, "?", "$1", 1)
		}
		var n int
		if err := db.QueryRow(q, "%"+strings.ToLower(needle)+"%").Scan(&n); err != nil {
			t.Fatalf("%s.%s: %v", c[0], c[1], err)
		}
		if n > 0 {
			found = append(found, fmt.Sprintf("%s.%s (%d)", c[0], c[1], n))
		}
	}
	return found
}
