package contracttest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/qiwigen/qiwigen/generator/runtime/apierr"
	"github.com/qiwigen/qiwigen/generator/runtime/transport"
	"github.com/qiwigen/qiwigen/generator/runtime/wiretype"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/docs"
	"github.com/qiwigen/qiwigen/contracttest/extract"
	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/replay"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/gen/qiwi"
	"github.com/qiwigen/qiwigen/spec"
	"github.com/qiwigen/qiwigen/spec/ext"
	"github.com/qiwigen/qiwigen/spec/notification"
)

const vectorsFile = "../gen/qiwi/testdata/signatures.tsv"

// docsDir is the folder of QIWI's pages, set by TestMain from docs.Locate.
var docsDir string

var (
	corpusOnce sync.Once
	corpus     []fixture.Interaction
	corpusErr  error
	judgeOnce  sync.Once
	judge      *verdict.Judge
	judgeErr   error
)

func docFixtures(t testing.TB) []fixture.Interaction {
	t.Helper()
	corpusOnce.Do(func() {
		var vs []extract.Vector
		var notes []notification.Declaration
		if notes, corpusErr = extract.Declarations(spec.Resolved); corpusErr != nil {
			return
		}
		if vs, corpusErr = extract.ReadVectors(vectorsFile); corpusErr == nil {
			corpus, corpusErr = extract.Dir(docsDir, notes, vs)
		}
	})
	require.NoError(t, corpusErr)
	return corpus
}

func theJudge(t testing.TB) *verdict.Judge {
	t.Helper()
	judgeOnce.Do(func() { judge, judgeErr = verdict.New(spec.Resolved) })
	require.NoError(t, judgeErr)
	return judge
}

// Every example of the docs goes through both verdicts; all but the known doc defects pass.
func TestDocExamplesPassBothVerdicts(t *testing.T) {
	ins := docFixtures(t)
	report := replay.Run(context.Background(), theJudge(t), ins, false)
	var out strings.Builder
	require.NoError(t, report.WriteText(&out))
	passed, failed, defects := report.Counts()
	t.Logf("doc corpus: %d interactions, %d passed, %d failed, %d doc defects", len(ins), passed, failed, defects)
	assert.Zero(t, failed, out.String())
	assert.Greater(t, passed, 130, "the extractor finds the reference's examples")

	// Strictly too: every member and every enumeration value the docs show is in the spec.
	strict := replay.Run(context.Background(), theJudge(t), ins, true)
	out.Reset()
	require.NoError(t, strict.WriteText(&out))
	_, strictFailed, _ := strict.Counts()
	assert.Zero(t, strictFailed, out.String())

	var kinds = map[fixture.Kind]int{}
	signed := 0
	for _, res := range report.Results {
		kinds[res.Interaction.Kind]++
		if res.Interaction.Secret != "" {
			signed++
		}
		if res.Interaction.Kind == fixture.API && !res.Defect() {
			assert.NotEmpty(t, res.Operation, "%s matched no operation", res.Interaction.Name)
		}
	}
	assert.Greater(t, kinds[fixture.Notification], 10)
	assert.GreaterOrEqual(t, signed, 7, "every notification type has a signed example")
	for _, res := range report.Results {
		if res.Defect() {
			t.Logf("doc defect %s: %s", res.Interaction.Provenance, strings.Join(res.Interaction.Defects, "; "))
		}
	}
}

// Every documented operation has a passing fixture, or only examples the docs get wrong.
func TestCoverage(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	require.NoError(t, err)
	report := replay.Run(context.Background(), theJudge(t), docFixtures(t), false)
	table := replay.Coverage(doc, report)
	var md strings.Builder
	require.NoError(t, table.WriteMarkdown(&md))
	t.Log("\n" + md.String())

	undocumented := map[string]bool{}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			_, undocumented[op.OperationID], err = ext.UndocumentedOf(op)
			require.NoError(t, err)
		}
	}
	for _, op := range table.Uncovered() {
		if undocumented[op] {
			continue
		}
		if excused(doc, report, op) {
			t.Logf("%s is covered only by examples the docs get wrong", op)
			continue
		}
		t.Errorf("documented operation %s has no passing fixture", op)
	}
}

