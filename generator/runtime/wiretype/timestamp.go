package wiretype

import (
	"bytes"
	"encoding/json"
	"errors"
	"time"
)

// ErrInvalidTimestamp is wrapped by every error that reports a malformed timestamp.
var ErrInvalidTimestamp = errors.New("qiwi: invalid timestamp")

// moscow is the offset QIWI uses for timestamps that arrive without one (UTC+3, no DST).
var moscow = time.FixedZone("MSK", 3*60*60)

// Moscow returns the zone of QIWI's timestamps that arrive without an offset, and of the
// pay forms' lifetimes: UTC+3, no daylight saving time.
func Moscow() *time.Location { return moscow }

// timestampLayouts are the forms seen in QIWI's docs and traffic, tried in order. Go's parser
// accepts any number of fraction digits after ".999999999"-less layouts, so milli- and
// microseconds need no layouts of their own.
var timestampLayouts = []struct {
	layout    string
	hasOffset bool
}{
	{"2006-01-02T15:04:05Z07:00", true}, // RFC 3339, fraction accepted
	{"2006-01-02T15:04:05-0700", true},  // +0300
	{"2006-01-02T15:04:05-07", true},    // +03
	{"2006-01-02T15:04:05", false},
	{"2006-01-02T15:04Z07:00", true},
	{"2006-01-02T15:04", false},
}

// Timestamp is a point in time as QIWI sends it. It keeps the exact wire text, because
// notification signatures cover createdDateTime exactly as received and re-encoding must
// reproduce it. Timestamps without an offset are read as Moscow time (UTC+3).
//
// A Timestamp built in code with NewTimestamp encodes with an explicit offset, as requests need.
type Timestamp struct {
	t         time.Time
	wire      string
	hasOffset bool
}

// NewTimestamp returns a timestamp for t, encoded as RFC 3339 with a numeric offset
// (2024-03-13T14:30:00+03:00) and whole seconds.
func NewTimestamp(t time.Time) Timestamp {
	return Timestamp{t: t.Truncate(time.Second), hasOffset: true}
}

// ParseTimestamp parses every form QIWI uses: with or without offset ("Z", "+03:00", "+0300",
// "+03"), with or without milli-, micro- or nanoseconds.
func ParseTimestamp(s string) (Timestamp, error) {
	for _, l := range timestampLayouts {
		var (
			t   time.Time
			err error
		)
		if l.hasOffset {
			t, err = time.Parse(l.layout, s)
		} else {
			t, err = time.ParseInLocation(l.layout, s, moscow)
		}
		if err == nil {
			return Timestamp{t: t, wire: s, hasOffset: l.hasOffset}, nil
		}
	}
	return Timestamp{}, &ValueError{Kind: ErrInvalidTimestamp, Text: s, Reason: "is no date"}
}

// WithOffset returns the timestamp as requests carry it: RFC 3339 with an explicit numeric
// offset, the instant unchanged (fractions of a second kept). A wire value without offset is
// Moscow time.
func (ts Timestamp) WithOffset() Timestamp {
	if ts.IsZero() {
		return ts
	}
	return Timestamp{t: ts.t, hasOffset: true}
}

// Time returns the instant. A wire value without offset is taken as Moscow time.
func (ts Timestamp) Time() time.Time { return ts.t }

// HasOffset reports whether the wire text carried an explicit offset.
func (ts Timestamp) HasOffset() bool { return ts.hasOffset }

// IsZero reports whether the timestamp is unset.
func (ts Timestamp) IsZero() bool { return ts.t.IsZero() && ts.wire == "" }

// String returns the wire text, or RFC 3339 with a numeric offset for a timestamp built in
// code (fractions of a second only when it has them).
func (ts Timestamp) String() string {
	if ts.wire != "" {
		return ts.wire
	}
	return ts.t.Format("2006-01-02T15:04:05.999999999-07:00")
}

// MarshalJSON writes String() as a JSON string.
func (ts Timestamp) MarshalJSON() ([]byte, error) { return json.Marshal(ts.String()) }

// UnmarshalJSON reads a JSON string with ParseTimestamp.
func (ts *Timestamp) UnmarshalJSON(data []byte) error {
	data = bytes.TrimSpace(data)
	s, err := jsonString(data)
	if err != nil {
		return &ValueError{Kind: ErrInvalidTimestamp, Text: string(data), Reason: "is not a JSON string"}
	}
	parsed, err := ParseTimestamp(s)
	if err != nil {
		return err
	}
	*ts = parsed
	return nil
}
