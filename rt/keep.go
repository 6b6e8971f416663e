package rt

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/vmihailenco/msgpack/v5"
)

// A KeptVar is a kept variable of this copy (//hotpatch:keep): when a build
// is applied, its value moves from the copy that owned it into the new one,
// by field name, through MessagePack.
type KeptVar struct {
	ID     string // package path and name
	Schema string // what its type looks like by name (internal/rewrite.Schema)
	ptr    any    // a pointer to the variable
	// recursive says that its type refers to itself, so that its values can
	// hold a cycle of pointers: MessagePack would follow it forever.
	recursive bool
}

var keptVars []*KeptVar

// Keep records a kept variable of this copy. Generated code calls it in a
// package variable's initialiser.
func Keep(id, schema string, ptr any, recursive bool) *KeptVar {
	k := &KeptVar{ID: id, Schema: schema, ptr: ptr, recursive: recursive}
	keptVars = append(keptVars, k)
	return k
}

// dropKept sets every kept variable of this copy to its zero value, so that
// its garbage collector can free what they held. A retired copy calls it once
// its state has moved into a newer copy.
func dropKept() {
	for _, k := range keptVars {
		reflect.ValueOf(k.ptr).Elem().SetZero()
	}
}

// keptEntry is one kept variable's value as it moves.
type keptEntry struct {
	ID   string             `msgpack:"id"`
	Data msgpack.RawMessage `msgpack:"data"`
}

// saveKept encodes every kept variable of this copy.
func saveKept() ([]byte, error) {
	var entries []keptEntry
	for _, k := range keptVars {
		if k.recursive {
			if path := cyclePath(reflect.ValueOf(k.ptr).Elem(), map[uintptr]bool{}, ""); path != "" {
				return nil, fmt.Errorf("kept variable %s holds a cycle of pointers (at %s), which cannot move by value", k.ID, path)
			}
		}
		var data []byte
		err := noPanic(func() (err error) {
			data, err = msgpack.Marshal(k.ptr)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("kept variable %s cannot be encoded: %w", k.ID, err)
		}
		entries = append(entries, keptEntry{ID: k.ID, Data: data})
	}
	return msgpack.Marshal(entries)
}

// loadKept decodes what saveKept encoded in another copy into this copy's
// kept variables: each into a new value of its type, so that fields the old
// build lacked start as zero values, and only once all have decoded, so that a
// value that does not decode leaves every variable as it was. data belongs to
// the caller: what this copy keeps is decoded into its own heap.
func loadKept(data []byte) error {
	var entries []keptEntry
	if err := msgpack.Unmarshal(data, &entries); err != nil {
		return fmt.Errorf("the kept state does not decode: %w", err)
	}
	byID := map[string]*KeptVar{}
	for _, k := range keptVars {
		byID[k.ID] = k
	}
	type decoded struct {
		k *KeptVar
		v reflect.Value
	}
	var values []decoded
	for _, e := range entries {
		k := byID[e.ID]
		if k == nil {
			continue // no longer kept: dropped
		}
		v := reflect.New(reflect.TypeOf(k.ptr).Elem())
		dec := msgpack.NewDecoder(bytes.NewReader(e.Data))
		if err := noPanic(func() error { return dec.Decode(v.Interface()) }); err != nil {
			return fmt.Errorf("kept variable %s does not decode into its new type %s: %w", k.ID, v.Elem().Type(), err)
		}
		values = append(values, decoded{k, v})
	}
	for _, d := range values {
		reflect.ValueOf(d.k.ptr).Elem().Set(d.v.Elem())
	}
	return nil
}

// cyclePath returns where v reaches a pointer it is already inside, or "".
func cyclePath(v reflect.Value, open map[uintptr]bool, path string) string {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return ""
		}
		p := v.Pointer()
		if open[p] {
			return "*" + path
		}
		open[p] = true
		defer delete(open, p)
		return cyclePath(v.Elem(), open, path)
	case reflect.Struct:
		for i := range v.NumField() {
			f := v.Type().Field(i)
			if f.Tag.Get("msgpack") == "-" {
				continue // MessagePack leaves it out
			}
			if r := cyclePath(v.Field(i), open, path+"."+f.Name); r != "" {
				return r
			}
		}
	case reflect.Slice, reflect.Array:
		for i := range v.Len() {
			if r := cyclePath(v.Index(i), open, fmt.Sprintf("%s[%d]", path, i)); r != "" {
				return r
			}
		}
	case reflect.Map:
		it := v.MapRange()
		for it.Next() {
			if r := cyclePath(it.Value(), open, fmt.Sprintf("%s[%v]", path, it.Key())); r != "" {
				return r
			}
		}
	}
	return ""
}