// excused reports whether the docs document op only with examples they get wrong, as the
// spec records it: a doc defect naming the operation (x-qiwi-doc-defects), another method
// the docs show for it (x-qiwi-doc-methods), or the reason every example of it is wrong
// (x-qiwi-example-defects), with such an example among the defects.
func excused(doc *openapi3.T, r replay.Report, op string) bool {
	type shape struct{ method, path string }
	var shapes []shape
	list, err := ext.DocDefectsOf(doc)
	if err != nil {
		return false
	}
	for _, d := range list {
		if d.Operation == op && d.Member == "" { // a member defect leaves the operation's examples judged
			shapes = append(shapes, shape{d.Method, d.Path})
		}
	}
	exampleDefects := false // the spec says every example of op is wrong, and why
	for path, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID != op {
				continue
			}
			if reason, err := ext.ExampleDefectsOf(o); err == nil && reason != "" {
				exampleDefects = true
			}
			methods, err := ext.DocMethodsOf(o)
			if err != nil {
				return false
			}
			for _, m := range methods {
				shapes = append(shapes, shape{m, path})
			}
		}
	}
	for _, res := range r.Results {
		if !res.Defect() {
			continue
		}
		if exampleDefects && res.Operation == op {
			return true
		}
		path := strings.TrimPrefix(strings.SplitN(res.Interaction.Request.URL, "?", 2)[0], "/partner")
		for _, s := range shapes {
			if s.method == res.Interaction.Request.Method && docs.MatchTemplate(s.path, path) {
				return true
			}
		}
	}
	return false
}

type mutation struct {
	name  string
	apply func(in *fixture.Interaction, doc *openapi3.T, op string) bool // false: not applicable
}

func firstLeaf(v any, keep func(key string, val any) bool) (parent map[string]any, key string, ok bool) {
	switch t := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(t)) {
			if keep(k, t[k]) {
				return t, k, true
			}
			if p, kk, ok := firstLeaf(t[k], keep); ok {
				return p, kk, true
			}
		}
	case []any:
		for _, e := range t {
			if p, k, ok := firstLeaf(e, keep); ok {
				return p, k, true
			}
		}
	}
	return nil, "", false
}

func mutateJSON(body *string, f func(v any) bool) bool {
	var v any
	if json.Unmarshal([]byte(*body), &v) != nil {
		return false
	}
	if !f(v) {
		return false
	}
	data, _ := json.Marshal(v)
	*body = string(data)
	return true
}

func bodyOf(in *fixture.Interaction) *string {
	if in.Kind == fixture.Notification {
		return &in.Request.Body
	}
	if in.Response == nil || strings.TrimSpace(in.Response.Body) == "" {
		return nil
	}
	return &in.Response.Body
}

func requiredOf(doc *openapi3.T, in *fixture.Interaction, op string) []string {
	if in.Kind == fixture.Notification {
		return nil
	}
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID != op {
				continue
			}
			resp := o.Responses.Status(in.Response.Status)
			if resp == nil || resp.Value == nil {
				return nil
			}
			mt := resp.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				return nil
			}
			return mt.Schema.Value.Required
		}
	}
	return nil
}

// requestRequiredOf lists the required members of an operation's request body.
func requestRequiredOf(doc *openapi3.T, op string) []string {
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID != op || o.RequestBody == nil || o.RequestBody.Value == nil {
				continue
			}
			mt := o.RequestBody.Value.Content.Get("application/json")
			if mt == nil || mt.Schema == nil || mt.Schema.Value == nil {
				return nil
			}
			return mt.Schema.Value.Required
		}
	}
	return nil
}

