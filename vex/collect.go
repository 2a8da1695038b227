package vex

import (
	"bytes"
	"context"
	"fmt"
	"time"

	"github.com/bulwark-sec/bulwark"
)

// Source is what Collect reads: the store, or anything serving the same.
type Source interface {
	FindRelease(ctx context.Context, id int64) (*bulwark.Release, error)
	Findings(ctx context.Context, f bulwark.FindingFilter, page bulwark.Page) ([]*bulwark.VulnFinding, string, error)
	FindAdvisories(ctx context.Context, id string) ([]*bulwark.Advisory, error)
}

// Collect gathers what a VEX document about a release says: its active
// findings, as the caller may see them, and the advisory behind each.
// Errors: ENOTFOUND (no such release the caller may see).
func Collect(ctx context.Context, src Source, releaseID int64, author string, at time.Time) (Release, error) {
	r, err := src.FindRelease(ctx, releaseID)
	if err != nil {
		return Release{}, err
	}
	out := Release{Ref: r.Ref(), Author: author, Timestamp: at, Findings: []*bulwark.VulnFinding{}, Advisories: map[string]*bulwark.Advisory{}}
	page := bulwark.Page{Limit: bulwark.MaxPageLimit}
	for {
		fs, next, err := src.Findings(ctx, bulwark.FindingFilter{ReleaseID: releaseID}, page)
		if err != nil {
			return Release{}, err
		}
		out.Findings = append(out.Findings, fs...)
		if next == "" {
			break
		}
		page.Cursor = next
	}
	for _, f := range out.Findings {
		if _, ok := out.Advisories[f.Key]; ok {
			continue
		}
		as, err := src.FindAdvisories(ctx, f.Key)
		if err != nil && bulwark.ErrorCode(err) != bulwark.ENOTFOUND {
			return Release{}, err
		}
		for _, a := range as {
			if a.Key == f.Key && (out.Advisories[f.Key] == nil || a.ID == f.Key) {
				out.Advisories[f.Key] = a
			}
		}
	}
	return out, nil
}

// Export collects a release's findings and writes them in format
// ("cyclonedx", the default when "", or "openvex"), returning the document
// and a file name for it. Errors: EINVALID (format), ENOTFOUND.
func Export(ctx context.Context, src Source, releaseID int64, format, author string, at time.Time) ([]byte, string, error) {
	write, ext := WriteCycloneDX, "cdx.json"
	switch format {
	case "", "cyclonedx":
	case "openvex":
		write, ext = WriteOpenVEX, "openvex.json"
	default:
		return nil, "", bulwark.FieldError("format", "format is cyclonedx or openvex, not %q", format)
	}
	doc, err := Collect(ctx, src, releaseID, author, at)
	if err != nil {
		return nil, "", err
	}
	var buf bytes.Buffer
	if err := write(&buf, doc); err != nil {
		return nil, "", err
	}
	return buf.Bytes(), fmt.Sprintf("%s-%s.vex.%s", doc.Ref.Product, doc.Ref.Version, ext), nil
}
