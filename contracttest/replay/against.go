package replay

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/internal/textout"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"
)

// ErrTarget is wrapped by the error NewTarget returns for a URL it cannot send to.
var ErrTarget = errors.New("replay: bad target URL")

// defaultTimeout bounds one exchange with the target when NewTarget is given no client.
const defaultTimeout = 30 * time.Second

// maxLiveBody bounds the bytes of a live answer that are read.
const maxLiveBody = 8 << 20

// Target is a live endpoint (the sandbox, QIWI with a staging key) that recorded requests
// are sent to, so that its answers can be compared with the recorded ones.
type Target struct {
	base   string
	client *http.Client
	key    string
	judge  *verdict.Judge
	strict bool
}

// NewTarget returns a target at base, an absolute http or https URL (the recorded paths,
// /partner/... included, are appended to it). A non-empty key replaces every recorded
// Authorization as "Bearer KEY" (recordings hold it scrubbed); judge, when not nil, also
// judges each live exchange by both verdicts; client nil is a client with a 30 s timeout.
func NewTarget(base, key string, judge *verdict.Judge, strict bool, client *http.Client) (*Target, error) {
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("%w: want an absolute http or https URL with a host, no query", ErrTarget)
	}
	if client == nil {
		client = &http.Client{Timeout: defaultTimeout}
	}
	return &Target{base: strings.TrimSuffix(u.String(), "/"), client: client, key: key, judge: judge, strict: strict}, nil
}

// Comparison is how a live answer differs from a recorded one.
type Comparison struct {
	// Interaction is the recording, scrubbed.
	Interaction fixture.Interaction
	// Live is the live answer, scrubbed; nil when skipped or not received.
	Live *fixture.Response
	// Skipped says why the interaction was not sent ("" when it was): a notification is
	// QIWI's request, not one to send; a doc defect's example is known wrong.
	Skipped string
	// Differences say where the live answer differs: its status, a member dropped or added,
	// a type, a value that is no identifier or time; and the live exchange's failed verdicts.
	Differences []string
}

// Differs reports whether the live answer differs from the recording.
func (c Comparison) Differs() bool { return len(c.Differences) > 0 }

// Compare sends a recorded request to the target and compares the answer with the recorded
// one.
func (t *Target) Compare(ctx context.Context, in fixture.Interaction) Comparison {
	switch {
	case in.Kind == fixture.Notification:
		return shownComparison(in, nil, "a notification: QIWI sends it", nil)
	case len(in.Defects) > 0:
		return shownComparison(in, nil, "a doc defect: "+strings.Join(in.Defects, "; "), nil)
	case in.Check() != nil:
		return shownComparison(in, nil, "", []string{"unsendable: " + in.Check().Error()})
	}
	live, err := t.send(ctx, in)
	if err != nil {
		return shownComparison(in, nil, "", []string{"no answer: " + err.Error()})
	}
	diffs := compareResponses(*in.Response, *live)
	if t.judge != nil {
		sent := in.Clone()
		sent.Response = live
		res := Judge(ctx, t.judge, sent)
		for _, f := range res.Findings {
			if f.Severity == verdict.Fail || (t.strict && f.Undocumented) {
				diffs = append(diffs, "live answer fails: "+f.String())
			}
		}
	}
	return shownComparison(in, live, "", diffs)
}

// shownComparison scrubs the recording, the live answer and the differences together:
// a secret found in one is hidden in all.
func shownComparison(in fixture.Interaction, live *fixture.Response, skipped string, diffs []string) Comparison {
	both := in.Clone()
	if live != nil {
		// Scrub the live answer as the recording's own, so the same secrets hide in both.
		both.Response = &fixture.Response{Status: live.Status, Header: live.Header.Clone(), Body: live.Body}
	}
	shownLive, text := fixture.Scrubbed(both)
	shownIn, textIn := fixture.Scrubbed(in)
	c := Comparison{Interaction: shownIn, Skipped: textIn(text(skipped))}
	if live != nil {
		c.Live = shownLive.Response
	}
	for _, d := range diffs {
		c.Differences = append(c.Differences, textIn(text(d)))
	}
	return c
}

// send sends the recorded request and reads the answer.
func (t *Target) send(ctx context.Context, in fixture.Interaction) (*fixture.Response, error) {
	var body io.Reader
	if in.Request.Body != "" {
		body = strings.NewReader(in.Request.Body)
	}
	req, err := http.NewRequestWithContext(ctx, in.Request.Method, t.base+in.Request.URL, body)
	if err != nil {
		return nil, err
	}
	for k, vs := range in.Request.Header {
		switch http.CanonicalHeaderKey(k) {
		case "Host", "Content-Length", "Accept-Encoding", "Connection":
			continue
		}
		req.Header[http.CanonicalHeaderKey(k)] = append([]string(nil), vs...)
	}
	if t.key != "" {
		req.Header.Set("Authorization", "Bearer "+t.key)
	}
	resp, err := t.client.Do(req)
	if err != nil {
		return nil, errors.New(strings.ReplaceAll(err.Error(), t.base, "TARGET")) // the error quotes the URL: a query may hold a secret
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxLiveBody+1))
	if err != nil {
		return nil, fmt.Errorf("reading the answer: %w", err)
	}
	if len(data) > maxLiveBody {
		return nil, fmt.Errorf("the answer is over %d bytes", maxLiveBody)
	}
	return &fixture.Response{Status: resp.StatusCode, Header: resp.Header.Clone(), Body: string(data)}, nil
}