// requestTakesBody reports whether the operation declares a request body.
func requestTakesBody(doc *openapi3.T, op string) bool {
	for _, item := range doc.Paths.Map() {
		for _, o := range item.Operations() {
			if o.OperationID == op {
				return o.RequestBody != nil
			}
		}
	}
	return false
}

// requestAmount is the fault of a request whose amount is written as value; it applies only
// where the API's declared rule (Money's x-qiwi-request-amount) refuses that form: the Bill
// Payments API takes 5 (bill-payments/bill-payments_en.html.md line 798 sends "value": 1).
func requestAmount(value string) func(in *fixture.Interaction, _ *openapi3.T, _ string) bool {
	return func(in *fixture.Interaction, doc *openapi3.T, _ string) bool {
		if in.Kind != fixture.API || in.Request.Body == "" {
			return false
		}
		path := strings.TrimPrefix(strings.SplitN(in.Request.URL, "?", 2)[0], "/partner")
		form, err := ext.RequestAmountForm(doc.Components.Schemas["Money"].Value, path)
		if err != nil || form.Check(value) == nil {
			return false
		}
		return mutateJSON(&in.Request.Body, func(v any) bool {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			amount, ok := m["amount"].(map[string]any)
			if !ok {
				return false
			}
			amount["value"] = json.Number(value)
			return true
		})
	}
}

var mutations = []mutation{
	{"wrong type", func(in *fixture.Interaction, _ *openapi3.T, _ string) bool {
		b := bodyOf(in)
		return b != nil && mutateJSON(b, func(v any) bool {
			p, k, ok := firstLeaf(v, func(key string, val any) bool {
				_, isStr := val.(string)
				return isStr && key != "value" && key != "type" && key != "version"
			})
			if ok {
				p[k] = map[string]any{"unexpected": true}
			}
			return ok
		})
	}},
	{"missing required field", func(in *fixture.Interaction, doc *openapi3.T, op string) bool {
		b := bodyOf(in)
		if b == nil {
			return false
		}
		req := requiredOf(doc, in, op)
		if in.Kind == fixture.Notification {
			req = []string{"version"}
		}
		return mutateJSON(b, func(v any) bool {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			for _, r := range req {
				if _, present := m[r]; present {
					delete(m, r)
					return true
				}
			}
			return false
		})
	}},
	{"unknown path", func(in *fixture.Interaction, _ *openapi3.T, _ string) bool {
		if in.Kind != fixture.API {
			return false
		}
		in.Request.URL = "/partner/payin/v1/sites/test-01/no-such-resource/1"
		return true
	}},
	{"wrong method", func(in *fixture.Interaction, _ *openapi3.T, _ string) bool {
		if in.Kind != fixture.API {
			return false
		}
		in.Request.Method = "PATCH"
		return true
	}},
	{"malformed JSON", func(in *fixture.Interaction, _ *openapi3.T, _ string) bool {
		b := bodyOf(in)
		if b == nil {
			return false
		}
		*b = strings.TrimSpace(*b)
		*b = (*b)[:len(*b)-1]
		return true
	}},
	{"timestamp that is no date", func(in *fixture.Interaction, _ *openapi3.T, _ string) bool {
		b := bodyOf(in)
		return b != nil && mutateJSON(b, func(v any) bool {
			p, k, ok := firstLeaf(v, func(key string, val any) bool {
				_, isStr := val.(string)
				l := strings.ToLower(key)
				return isStr && (strings.HasSuffix(l, "datetime") || strings.HasSuffix(l, "date") || l == "createdon")
			})
			if ok {
				p[k] = "not-a-date"
			}
			return ok
		})
	}},
	{"request missing a required field", requiredMember(func(m map[string]any, name string) { delete(m, name) })},
	{"request null for a required field", requiredMember(func(m map[string]any, name string) { m[name] = nil })},
	{"body on a request that takes none", func(in *fixture.Interaction, doc *openapi3.T, op string) bool {
		if in.Kind != fixture.API || strings.TrimSpace(in.Request.Body) != "" || requestTakesBody(doc, op) {
			return false
		}
		in.Request.Body = `{"unexpected":true}`
		return true
	}},
	// An invoice without amount is valid only for card verification: "Do not specify invoice
	// amount in the request" with flags CHECK_CARD (payments/_card-check_en.html.md line 90);
	// any other invoice carries one (payments/_qiwi-form_en.html.md lines 252-254, 481).
	{"normal invoice without amount", func(in *fixture.Interaction, _ *openapi3.T, op string) bool {
		if in.Kind != fixture.API || op != "createInvoice" || in.Request.Body == "" {
			return false
		}
		return mutateJSON(&in.Request.Body, func(v any) bool {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			if flags, _ := m["flags"].([]any); slices.Contains(flags, any("CHECK_CARD")) {
				return false
			}
			if _, present := m["amount"]; !present {
				return false
			}
			delete(m, "amount")
			return true
		})
	}},
	{"request amount with three fraction digits", requestAmount("1.005")},
	{"request amount without fraction digits", requestAmount("5")},
}

