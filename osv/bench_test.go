package osv

import (
	"testing"
)

// BenchmarkWalkAll walks every pack of ../shared/data/osv: decompression,
// Parse (decode, key pass, checks) of each record.
func BenchmarkWalkAll(b *testing.B) {
	packs := osvPacks(b)
	n := 0
	for b.Loop() {
		n = 0
		err := Walk(packs, func(it Item) error {
			if it.Err != nil {
				b.Fatal(it.Err)
			}
			n++
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkEvaluate evaluates one real AlmaLinux entry (RPM ordering).
func BenchmarkEvaluate(b *testing.B) {
	a := Affected{Package: Package{Ecosystem: "AlmaLinux:9", Name: "httpd"}, Ranges: []Range{
		{Type: "ECOSYSTEM", Events: []Event{{Introduced: "0"}, {Fixed: "2.4.57-5.el9"}}},
	}}
	for b.Loop() {
		if !a.Evaluate("2.4.57-4.el9").Affected {
			b.Fatal("not affected")
		}
	}
}
