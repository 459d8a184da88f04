package transport

import (
	"github.com/qiwigen/qiwigen/generator/runtime/modeldiff"
)

// WithDriftReporter reports undocumented answer members. Finding them costs a second encoding
// of each answer, so it is off unless configured.
func WithDriftReporter(r modeldiff.DriftReporter) Option {
	return func(c *Caller) error { c.drift = r; return nil }
}