// Faults injected into every passing fixture must be caught by the verdicts.
func TestMutationsAreCaught(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	require.NoError(t, err)
	j := theJudge(t)
	ctx := context.Background()
	applied, caught := 0, 0
	perKind := map[string][2]int{}
	var missed []string
	for _, in := range docFixtures(t) {
		base := j.Judge(ctx, in)
		if base.Defect() || !base.Passed(false) {
			continue
		}
		for _, m := range mutations {
			mutated := in
			mutated.Request.Header = in.Request.Header.Clone()
			if in.Response != nil {
				r := *in.Response
				mutated.Response = &r
			}
			if !m.apply(&mutated, doc, base.Operation) {
				continue
			}
			applied++
			c := perKind[m.name]
			c[0]++
			if !j.Judge(ctx, mutated).Passed(false) {
				caught++
				c[1]++
			} else {
				missed = append(missed, fmt.Sprintf("%s: %s", m.name, in.Name))
			}
			perKind[m.name] = c
		}
	}
	rate := float64(caught) / float64(applied)
	t.Logf("mutation catch rate: %d/%d = %.1f%%", caught, applied, 100*rate)
	for name, c := range perKind {
		t.Logf("  %-45s %d/%d", name, c[1], c[0])
	}
	for _, m := range missed {
		t.Logf("  missed %s", m)
	}
	require.Greater(t, applied, 500)
	assert.GreaterOrEqual(t, rate, 0.95, "catch rate below 95%%")
}

func TestMain(m *testing.M) {
	dir, err := docs.Locate()
	if err != nil {
		fmt.Fprintln(os.Stderr, "contracttest:", err)
		os.Exit(1)
	}
	docsDir = dir
	os.Exit(m.Run())
}

