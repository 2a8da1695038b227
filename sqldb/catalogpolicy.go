package sqldb

import (
	"context"
	"database/sql"
	"sync"

	"github.com/bulwark-sec/bulwark"
	"github.com/bulwark-sec/bulwark/policy"
)

// policyCache keeps the parsed policy of the latest version seen.
type policyCache struct {
	mu      sync.Mutex
	version int
	parsed  *policy.Policy
}

// policy returns the policy in force: the latest stored version, or the
// built-in default before anyone changed it.
func (t *Tx) policy() (*policy.Policy, error) {
	doc, err := t.policyDocument()
	if err != nil {
		return nil, err
	}
	c := &t.db.policies
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.parsed != nil && c.version == doc.Version {
		return c.parsed, nil
	}
	p, err := policy.Parse(doc.Text)
	if err != nil {
		return nil, err
	}
	c.version, c.parsed = doc.Version, p
	return p, nil
}

func (t *Tx) policyDocument() (*bulwark.PolicyDocument, error) {
	var d bulwark.PolicyDocument
	var at int64
	err := t.queryRow("SELECT version, document, created_at, created_by, reason FROM catalog_policies ORDER BY version DESC LIMIT 1").
		Scan(&d.Version, &d.Text, &at, &d.CreatedBy, &d.Reason)
	if err == sql.ErrNoRows {
		return &bulwark.PolicyDocument{Version: 0, Text: policy.DefaultText, CreatedBy: "built-in", Reason: "default policy"}, nil
	}
	d.CreatedAt = fromMicros(at)
	return &d, err
}

// CatalogPolicy implements bulwark.CatalogService.
func (db *DB) CatalogPolicy(ctx context.Context) (d *bulwark.PolicyDocument, err error) {
	defer bulwark.Wrap(&err, "CatalogPolicy")
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionPolicyRead, ""); err != nil {
		return nil, err
	}
	err = db.readTx(ctx, func(t *Tx) error {
		d, err = t.policyDocument()
		return err
	})
	return d, err
}

// PolicyHistory implements bulwark.CatalogService.
func (db *DB) PolicyHistory(ctx context.Context) (out []*bulwark.PolicyDocument, err error) {
	defer bulwark.Wrap(&err, "PolicyHistory")
	if err := bulwark.PrincipalFrom(ctx).Authorize(bulwark.ActionPolicyRead, ""); err != nil {
		return nil, err
	}
	err = db.readTx(ctx, func(t *Tx) error {
		rows, err := t.query("SELECT version, document, created_at, created_by, reason FROM catalog_policies ORDER BY version DESC")
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var d bulwark.PolicyDocument
			var at int64
			if err := rows.Scan(&d.Version, &d.Text, &at, &d.CreatedBy, &d.Reason); err != nil {
				return err
			}
			d.CreatedAt = fromMicros(at)
			out = append(out, &d)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, err
	}
	return append(out, &bulwark.PolicyDocument{Version: 0, Text: policy.DefaultText, CreatedBy: "built-in", Reason: "default policy"}), nil
}

// UpdatePolicy implements bulwark.CatalogService.
func (db *DB) UpdatePolicy(ctx context.Context, text, reason string) (d *bulwark.PolicyDocument, err error) {
	defer bulwark.Wrap(&err, "UpdatePolicy")
	if _, err := policy.Parse(text); err != nil {
		return nil, err
	}
	err = db.inTx(ctx, func(t *Tx) error {
		root, err := t.authorizeRoot(bulwark.ActionPolicyEdit)
		if err != nil {
			return err
		}
		before, err := t.policyDocument()
		if err != nil {
			return err
		}
		d = &bulwark.PolicyDocument{Version: before.Version + 1, Text: text, CreatedAt: t.now, CreatedBy: t.p.Actor(), Reason: reason}
		if _, err := t.exec("INSERT INTO catalog_policies (version, document, created_at, created_by, reason) VALUES (?, ?, ?, ?, ?)",
			d.Version, d.Text, micros(t.now), d.CreatedBy, reason); err != nil {
			return err
		}
		t.record("policy.updated", "catalog-policy", root, before.Text, d.Text, reason)
		return nil
	})
	return d, err
}
