// pulumi-resource-kubernetes built from the Go module proxy. The provider's own main package embeds
// schema-embed.json and terraform-mapping-embed.json, which its module zip lacks; test/engine/build.sh
// writes them next to this file from the module's schema.json (with `version` set) and
// terraform-mapping.json before building.
package main

import (
	_ "embed"

	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/provider"
	"github.com/pulumi/pulumi-kubernetes/provider/v4/pkg/version"
)

//go:embed schema-embed.json
var schema []byte

//go:embed terraform-mapping-embed.json
var terraformMapping []byte

func main() {
	provider.Serve("kubernetes", version.Version, schema, terraformMapping)
}
