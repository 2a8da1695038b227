package sbom

import (
	"bytes"
	"encoding/json"
	"io"
	"sync"
	"testing"

	cdx "github.com/CycloneDX/cyclonedx-go"

	"github.com/bulwark-sec/bulwark/sbom/sbomtest"
)

// bench10k is a generated CycloneDX 1.5 JSON SBOM of 10,000 components.
var bench10k = sync.OnceValue(func() []byte { return sbomtest.CycloneDXJSON(10_000, 1) })

func reportComponents(b *testing.B, n int) {
	b.ReportMetric(float64(n)*float64(b.N)/b.Elapsed().Seconds(), "components/s")
}

// BenchmarkParseCycloneDX10k is Parse: detection, UTF-8 and depth checks,
// cyclonedx-go's decoding, the adapter and the graph checks.
func BenchmarkParseCycloneDX10k(b *testing.B) {
	data := bench10k()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		d, err := Parse(data)
		if err != nil || len(d.Components) != 10_000 {
			b.Fatal(err)
		}
	}
	reportComponents(b, 10_000)
}

// BenchmarkDecodeRawJSON10k decodes the same bytes without the adapter,
// for comparison: into any, and into cyclonedx-go's BOM.
func BenchmarkDecodeRawJSON10k(b *testing.B) {
	data := bench10k()
	b.Run("any", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var v any
			if err := json.Unmarshal(data, &v); err != nil {
				b.Fatal(err)
			}
		}
		reportComponents(b, 10_000)
	})
	b.Run("cdx.BOM", func(b *testing.B) {
		b.SetBytes(int64(len(data)))
		for b.Loop() {
			var bom cdx.BOM
			if err := json.Unmarshal(data, &bom); err != nil {
				b.Fatal(err)
			}
		}
		reportComponents(b, 10_000)
	})
}

func BenchmarkLevels10k(b *testing.B) {
	d, err := Parse(bench10k())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		d.Levels()
	}
}

func BenchmarkWriteCycloneDX10k(b *testing.B) {
	d, err := Parse(bench10k())
	if err != nil {
		b.Fatal(err)
	}
	for b.Loop() {
		if err := WriteCycloneDX(io.Discard, d); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteSPDX10k(b *testing.B) {
	d, err := Parse(bench10k())
	if err != nil {
		b.Fatal(err)
	}
	var buf bytes.Buffer
	for b.Loop() {
		buf.Reset()
		if err := WriteSPDX(&buf, d, "https://bulwark.example/bench"); err != nil {
			b.Fatal(err)
		}
	}
}
