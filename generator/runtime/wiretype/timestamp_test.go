package wiretype

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseTimestamp(t *testing.T) {
	msk := time.FixedZone("", 3*3600)
	tests := []struct {
		in        string
		want      time.Time
		hasOffset bool
	}{
		{"2024-03-05T11:27:41", time.Date(2024, 3, 5, 11, 27, 41, 0, msk), false},
		{"2024-03-13T14:30:00+03:00", time.Date(2024, 3, 13, 14, 30, 0, 0, msk), true},
		{"2024-03-01T17:10:31.284+03:00", time.Date(2024, 3, 1, 17, 10, 31, 284e6, msk), true},
		{"2022-12-22T10:17:36.887215+03:00", time.Date(2022, 12, 22, 10, 17, 36, 887215e3, msk), true},
		{"2024-03-20T16:29:58.96+03:00", time.Date(2024, 3, 20, 16, 29, 58, 960e6, msk), true},
		{"2018-03-01T11:16:12+03", time.Date(2018, 3, 1, 11, 16, 12, 0, msk), true},
		{"2018-03-01T11:16:12+0300", time.Date(2018, 3, 1, 11, 16, 12, 0, msk), true},
		{"2017-08-13T14:30:00.000Z", time.Date(2017, 8, 13, 14, 30, 0, 0, time.UTC), true},
		{"2018-03-02T08:44", time.Date(2018, 3, 2, 8, 44, 0, 0, msk), false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			ts, err := ParseTimestamp(tt.in)
			require.NoError(t, err)
			assert.True(t, tt.want.Equal(ts.Time()), "got %v want %v", ts.Time(), tt.want)
			assert.Equal(t, tt.hasOffset, ts.HasOffset())
			assert.Equal(t, tt.in, ts.String(), "the wire text is kept")
			out, err := json.Marshal(ts)
			require.NoError(t, err)
			assert.Equal(t, `"`+tt.in+`"`, string(out))
		})
	}
	for _, bad := range []string{"", "yesterday", "2024-13-01T00:00:00", "2024-03-05", "2024-03-05T11:27:41+3"} {
		_, err := ParseTimestamp(bad)
		assert.ErrorIs(t, err, ErrInvalidTimestamp, bad)
	}
	var ts Timestamp
	assert.ErrorIs(t, json.Unmarshal([]byte(`12`), &ts), ErrInvalidTimestamp)
}

func TestNewTimestampHasExplicitOffset(t *testing.T) {
	ts := NewTimestamp(time.Date(2024, 3, 13, 11, 30, 0, 999, time.UTC))
	assert.Equal(t, "2024-03-13T11:30:00+00:00", ts.String())
	ts = NewTimestamp(time.Date(2024, 3, 13, 14, 30, 0, 0, time.FixedZone("MSK", 3*3600)))
	out, err := json.Marshal(ts)
	require.NoError(t, err)
	assert.Equal(t, `"2024-03-13T14:30:00+03:00"`, string(out))
}

func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{"2024-03-05T11:27:41", "2024-03-01T17:10:31.284+03:00", "2018-03-01T11:16:12+03", "2017-08-13T14:30:00.000Z", "2022-12-22T10:17:36.887215+03:00", "x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		ts, err := ParseTimestamp(in)
		if err != nil {
			return
		}
		if ts.String() != in {
			t.Fatalf("wire text %q became %q", in, ts.String())
		}
		out, err := json.Marshal(ts)
		if err != nil {
			t.Fatal(err)
		}
		var back Timestamp
		if err := json.Unmarshal(out, &back); err != nil {
			t.Fatalf("%q does not decode back: %v", out, err)
		}
		if !back.Time().Equal(ts.Time()) || back.String() != in {
			t.Fatalf("%q round-trips to %q", in, back.String())
		}
		again := NewTimestamp(ts.Time())
		if p, err := ParseTimestamp(again.String()); err != nil || !p.HasOffset() {
			t.Fatalf("request form %q of %q is not a timestamp with offset: %v", again.String(), in, err)
		}
	})
}
