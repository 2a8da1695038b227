package sqldb

import (
	"context"
	"database/sql"
	"fmt"
	"mime"
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/bulwark-sec/bulwark"
)

var _ bulwark.EvidenceService = (*DB)(nil)

var digestRE = regexp.MustCompile(`^sha256:[0-9a-f]{64}$`)

// PutEvidence implements bulwark.EvidenceService.
func (db *DB) PutEvidence(ctx context.Context, scopeID int64, name, mediaType string, content []byte, reason string) (ev *bulwark.Evidence, err error) {
	defer bulwark.Wrap(&err, "PutEvidence(%q)", name)
	if int64(len(content)) > db.MaxEvidenceBytes {
		return nil, bulwark.Errorf(bulwark.ETOOLARGE, "evidence files are at most %d bytes; this one has %d", db.MaxEvidenceBytes, len(content))
	}
	if len(content) == 0 {
		return nil, bulwark.FieldError("content", "the evidence file is empty")
	}
	name = strings.TrimSpace(name)
	if name == "" || utf8.RuneCountInString(name) > 255 || strings.ContainsAny(name, "/\\\x00") {
		return nil, bulwark.FieldError("name", "a file name of 1–255 characters without slashes is required")
	}
	if mediaType == "" {
		mediaType = "application/octet-stream"
	}
	if _, _, err := mime.ParseMediaType(mediaType); err != nil {
		return nil, bulwark.FieldError("media_type", "%q is not a media type", mediaType)
	}
	digest := bulwark.DigestBytes(content)
	err = db.inTx(ctx, func(t *Tx) error {
		s, err := t.scope(scopeID)
		if err != nil {
			return bulwark.FieldError("scope_id", "no scope %d", scopeID)
		}
		if err := t.p.Authorize(bulwark.ActionEvidenceWrite, s.Path); err != nil {
			return err
		}
		var id int64
		if ev, id, err = t.putEvidence(scopeID, name, mediaType, content, digest); err != nil {
			return err
		}
		t.record("evidence.attached", fmt.Sprintf("evidence:%d", id), s.Path, nil, ev, reason, digest)
		return nil
	})
	return ev, err
}

// putEvidence stores content once by its digest (bulwark.DigestBytes,
// computed by the caller) and attaches it in a scope. The caller
// authorises and records the ledger event that names it.
func (t *Tx) putEvidence(scopeID int64, name, mediaType string, content []byte, digest string) (*bulwark.Evidence, int64, error) {
	if _, err := t.exec("INSERT INTO evidence_blobs (digest, size, content, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (digest) DO NOTHING",
		digest, len(content), content, micros(t.now)); err != nil {
		return nil, 0, err
	}
	ev := &bulwark.Evidence{Digest: digest, Size: int64(len(content)), MediaType: mediaType, Name: name, ScopeID: scopeID, CreatedAt: t.now, CreatedBy: t.p.Actor()}
	var id int64
	if err := t.queryRow("INSERT INTO evidence (digest, scope_id, name, media_type, created_at, created_by) VALUES (?, ?, ?, ?, ?, ?) RETURNING id",
		digest, scopeID, name, mediaType, micros(t.now), ev.CreatedBy).Scan(&id); err != nil {
		return nil, 0, err
	}
	return ev, id, nil
}

// GetEvidence implements bulwark.EvidenceService.
func (db *DB) GetEvidence(ctx context.Context, digest string) (ev *bulwark.Evidence, content []byte, err error) {
	defer bulwark.Wrap(&err, "GetEvidence(%s)", digest)
	if !digestRE.MatchString(digest) {
		return nil, nil, bulwark.FieldError("digest", "%q is not a sha256:<64 hex> digest", digest)
	}
	err = db.readTx(ctx, func(t *Tx) error {
		cond, args := scopeFilter("s.path", t.p.VisibleScopes(bulwark.ActionEvidenceRead))
		var at int64
		ev = &bulwark.Evidence{}
		err := t.queryRow(`SELECT e.digest, b.size, e.media_type, e.name, e.scope_id, e.created_at, e.created_by, b.content
			FROM evidence e JOIN evidence_blobs b ON b.digest = e.digest JOIN scopes s ON s.id = e.scope_id
			WHERE e.digest = ? AND `+cond+` ORDER BY e.id LIMIT 1`, append([]any{digest}, args...)...).
			Scan(&ev.Digest, &ev.Size, &ev.MediaType, &ev.Name, &ev.ScopeID, &at, &ev.CreatedBy, &content)
		if err == sql.ErrNoRows {
			// Evidence behind a catalog finding is read with the dossier it
			// belongs to, by anyone who may read the catalog.
			if !t.p.Can(bulwark.ActionCatalogRead, "") {
				return bulwark.Errorf(bulwark.ENOTFOUND, "no evidence %s", digest)
			}
			err = t.queryRow(`SELECT e.digest, b.size, e.media_type, e.name, e.scope_id, e.created_at, e.created_by, b.content
				FROM evidence e JOIN evidence_blobs b ON b.digest = e.digest
				WHERE e.digest = ? AND EXISTS (SELECT 1 FROM evaluation_findings f WHERE f.evidence LIKE ?) ORDER BY e.id LIMIT 1`,
				digest, `%"`+digest+`"%`).Scan(&ev.Digest, &ev.Size, &ev.MediaType, &ev.Name, &ev.ScopeID, &at, &ev.CreatedBy, &content)
			if err == sql.ErrNoRows {
				return bulwark.Errorf(bulwark.ENOTFOUND, "no evidence %s", digest)
			}
		}
		ev.CreatedAt = fromMicros(at)
		return err
	})
	return ev, content, err
}
