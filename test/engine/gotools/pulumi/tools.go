//go:build tools

// The Pulumi CLI, built from the Go module proxy: `go install` refuses pkg/v3 (its go.mod has replace
// directives), so this module requires it and builds github.com/pulumi/pulumi/pkg/v3/cmd/pulumi.
package tools

import _ "github.com/pulumi/pulumi/pkg/v3/cmd/pulumi"
