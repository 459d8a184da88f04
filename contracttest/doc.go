// Package contracttest is the contract harness: it proves that the spec, the generated client
// and QIWI's documentation agree.
//
//   - docs: the one reader of QIWI's documentation pages
//   - fixture: the interaction model, its readers (own format, HAR 1.2), scrubber and recorder
//   - extract: documentation examples to fixtures
//   - verdict: the spec verdict (kin-openapi) and the client verdict (replay through gen/qiwi)
//   - replay: running, reporting (text, JUnit, Markdown) and coverage
//   - diff: two OpenAPI documents compared (libopenapi what-changed), breaking changes named
//   - drift: the documentation pages compared with the spec, with a baseline of accepted findings
//   - store: the sandbox's state and the API cache in bbolt files checked before use
//   - reconcile: QIWI's daily report checked against a merchant's ledger
//   - sandbox: a stateful emulation of QIWI's payin and Bill Payments APIs in test mode
//   - cmd/qiwicontract: the command CI runs
//
// The tests of this package run every documented example through both verdicts, mutate
// every fixture to prove the verdicts catch faults, and check coverage of the spec's
// operations.
package contracttest
