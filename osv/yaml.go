package osv

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// maxYAMLDepth bounds nesting; a record nests about six deep.
const maxYAMLDepth = 128

var errYAMLTooLarge = errors.New("too large")

// yamlToJSON turns a YAML record into the JSON that Parse decodes, keeping
// key order. Timestamps stay strings (the record's time fields are RFC 3339
// strings, and yaml.v3 would otherwise reformat them); numbers, booleans
// and nulls keep their JSON kind, so that an unquoted `fixed: 1.10` is
// reported as a number where a string is wanted rather than read as "1.1".
// Aliases are expanded, within limit bytes of output.
func yamlToJSON(data []byte, limit int) ([]byte, []string, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var doc yaml.Node
	if err := dec.Decode(&doc); err != nil {
		if err == io.EOF {
			return nil, nil, errors.New("empty document")
		}
		return nil, nil, fmt.Errorf("not valid YAML: %v", err)
	}
	var warnings []string
	var more yaml.Node
	if err := dec.Decode(&more); err != io.EOF {
		warnings = append(warnings, "the YAML stream holds more than one document; only the first is read")
	}
	root := &doc
	if root.Kind == yaml.DocumentNode && len(root.Content) > 0 {
		root = root.Content[0]
	}
	for root.Kind == yaml.AliasNode && root.Alias != nil {
		root = root.Alias
	}
	if root.Kind != yaml.MappingNode {
		return nil, nil, fmt.Errorf("the YAML document is a %s, not a mapping", kindName(root.Kind))
	}
	c := yamlConv{limit: limit}
	if err := c.node(root, 0); err != nil {
		if errors.Is(err, errYAMLTooLarge) {
			return nil, nil, fmt.Errorf("the YAML record expands to more than %d bytes of JSON, or uses more than %d aliases", limit, maxYAMLAliases)
		}
		return nil, nil, err
	}
	return c.out, warnings, nil
}

type yamlConv struct {
	out     []byte
	limit   int
	aliases int
}

// maxYAMLAliases bounds alias expansion: records do not use aliases, and a
// document made of nested aliases (a "billion laughs") is refused early.
const maxYAMLAliases = 1000

func (c *yamlConv) node(n *yaml.Node, depth int) error {
	if depth > maxYAMLDepth {
		return fmt.Errorf("YAML nested more than %d deep (line %d)", maxYAMLDepth, n.Line)
	}
	if len(c.out) > c.limit {
		return errYAMLTooLarge
	}
	switch n.Kind {
	case yaml.DocumentNode:
		if len(n.Content) == 0 {
			c.out = append(c.out, "null"...)
			return nil
		}
		return c.node(n.Content[0], depth+1)
	case yaml.AliasNode:
		if n.Alias == nil {
			return fmt.Errorf("YAML alias without anchor (line %d)", n.Line)
		}
		if c.aliases++; c.aliases > maxYAMLAliases {
			return errYAMLTooLarge
		}
		return c.node(n.Alias, depth+1)
	case yaml.SequenceNode:
		c.out = append(c.out, '[')
		for i, e := range n.Content {
			if i > 0 {
				c.out = append(c.out, ',')
			}
			if err := c.node(e, depth+1); err != nil {
				return err
			}
		}
		c.out = append(c.out, ']')
		return nil
	case yaml.MappingNode:
		c.out = append(c.out, '{')
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			for k.Kind == yaml.AliasNode && k.Alias != nil {
				k = k.Alias
			}
			if k.Kind != yaml.ScalarNode {
				return fmt.Errorf("YAML mapping key on line %d is a %s, not a scalar", k.Line, kindName(k.Kind))
			}
			if i > 0 {
				c.out = append(c.out, ',')
			}
			c.str(k.Value)
			c.out = append(c.out, ':')
			if err := c.node(n.Content[i+1], depth+1); err != nil {
				return err
			}
		}
		c.out = append(c.out, '}')
		return nil
	case yaml.ScalarNode:
		c.scalar(n)
		return nil
	}
	return fmt.Errorf("unexpected YAML node on line %d", n.Line)
}

func (c *yamlConv) scalar(n *yaml.Node) {
	tag := n.ShortTag()
	if (tag == "!!int" || tag == "!!float") && jsonNumber(n.Value) {
		c.out = append(c.out, n.Value...) // as written: no rounding
		return
	}
	switch tag {
	case "!!null":
		c.out = append(c.out, "null"...)
		return
	case "!!bool":
		var b bool
		if n.Decode(&b) == nil {
			c.out = strconv.AppendBool(c.out, b)
			return
		}
	case "!!int":
		var i int64
		if n.Decode(&i) == nil {
			c.out = strconv.AppendInt(c.out, i, 10)
			return
		}
		var u uint64
		if n.Decode(&u) == nil {
			c.out = strconv.AppendUint(c.out, u, 10)
			return
		}
	case "!!float":
		var f float64
		if n.Decode(&f) == nil && !math.IsInf(f, 0) && !math.IsNaN(f) {
			c.out = strconv.AppendFloat(c.out, f, 'g', -1, 64)
			return
		}
	}
	// Strings, timestamps, binary, custom tags, and numbers JSON cannot
	// hold (.inf, .nan, huge integers) stay as written.
	c.str(n.Value)
}

// jsonNumber reports whether s is a number in JSON's syntax.
func jsonNumber(s string) bool {
	return s != "" && (s[0] == '-' || '0' <= s[0] && s[0] <= '9') && json.Valid([]byte(s))
}

func (c *yamlConv) str(s string) {
	b, _ := json.Marshal(s) // a string always marshals
	c.out = append(c.out, b...)
}

func kindName(k yaml.Kind) string {
	switch k {
	case yaml.DocumentNode:
		return "document"
	case yaml.SequenceNode:
		return "sequence"
	case yaml.MappingNode:
		return "mapping"
	case yaml.ScalarNode:
		return "scalar"
	case yaml.AliasNode:
		return "alias"
	}
	return "empty node"
}
