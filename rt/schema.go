package rt

import (
	"encoding/json"
	"fmt"
)

// A schema describes a kept variable's type as MessagePack sees it, by kind
// and field name; hotpatch build writes it (internal/rewrite.Schema).
type schema struct {
	Kind   string        `json:"k"`
	Elem   *schema       `json:"e"`
	Key    *schema       `json:"key"`
	Fields []schemaField `json:"f"`
	Name   string        `json:"n"`
	Ref    string        `json:"r"`
	Type   string        `json:"t"`
}

type schemaField struct {
	Name   string  `json:"n"`
	Schema *schema `json:"s"`
}

func parseSchema(s string) (*schema, error) {
	var sc schema
	if err := json.Unmarshal([]byte(s), &sc); err != nil {
		return nil, fmt.Errorf("unreadable schema %q: %w", s, err)
	}
	return &sc, nil
}

// compatible returns where a value of the old schema would not decode into
// the new one, or nil. Fields match by name: added ones start as zero
// values, removed ones are dropped. Integers of any size decode into each
// other (a value that does not fit fails when it decodes), and strings into
// bytes; otherwise a kind must stay the same.
func compatible(old, new *schema) error {
	return compatibleAt("", old, new, map[[2]string]bool{}, map[string]*schema{}, map[string]*schema{})
}

func compatibleAt(path string, old, new *schema, seen map[[2]string]bool, oldNamed, newNamed map[string]*schema) error {
	if old.Kind == "ref" {
		old = oldNamed[old.Ref]
	}
	if new.Kind == "ref" {
		new = newNamed[new.Ref]
	}
	if old == nil || new == nil {
		return nil
	}
	if old.Name != "" && new.Name != "" {
		pair := [2]string{old.Name, new.Name}
		if seen[pair] {
			return nil
		}
		seen[pair] = true
		oldNamed[old.Name], newNamed[new.Name] = old, new
	}
	same := old.Kind == new.Kind ||
		old.Kind == "string" && new.Kind == "bytes" || old.Kind == "bytes" && new.Kind == "string" ||
		old.Kind == "int" && new.Kind == "float" ||
		old.Kind == "slice" && new.Kind == "array" || old.Kind == "array" && new.Kind == "slice"
	if !same {
		where := "its value"
		if path != "" {
			where = "field " + path
		}
		return fmt.Errorf("%s changed from %s to %s", where, old.Type, new.Type)
	}
	switch new.Kind {
	case "slice", "array":
		return compatibleAt(path+"[]", old.Elem, new.Elem, seen, oldNamed, newNamed)
	case "map":
		if err := compatibleAt(path+"[key]", old.Key, new.Key, seen, oldNamed, newNamed); err != nil {
			return err
		}
		return compatibleAt(path+"[]", old.Elem, new.Elem, seen, oldNamed, newNamed)
	case "struct":
		for _, nf := range new.Fields {
			for _, of := range old.Fields {
				if of.Name != nf.Name {
					continue
				}
				p := nf.Name
				if path != "" {
					p = path + "." + nf.Name
				}
				if err := compatibleAt(p, of.Schema, nf.Schema, seen, oldNamed, newNamed); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
