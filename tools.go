//go:build tools

// Package tools pins the command-line tools this module's build uses, so that
// `go run` resolves them from go.mod and go.sum:
//
//   - oapi-codegen, the upstream CLI (our generator uses it as a library; the CLI is
//     pinned so that users can compare its output with ours).
package tools

import (
	_ "github.com/oapi-codegen/oapi-codegen/v2/cmd/oapi-codegen"
)