// The user's own traffic: the generated client records through fixture.Recorder; what it
// writes holds no secret and passes both verdicts on replay.
func TestRecordedTrafficReplays(t *testing.T) {
	answers := map[string]string{
		"PUT /partner/payin/v1/sites/test-01/payments/1811":         `{"paymentId":"1811","createdDateTime":"2024-03-01T17:10:31.284+03:00","amount":{"currency":"RUB","value":"200.00"},"capturedAmount":{"currency":"RUB","value":"0.00"},"refundedAmount":{"currency":"RUB","value":"0.00"},"paymentMethod":{"type":"CARD","maskedPan":"425600******0003"},"status":{"value":"COMPLETED","changedDateTime":"2024-03-01T17:10:32.607+03:00"},"createdToken":{"token":"66aebf5f-098e-4e36-922a-a4107b349a96","name":"425600******0003"},"flags":["SALE"]}`,
		"GET /partner/payin/v1/sites/test-01/payments/1811/refunds": `[{"refundId":"r1","createdDateTime":"2024-03-20T16:32:55.547+03:00","amount":{"currency":"RUB","value":"2.34"},"status":{"value":"COMPLETED","changedDateTime":"2024-03-20T16:32:55.55+03:00"},"flags":["REVERSAL"]}]`,
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := answers[r.Method+" "+r.URL.Path]
		w.Header().Set("Content-Type", "application/json")
		if !ok {
			w.WriteHeader(http.StatusNotFound)
			io.WriteString(w, `{"serviceName":"payin-core","errorCode":"payin.resource.not.found","description":"Resource not found","userMessage":"Resource not found","traceId":"c3564ba25e221fe3","dateTime":"2024-03-13T16:30:52.464+03:00"}`)
			return
		}
		io.WriteString(w, body)
	}))
	defer srv.Close()

	rec := &fixture.Recorder{Next: srv.Client().Transport, Source: "test session"}
	client, err := qiwi.New("5c4b25xx93aa435d9cb8cd17480356f9", transport.WithBaseURL(srv.URL), transport.WithSiteID("test-01"),
		transport.WithHTTPClient(&http.Client{Transport: rec}), transport.WithRetry(transport.RetryPolicy{MaxAttempts: 1}))
	require.NoError(t, err)
	ctx := context.Background()
	amount, _ := wiretype.ParseMoney("200")
	_, err = client.CreatePayment(ctx, "1811", qiwi.CreatePaymentRequest{
		Amount:        qiwi.Amount{Value: amount, Currency: qiwi.CurrencyRub},
		PaymentMethod: qiwi.PaymentMethod{Type: qiwi.PaymentMethodTypeCard, Pan: ptr("4256000000000003"), Cvv2: ptr("849"), ExpiryDate: ptr("12/30")},
	})
	require.NoError(t, err)
	_, err = client.ListRefunds(ctx, "1811")
	require.NoError(t, err)
	_, err = client.GetCapture(ctx, "1811", "nope")
	require.ErrorIs(t, err, apierr.ErrNotFound)

	path := filepath.Join(t.TempDir(), "recorded.json")
	require.NoError(t, fixture.Write(path, rec.Interactions()))
	data, err := os.ReadFile(path)
	require.NoError(t, err)
	for _, secret := range []string{"5c4b25xx93aa435d9cb8cd17480356f9", "4256000000000003", `"849"`, "66aebf5f-098e-4e36-922a-a4107b349a96"} {
		assert.NotContains(t, string(data), secret, "the recording leaks a secret")
	}
	ins, err := fixture.ReadFile(path)
	require.NoError(t, err)
	require.Len(t, ins, 3)
	report := replay.Run(ctx, theJudge(t), ins, true)
	var out strings.Builder
	require.NoError(t, report.WriteText(&out))
	assert.True(t, report.OK(), out.String())
	passed, _, _ := report.Counts()
	assert.Equal(t, 3, passed)
}

func ptr[T any](v T) *T { return &v }

// BenchmarkReplayDocCorpus puts the whole doc corpus through both verdicts and reports
// interactions per second. Goal: the corpus in under 2 s warm.
func BenchmarkReplayDocCorpus(b *testing.B) {
	ins := docFixtures(b)
	j := theJudge(b)
	ctx := context.Background()
	var n int
	for b.Loop() {
		report := replay.Run(ctx, j, ins, false)
		n += len(report.Results)
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "interactions/s")
	b.ReportMetric(float64(len(ins)), "corpus-size")
	b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/corpus")
}

// requiredMember is a mutation that applies change to the first required member the
// operation's request body holds.
func requiredMember(change func(m map[string]any, name string)) func(*fixture.Interaction, *openapi3.T, string) bool {
	return func(in *fixture.Interaction, doc *openapi3.T, op string) bool {
		if in.Kind != fixture.API || strings.TrimSpace(in.Request.Body) == "" {
			return false
		}
		req := requestRequiredOf(doc, op)
		return mutateJSON(&in.Request.Body, func(v any) bool {
			m, ok := v.(map[string]any)
			if !ok {
				return false
			}
			for _, r := range req {
				if _, present := m[r]; present {
					change(m, r)
					return true
				}
			}
			return false
		})
	}
}
