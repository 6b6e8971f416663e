package rewrite

import (
	"encoding/json"
	"fmt"
	"go/types"
)

// Kept variables (//hotpatch:keep) move into each new build through
// MessagePack, by field name, as checked mode's values do: the rules of what
// can travel are the same (rules_checked.go). A kept variable's schema says
// what its value looks like by name, so that a running process can tell,
// before it applies a build, whether the old value decodes into the new type.

// A Schema describes a type as MessagePack sees it: by kind and field name.
// Names of types do not count; a recursive type refers to itself by Ref.
type Schema struct {
	Kind   string        `json:"k"`           // int, float, string, bytes, bool, time, slice, array, map, struct, ref
	Elem   *Schema       `json:"e,omitempty"` // slice, array, map and pointer elements
	Key    *Schema       `json:"key,omitempty"`
	Fields []SchemaField `json:"f,omitempty"`
	Name   string        `json:"n,omitempty"` // of a named struct, for Ref
	Ref    string        `json:"r,omitempty"` // the Name of an enclosing struct
	Type   string        `json:"t,omitempty"` // the Go type, for messages
}

// A SchemaField is a struct field of a Schema.
type SchemaField struct {
	Name   string  `json:"n"`
	Schema *Schema `json:"s"`
}

// schemaOf returns the schema of t, which checkEncodable accepted.
func schemaOf(t types.Type) *Schema {
	return schemaWalk(t, map[types.Type]string{})
}

func schemaWalk(t types.Type, open map[types.Type]string) *Schema {
	if name, ok := open[t]; ok {
		return &Schema{Kind: "ref", Ref: name, Type: qualified(t)}
	}
	if n, ok := t.(*types.Named); ok && n.Obj().Pkg() != nil && n.Obj().Pkg().Path() == "time" && n.Obj().Name() == "Time" {
		return &Schema{Kind: "time", Type: "time.Time"}
	}
	s := &Schema{Type: qualified(t)}
	switch u := t.Underlying().(type) {
	case *types.Basic:
		switch {
		case u.Info()&types.IsInteger != 0:
			s.Kind = "int"
		case u.Info()&types.IsFloat != 0:
			s.Kind = "float"
		case u.Info()&types.IsString != 0:
			s.Kind = "string"
		case u.Info()&types.IsBoolean != 0:
			s.Kind = "bool"
		}
	case *types.Pointer:
		// A pointer travels as its pointee, or nil.
		return schemaWalk(u.Elem(), open)
	case *types.Slice:
		if b, ok := u.Elem().Underlying().(*types.Basic); ok && b.Kind() == types.Byte {
			s.Kind = "bytes"
			break
		}
		s.Kind, s.Elem = "slice", schemaWalk(u.Elem(), open)
	case *types.Array:
		s.Kind, s.Elem = "array", schemaWalk(u.Elem(), open)
	case *types.Map:
		s.Kind, s.Key, s.Elem = "map", schemaWalk(u.Key(), open), schemaWalk(u.Elem(), open)
	case *types.Struct:
		s.Kind = "struct"
		if _, named := t.(*types.Named); named {
			s.Name = qualified(t)
			open[t] = s.Name
			defer delete(open, t)
		}
		for i := range u.NumFields() {
			name := msgpackName(u.Tag(i), u.Field(i).Name())
			if name == "-" {
				continue
			}
			s.Fields = append(s.Fields, SchemaField{Name: name, Schema: schemaWalk(u.Field(i).Type(), open)})
		}
	}
	return s
}

// recursive reports whether values of t can hold a pointer cycle: whether
// t refers to itself.
func recursive(t types.Type) bool {
	var walk func(t types.Type, open map[types.Type]bool) bool
	walk = func(t types.Type, open map[types.Type]bool) bool {
		if open[t] {
			return true
		}
		open[t] = true
		defer delete(open, t)
		switch u := t.Underlying().(type) {
		case *types.Pointer:
			return walk(u.Elem(), open)
		case *types.Slice:
			return walk(u.Elem(), open)
		case *types.Array:
			return walk(u.Elem(), open)
		case *types.Map:
			return walk(u.Elem(), open)
		case *types.Struct:
			for i := range u.NumFields() {
				if walk(u.Field(i).Type(), open) {
					return true
				}
			}
		}
		return false
	}
	return walk(t, map[types.Type]bool{})
}

// checkKept returns why a variable of type t cannot be kept, or nil.
func checkKept(t types.Type) error {
	if err := checkEncodable(t); err != nil {
		return fmt.Errorf("cannot move into new builds: %v", err)
	}
	return nil
}

func (s *Schema) String() string {
	data, _ := json.Marshal(s)
	return string(data)
}
