// Package generator turns the curated QIWI spec and its overlays into a Go client.
//
// The pipeline is a sequence of clear passes, each a function of its input:
//
//	load base spec ─► apply overlays in order ─► validate ─► resolved spec
//	                                                        ├─► oapi-codegen: models + raw client
//	                                                        └─► our passes: typed client, enums, notifications
//
// Validation is kin-openapi's, plus the notification declarations (package
// spec/notification): a signature over a member the notification's model lacks could never
// verify, so it is refused before any code is generated.
//
// Run computes everything in memory; Output.Write replaces the output directory only when
// every pass has succeeded, so bad input never leaves a half-written client behind.
// Every input error is an *InputError naming the file and, where known, the line or the
// JSON pointer.
package generator
