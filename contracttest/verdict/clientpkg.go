package verdict

import (
	"net/http"

	"github.com/qiwigen/qiwigen/generator/runtime/transport"

	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// Notification is what a generated notification model offers: its type.
type Notification interface {
	NotificationType() string
}

// ClientPackage is what the client verdict needs of a generated client package: its
// constructor and its notification functions. A repository that generates its own client
// (with its own overlays) judges its recordings with that client through WithClient, since
// the package this module generates knows nothing of its overlays.
type ClientPackage struct {
	// New builds the typed client, as the generated New does; the verdict calls its
	// operations through the generated Invoke (transport.Invoker), by operationId.
	New func(apiKey string, opts ...transport.Option) (any, error)
	// ParseNotification decodes a notification into its typed model.
	ParseNotification func(body []byte) (Notification, error)
	// VerifyNotification checks a notification's signature.
	VerifyNotification func(header http.Header, body []byte, secret string) error
}

// BundledClient is the client this module generates, gen/qiwi: the default of New.
func BundledClient() ClientPackage {
	return ClientPackage{
		New: func(apiKey string, opts ...transport.Option) (any, error) {
			return qiwi.New(apiKey, opts...)
		},
		ParseNotification: func(body []byte) (Notification, error) {
			return qiwi.ParseNotification(body)
		},
		VerifyNotification: qiwi.VerifyNotification,
	}
}

// Option configures a Judge.
type Option func(*Judge)

// WithClient judges with another generated client package than gen/qiwi.
func WithClient(p ClientPackage) Option {
	return func(j *Judge) { j.client = p }
}
