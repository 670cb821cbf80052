package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"
)

// decodeConfig reads YAML into cfg strictly. Every value of the wrong type
// or shape and every unknown key is a problem naming the file, the line and
// the key's path (digests[0].catch_up), with an example; all come at once.
func decodeConfig(path string, b []byte, cfg *Config) error {
	var doc yaml.Node
	if err := yaml.Unmarshal(b, &doc); err != nil {
		return fmt.Errorf("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	if doc.Kind == yaml.DocumentNode && len(doc.Content) == 1 {
		c := shapeChecker{file: path}
		c.check(doc.Content[0], reflect.TypeFor[Config](), "", "")
		if len(c.problems) > 0 {
			return c.problems
		}
	}

	// A reaction map in the file replaces the default one (so a team can drop
	// :bug:); effort sizes merge, so {XL: 10} keeps S, M and L.
	defaultEmoji := cfg.Capture.Emoji
	cfg.Capture.Emoji = nil
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	err := dec.Decode(cfg)
	if cfg.Capture.Emoji == nil {
		cfg.Capture.Emoji = defaultEmoji
	}
	if err == nil || errors.Is(err, io.EOF) { // an empty file is fine
		applyDigestDefaults(cfg)
		return nil
	}
	// The shape check above passed, so this is something it does not know.
	var te *yaml.TypeError
	if !errors.As(err, &te) {
		return fmt.Errorf("%s: %v", path, strings.TrimPrefix(err.Error(), "yaml: "))
	}
	lines := make(ValidationError, 0, len(te.Errors))
	for _, e := range te.Errors {
		lines = append(lines, fmt.Sprintf("%s: %s", path, e))
	}
	return lines
}

// shapeChecker walks a YAML tree beside the Go type it decodes into.
type shapeChecker struct {
	file     string
	problems ValidationError
}

var durationType = reflect.TypeFor[time.Duration]()

// check reports every problem in n, which decodes into t at key; example is
// the example tag of the field that holds it.
func (c *shapeChecker) check(n *yaml.Node, t reflect.Type, key, example string) {
	for n.Kind == yaml.AliasNode {
		n = n.Alias
	}
	if n.Kind == yaml.ScalarNode && n.ShortTag() == "!!null" {
		return // an empty value leaves the default
	}
	switch {
	case t == durationType:
		c.scalar(n, t, key, example, "a duration")
	case t.Kind() == reflect.Struct:
		if n.Kind != yaml.MappingNode {
			c.add(n, key, "%s is not a map", describe(n), example)
			return
		}
		fields, names := yamlFields(t)
		c.pairs(n, key, func(k, v *yaml.Node, sub string) {
			f, ok := fields[k.Value]
			if !ok {
				c.unknownKey(k, key, sub, names)
				return
			}
			c.check(v, f.Type, sub, f.Tag.Get("example"))
		})
	case t.Kind() == reflect.Map:
		if n.Kind != yaml.MappingNode {
			c.add(n, key, "%s is not a map", describe(n), example)
			return
		}
		c.pairs(n, key, func(_, v *yaml.Node, sub string) { c.check(v, t.Elem(), sub, example) })
	case t.Kind() == reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			c.add(n, key, "%s is not a list", describe(n), example)
			return
		}
		for i, e := range n.Content {
			c.check(e, t.Elem(), fmt.Sprintf("%s[%d]", key, i), example)
		}
	case t.Kind() == reflect.Bool:
		c.scalar(n, t, key, example, "true or false")
	case t.Kind() == reflect.Int:
		c.scalar(n, t, key, example, "a whole number")
	case t.Kind() == reflect.Float64:
		c.scalar(n, t, key, example, "a number")
	default:
		c.scalar(n, t, key, example, "a single value")
	}
}

// pairs calls fn for each key and value of the mapping n, reporting keys
// given twice; merge keys (<<) are left to the decoder.
func (c *shapeChecker) pairs(n *yaml.Node, key string, fn func(k, v *yaml.Node, sub string)) {
	seen := map[string]int{}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k, v := n.Content[i], n.Content[i+1]
		if k.Value == "<<" {
			continue
		}
		sub := k.Value
		if key != "" {
			sub = key + "." + k.Value
		}
		if line, dup := seen[k.Value]; dup {
			c.add(k, sub, "given twice (first on line %d); keep one", line, "")
			continue
		}
		seen[k.Value] = k.Line
		fn(k, v, sub)
	}
}

// scalar checks that n is one value that decodes into t.
func (c *shapeChecker) scalar(n *yaml.Node, t reflect.Type, key, example, want string) {
	if n.Kind != yaml.ScalarNode {
		c.add(n, key, "%s is not "+want, describe(n), example)
		return
	}
	if err := n.Decode(reflect.New(t).Interface()); err != nil {
		c.add(n, key, "%s is not "+want, describe(n), example)
	}
}

// unknownKey reports a key the section (parent) does not have, with the
// nearest one it does and the whole list.
func (c *shapeChecker) unknownKey(k *yaml.Node, parent, key string, names []string) {
	section := parent
	if section == "" {
		section = "the top level"
	}
	msg := fmt.Sprintf("unknown key (%s takes %s)", section, strings.Join(names, ", "))
	if s := closest(k.Value, names); s != "" {
		msg = fmt.Sprintf("unknown key; did you mean %s? (%s takes %s)", s, section, strings.Join(names, ", "))
	}
	c.problems = append(c.problems, fmt.Sprintf("%s:%d: %s: %s", c.file, k.Line, key, msg))
}

// add records a problem at n: format takes one argument (the value as
// described) and the example, when there is one, follows it.
func (c *shapeChecker) add(n *yaml.Node, key, format string, arg any, example string) {
	msg := fmt.Sprintf(format, arg)
	if key == "" {
		key = "the file"
	}
	if example != "" {
		msg += " (example: " + example + ")"
	}
	c.problems = append(c.problems, fmt.Sprintf("%s:%d: %s: %s", c.file, n.Line, key, msg))
}

// describe names a YAML value in a message: a string quoted, a number or
// word as written, a list or map by what it is.
func describe(n *yaml.Node) string {
	switch n.Kind {
	case yaml.SequenceNode:
		return "a list"
	case yaml.MappingNode:
		return "a map"
	}
	if n.ShortTag() == "!!str" {
		return fmt.Sprintf("%q", n.Value)
	}
	return n.Value
}

// yamlFields maps t's YAML keys to its fields, and lists the keys in order.
func yamlFields(t reflect.Type) (map[string]reflect.StructField, []string) {
	fields := map[string]reflect.StructField{}
	var names []string
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		fields[name] = f
		names = append(names, name)
	}
	return fields, names
}
