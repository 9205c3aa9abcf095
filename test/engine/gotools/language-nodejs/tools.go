//go:build tools

// The nodejs language host. Its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3) is not served by
// the Go module proxy; sdk/v3 v3.68.0 is the last sdk/v3 version that still contains it.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
