package main

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// declaredTypes is declared-types.json: see declared-types.ts.
type declaredTypes struct {
	Package   string           `json:"package"`
	Version   string           `json:"version"`
	Resources map[string]shape `json:"resources"`
}

type shape struct {
	Kind       string              `json:"kind"` // string, number, boolean, any, array, map, object
	Items      *shape              `json:"items,omitempty"`
	Values     *shape              `json:"values,omitempty"`
	Name       string              `json:"name,omitempty"`
	Properties map[string]property `json:"properties,omitempty"`
}

type property struct {
	Required bool     `json:"required"`
	Shape    shape    `json:"shape"`
	Enum     []string `json:"enum,omitempty"`
}

func (t declaredTypes) tokens() []string {
	var tokens []string
	for token := range t.Resources {
		tokens = append(tokens, token)
	}
	sort.Strings(tokens)
	return tokens
}

type problem struct{ property, reason string }

// Inputs the engine adds to every provider resource besides its declared arguments.
var providerEngineInputs = map[string]bool{"version": true, "pluginDownloadURL": true}

func checkInputs(token string, declared shape, inputs resource.PropertyMap) []problem {
	var problems []problem
	if token == providerType {
		inputs = inputs.Copy()
		for key := range providerEngineInputs {
			delete(inputs, resource.PropertyKey(key))
		}
	}
	checkObject("", declared, inputs, token == providerType, &problems)
	return problems
}

func join(parent, key string) string {
	if parent == "" {
		return key
	}
	return parent + "." + key
}

// checkObject: every required property present, no property the package does not declare, each value typed
// as declared. Provider config arrives with non-string values JSON-encoded as strings (stringEncoded).
func checkObject(at string, declared shape, value resource.PropertyMap, stringEncoded bool, problems *[]problem) {
	var names []string
	for name := range declared.Properties {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		if _, ok := value[resource.PropertyKey(name)]; !ok && declared.Properties[name].Required {
			*problems = append(*problems, problem{join(at, name), fmt.Sprintf("missing required property %q (%s declares it required)", name, declared.Name)})
		}
	}
	for _, key := range value.StableKeys() {
		name := string(key)
		declaredProperty, ok := declared.Properties[name]
		if !ok {
			*problems = append(*problems, problem{join(at, name), fmt.Sprintf("%s declares no property %q", declared.Name, name)})
			continue
		}
		checkValue(join(at, name), declared.Name+"."+name, declaredProperty, value[key], stringEncoded, problems)
	}
}

func checkValue(at, enumKey string, declared property, value resource.PropertyValue, stringEncoded bool, problems *[]problem) {
	for value.IsSecret() {
		value = value.SecretValue().Element
	}
	if value.IsOutput() {
		if !value.OutputValue().Known {
			return
		}
		value = value.OutputValue().Element
	}
	if value.IsComputed() || value.IsNull() {
		return // unknown during preview: checked again when known
	}
	if stringEncoded && value.IsString() && declared.Shape.Kind != "string" && declared.Shape.Kind != "any" {
		if decoded, ok := decodeString(declared.Shape.Kind, value.StringValue()); ok {
			value = decoded
		}
	}
	expect := func(kind string) {
		*problems = append(*problems, problem{at, fmt.Sprintf("expected a %s, got %s", kind, value.TypeString())})
	}
	switch declared.Shape.Kind {
	case "string":
		if !value.IsString() {
			expect("string")
			return
		}
		checkEnum(at, enumKey, declared, value.StringValue(), problems)
	case "number":
		if !value.IsNumber() {
			expect("number")
		}
	case "boolean":
		if !value.IsBool() {
			expect("boolean")
		}
	case "array":
		if !value.IsArray() {
			expect("list")
			return
		}
		for i, element := range value.ArrayValue() {
			checkValue(fmt.Sprintf("%s[%d]", at, i), enumKey, property{Shape: *declared.Shape.Items}, element, false, problems)
		}
	case "map":
		if !value.IsObject() {
			expect("map")
			return
		}
		for key, element := range value.ObjectValue() {
			checkValue(join(at, string(key)), enumKey, property{Shape: *declared.Shape.Values}, element, false, problems)
		}
	case "object":
		if !value.IsObject() {
			expect(declared.Shape.Name)
			return
		}
		checkObject(at, declared.Shape, value.ObjectValue(), false, problems)
	}
}

func decodeString(kind, s string) (resource.PropertyValue, bool) {
	switch kind {
	case "boolean":
		if b, err := strconv.ParseBool(s); err == nil {
			return resource.NewBoolProperty(b), true
		}
	case "number":
		if n, err := strconv.ParseFloat(s, 64); err == nil {
			return resource.NewNumberProperty(n), true
		}
	}
	return resource.PropertyValue{}, false
}

// checkEnum: the documented values, else the table in enums.go. Doc comments write patterns as `ideN` (ide and
// a number) or `ide0..3` (ide0 to ide3).
func checkEnum(at, enumKey string, declared property, value string, problems *[]problem) {
	allowed := declared.Enum
	if len(allowed) == 0 {
		allowed = undocumentedEnums[enumKey]
	}
	if len(allowed) == 0 {
		return
	}
	for _, candidate := range allowed {
		if candidate == value {
			return
		}
		if matchesPattern(candidate, value) {
			return
		}
	}
	*problems = append(*problems, problem{at, fmt.Sprintf("%q is not allowed: must be one of %s", value, strings.Join(allowed, ", "))})
}

var (
	numberedPattern = regexp.MustCompile(`^([a-z]+)N$`)
	rangePattern    = regexp.MustCompile(`^([a-z]+)([0-9]+)\.\.([0-9]+)$`)
	numberedValue   = regexp.MustCompile(`^([a-z]+)([0-9]+)$`)
)

func matchesPattern(pattern, value string) bool {
	found := numberedValue.FindStringSubmatch(value)
	if found == nil {
		return false
	}
	number, _ := strconv.Atoi(found[2])
	if m := numberedPattern.FindStringSubmatch(pattern); m != nil {
		return m[1] == found[1]
	}
	if m := rangePattern.FindStringSubmatch(pattern); m != nil {
		low, _ := strconv.Atoi(m[2])
		high, _ := strconv.Atoi(m[3])
		return m[1] == found[1] && number >= low && number <= high
	}
	return false
}