// identifier matches the names of members whose values a live target chooses itself:
// identifiers, links and keys made per object.
var identifier = regexp.MustCompile(`(?i)(id|uid|url|token|pareq|md|number)$`)

// compareResponses lists where the live answer differs from the recorded one: the status
// (with the start of a live error's body; then nothing else: the bodies answer different
// things), and in the bodies a member
// dropped or added, a type changed, or a value changed that is no identifier, no time and
// not a scrubbed secret.
func compareResponses(recorded, live fixture.Response) []string {
	if recorded.Status != live.Status {
		d := fmt.Sprintf("status %d, recorded %d", live.Status, recorded.Status)
		if live.Status >= 400 {
			d += liveError(live.Body) // the live error says why
		}
		return []string{d}
	}
	if strings.TrimSpace(recorded.Body) == "" && strings.TrimSpace(live.Body) == "" {
		return nil
	}
	diffs, err := verdict.DiffJSON(recorded.Body, live.Body)
	if err != nil {
		if recorded.Body != live.Body {
			return []string{"body: " + err.Error()}
		}
		return nil
	}
	var out []string
	for _, d := range diffs {
		switch d.Kind {
		case "dropped":
			out = append(out, fmt.Sprintf("%s: member missing (recorded %s)", d.Pointer, cut(d.Want)))
		case "added":
			out = append(out, fmt.Sprintf("%s: member not recorded (%s)", d.Pointer, cut(d.Got)))
		default:
			wk, gk := kind(d.Want), kind(d.Got)
			switch {
			case wk != gk:
				out = append(out, fmt.Sprintf("%s: %s, recorded %s (%s, recorded %s)", d.Pointer, gk, wk, cut(d.Got), cut(d.Want)))
			case incidental(d):
			default:
				out = append(out, fmt.Sprintf("%s: %s, recorded %s", d.Pointer, cut(d.Got), cut(d.Want)))
			}
		}
	}
	return out
}

// liveError is ": " and what an error answer says: QIWI's errorCode and description when it
// is QIWI's error object, else the start of its body; "" for none.
func liveError(body string) string {
	var e struct {
		ErrorCode   string `json:"errorCode"`
		Description string `json:"description"`
	}
	if json.Unmarshal([]byte(body), &e) == nil && (e.ErrorCode != "" || e.Description != "") {
		return ": " + cut(strings.TrimPrefix(e.ErrorCode+": "+e.Description, ": "))
	}
	if flat := strings.Join(strings.Fields(body), " "); flat != "" {
		return ": " + cut(flat)
	}
	return ""
}

// incidental reports whether a changed value is one a live target picks itself: an
// identifier, a time, or a value the recording holds scrubbed.
func incidental(d verdict.Difference) bool {
	name := d.Pointer[strings.LastIndex(d.Pointer, "/")+1:]
	if identifier.MatchString(name) || strings.Contains(d.Want, fixture.Redacted) {
		return true
	}
	var w, g string
	if json.Unmarshal([]byte(d.Want), &w) != nil || json.Unmarshal([]byte(d.Got), &g) != nil {
		return false
	}
	_, werr := wiretype.ParseTimestamp(w)
	_, gerr := wiretype.ParseTimestamp(g)
	return werr == nil && gerr == nil
}

// kind names a JSON value's type.
func kind(raw string) string {
	raw = strings.TrimSpace(raw)
	switch {
	case raw == "null":
		return "null"
	case raw == "true" || raw == "false":
		return "boolean"
	case strings.HasPrefix(raw, "{"):
		return "object"
	case strings.HasPrefix(raw, "["):
		return "array"
	case strings.HasPrefix(raw, `"`):
		return "string"
	}
	return "number"
}

// cut shortens a quoted value for a report line.
func cut(s string) string {
	const most = 80
	if len(s) <= most {
		return s
	}
	n := most
	for n > 0 && s[n]&0xc0 == 0x80 {
		n--
	}
	return s[:n] + "…"
}

// WriteComparison writes a comparison: a line SAME, DIFFER or SKIP with the name, the
// recorded and the live status and the provenance, then a line per difference; all scrubbed.
func WriteComparison(w io.Writer, c Comparison) error {
	var b bytes.Buffer
	outcome := "SAME"
	switch {
	case c.Skipped != "":
		outcome = "SKIP"
	case c.Differs():
		outcome = "DIFFER"
	}
	fmt.Fprintf(&b, "%-6s %s", outcome, textout.Visible(c.Interaction.Name))
	if c.Live != nil {
		fmt.Fprintf(&b, " (live %d)", c.Live.Status)
	}
	if prov := c.Interaction.Provenance.String(); prov != "" {
		b.WriteString(" " + textout.Visible(prov))
	}
	b.WriteString("\n")
	if c.Skipped != "" {
		fmt.Fprintf(&b, "       %s\n", textout.Visible(c.Skipped))
	}
	for _, d := range c.Differences {
		fmt.Fprintf(&b, "       %s\n", textout.Visible(d))
	}
	_, err := w.Write(b.Bytes())
	return err
}
