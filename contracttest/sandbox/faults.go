package sandbox

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"slices"
	"strconv"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/suggest"
)

// Fault makes an operation misbehave, for testing a merchant's resilience: on the Nth call,
// on every Nth call, or with a probability.
type Fault struct {
	// Operation is the operationId: getPayment, createRefund, ...
	Operation string `json:"operation"`
	// Nth fires on that call only (1-based); Every on each multiple; Probability at random.
	Nth         int     `json:"nth,omitempty"`
	Every       int     `json:"every,omitempty"`
	Probability float64 `json:"probability,omitempty"`
	// Status answers with this HTTP status (5xx or 429) and QIWI's error shape.
	Status int `json:"status,omitempty"`
	// RetryAfter is the Retry-After header's seconds, with a 429 or 503.
	RetryAfter int `json:"retryAfter,omitempty"`
	// Delay waits this long first ("250ms", "2s").
	Delay string `json:"delay,omitempty"`
	// Drop closes the connection without an answer.
	Drop bool `json:"drop,omitempty"`

	delay time.Duration
}

// ErrFaults is wrapped by every error about a faults file.
var ErrFaults = errors.New("bad sandbox faults")

// ReadFaults reads a JSON list of faults. Errors name the file and the entry.
func ReadFaults(path string) ([]Fault, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var faults []Fault
	if err := dec.Decode(&faults); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("%s:%d: %w: %v", path, bytes.Count(data[:se.Offset], []byte("\n"))+1, ErrFaults, err)
		}
		return nil, fmt.Errorf("%s: %w: %v", path, ErrFaults, err)
	}
	for i := range faults {
		if err := faults[i].check(); err != nil {
			return nil, fmt.Errorf("%s: /%d: %w: %v", path, i, ErrFaults, err)
		}
	}
	return faults, nil
}

func (f *Fault) check() error {
	switch {
	case f.Operation == "":
		return errors.New("operation: missing")
	case f.Nth < 0 || f.Every < 0 || f.Probability < 0 || f.Probability > 1:
		return errors.New("nth, every and probability must be non-negative, probability at most 1")
	case f.Nth == 0 && f.Every == 0 && f.Probability == 0:
		return errors.New("give nth, every or probability")
	case f.Status != 0 && f.Status != http.StatusTooManyRequests && (f.Status < 500 || f.Status > 599):
		return fmt.Errorf("status %d: want 429 or 5xx", f.Status)
	case f.Status == 0 && !f.Drop && f.Delay == "":
		return errors.New("give status, drop or delay")
	}
	if f.Delay != "" {
		d, err := time.ParseDuration(f.Delay)
		if err != nil || d < 0 || d > time.Minute {
			return fmt.Errorf("delay %q: a duration up to 1m", f.Delay)
		}
		f.delay = d
	}
	return nil
}

// faults decides, per call, which fault fires.
type faults struct {
	list  []Fault
	calls map[string]int
	rand  *rand.Rand
}

// newFaults checks each fault, and that it names one of the spec's operationIds (ops): a
// misspelt operation would never fire.
func newFaults(list []Fault, seed uint64, ops []string) (*faults, error) {
	for i := range list {
		if err := list[i].check(); err != nil {
			return nil, fmt.Errorf("sandbox: fault %d: %w: %v", i, ErrFaults, err)
		}
		if op := list[i].Operation; !slices.Contains(ops, op) {
			msg := fmt.Sprintf("operation %q is no operationId of the spec", op)
			if near := suggest.Closest(op, ops, 1); len(near) > 0 {
				msg += fmt.Sprintf("; did you mean %q?", near[0])
			}
			return nil, fmt.Errorf("sandbox: fault %d: %w: %s", i, ErrFaults, msg)
		}
	}
	return &faults{list: list, calls: map[string]int{}, rand: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}, nil
}

// next counts a call of op and returns the fault that fires on it, nil if none. The caller
// holds the sandbox's lock.
func (fs *faults) next(op string) *Fault {
	fs.calls[op]++
	n := fs.calls[op]
	for i := range fs.list {
		f := &fs.list[i]
		if f.Operation != op {
			continue
		}
		if f.Nth == n || f.Every > 0 && n%f.Every == 0 || f.Probability > 0 && fs.rand.Float64() < f.Probability {
			return f
		}
	}
	return nil
}

// inject applies a fault; it reports whether the request was answered (or dropped).
func (s *Sandbox) inject(w http.ResponseWriter, r *http.Request, f *Fault) bool {
	if f.delay > 0 {
		select {
		case <-time.After(f.delay):
		case <-r.Context().Done():
			return true
		}
	}
	if f.Drop {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return true
			}
		}
		// No connection to drop (HTTP/2): the nearest failure a client sees is a 503.
		s.writeError(w, r, apiError{status: http.StatusServiceUnavailable, code: apierr.CodeInternal, descr: "Injected fault: dropped connection"})
		return true
	}
	if f.Status == 0 {
		return false // a delay only
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.RetryAfter))
	}
	code := apierr.CodeInternal
	if f.Status == http.StatusTooManyRequests {
		code = apierr.CodeValidation
	}
	s.writeError(w, r, apiError{status: f.Status, code: code, descr: fmt.Sprintf("Injected fault: %d", f.Status)})
	return true
}

// operationIDs are the spec's operationIds, sorted.
func operationIDs(doc *openapi3.T) []string {
	var ops []string
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.OperationID != "" {
				ops = append(ops, op.OperationID)
			}
		}
	}
	slices.Sort(ops)
	return ops
}
