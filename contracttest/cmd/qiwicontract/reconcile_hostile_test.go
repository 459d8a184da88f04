package main

import (
	"archive/zip"
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A report holding only its header, against a ledger of settled payments, is a finding that
// says how many went unchecked (exit 1), not a pass; so is one whose rows carry no date.
func TestReconcileEmptyReport(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;PURPOSE\n"), 0o644))
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount,status,dateTime\nP1,10,COMPLETED,2020-08-26T09:59:00+03:00\nP2,20,PAID,2020-08-26T10:00:00+03:00\n"), 0o644))
	out := expectRun(t, []string{"reconcile", "--report", report, "--ledger", ledger}, 1, "empty-report        the report has no rows; 2 settled ledger entries unchecked\n")
	assert.Contains(t, out, "empty-report: 1")
	expectRun(t, []string{"reconcile", "--report", report, "--ledger", ledger, "--format", "json"}, 1, `{"kind":"empty-report","message":"the report has no rows; 2 settled ledger entries unchecked"}`)

	undated := filepath.Join(dir, "undated.csv")
	require.NoError(t, os.WriteFile(undated, []byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;PURPOSE\n;1;10;P1;payment\n"), 0o644))
	expectRun(t, []string{"reconcile", "--report", undated, "--ledger", ledger}, 1, "the report's 1 rows cover no day")
}

// A zip whose entry would expand past --max-entry (or the archive past --max-archive) is
// refused before it is expanded (exit 2), naming the entry; the name is written escaped.
func TestReconcileZipLimits(t *testing.T) {
	dir := t.TempDir()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	f, err := zw.Create("\x1b[2Jreport.csv")
	require.NoError(t, err)
	_, err = f.Write([]byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;PURPOSE\n" + strings.Repeat("26.08.2020 9:59;1;10;P1;payment\n", 70_000))) // 2.2 MB
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	report := filepath.Join(dir, "report.zip")
	require.NoError(t, os.WriteFile(report, buf.Bytes(), 0o644))
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount\nP1,10\n"), 0o644))

	var stdout, stderr bytes.Buffer
	require.Equal(t, 2, run(context.Background(), []string{"reconcile", "--report", report, "--ledger", ledger, "--max-entry", "2"}, &stdout, &stderr))
	assert.Contains(t, stderr.String(), report+`!\x1b[2Jreport.csv: too large: the entry expands to 2240041 bytes, over the limit of 2 MiB an entry`)
	assert.NotContains(t, stderr.String(), "\x1b")
	expectRun(t, []string{"reconcile", "--report", report, "--ledger", ledger, "--max-archive", "1"}, 2, "entries expand to over 1 MiB together")
	expectRun(t, []string{"reconcile", "--report", report, "--ledger", ledger, "--max-entry", "0"}, 2, "--max-entry 0: want a number of MiB")
	// Within the limits, the duplicates are findings.
	expectRun(t, []string{"reconcile", "--report", report, "--ledger", ledger, "--max-entry", "3"}, 1, "duplicate")
}

// A report ID that is a spreadsheet formula is text in --format csv.
func TestReconcileCSVInjection(t *testing.T) {
	dir := t.TempDir()
	report := filepath.Join(dir, "report.csv")
	require.NoError(t, os.WriteFile(report, []byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;PURPOSE\n26.08.2020 9:59;1;10;=HYPERLINK(\"http://x.example\");payment\n"), 0o644))
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount\nP1,10\n"), 0o644))
	out := expectRun(t, []string{"reconcile", "--report", report, "--ledger", ledger, "--format", "csv"}, 1, `missing-in-ledger,"'=HYPERLINK(""http://x.example"")",1,`)
	assert.NotContains(t, out, `,"=HYPERLINK`)
}

// With --api, a server that repeats the key (and an Authorization header) in its errors and
// in the states it answers never gets them printed.
func TestReconcileAPIScrubsTheKey(t *testing.T) {
	const key = "live-key-0123456789abcdef"
	t.Setenv("QIWI_API_KEY", key)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		id := r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		if id == "P1" { // a state whose status repeats the key
			_, _ = w.Write([]byte(`{"paymentId":"P1","amount":{"value":"10.00","currency":"RUB"},"status":{"value":"WAITING ` + key + `","changedDateTime":"2020-08-26T10:00:00+03:00"}}`))
			return
		}
		w.WriteHeader(http.StatusBadRequest)
		_, _ = w.Write([]byte(`{"serviceName":"payin-core","errorCode":"validation.error","description":"bad key ` + key + `; you sent Authorization: ` + r.Header.Get("Authorization") + `","userMessage":"x","dateTime":"2020-08-26T10:00:00+03:00","traceId":"t1"}`))
	}))
	defer srv.Close()
	dir := t.TempDir()
	ledger := filepath.Join(dir, "ledger.csv")
	require.NoError(t, os.WriteFile(ledger, []byte("paymentId,amount,status\nP1,10,COMPLETED\nP2,10,COMPLETED\n"), 0o644))
	for name, rows := range map[string]string{"state": "26.08.2020 9:59;1;10;P1;s1;payment\n", "error": "26.08.2020 9:59;2;10;P2;s1;payment\n"} {
		report := filepath.Join(dir, name+".csv")
		require.NoError(t, os.WriteFile(report, []byte("TRANS_DATE;TRANSACTION_ID;SUM;ID;MERCH_SITE;PURPOSE\n"+rows), 0o644))
		for _, format := range []string{"text", "json", "csv"} {
			var stdout, stderr bytes.Buffer
			status := run(context.Background(), []string{"reconcile", "--report", report, "--ledger", ledger, "--api", "--api-url", srv.URL, "--api-rate", "1000", "--format", format}, &stdout, &stderr)
			all := stdout.String() + stderr.String()
			assert.NotContains(t, all, key, "%s %s", name, format)
			assert.NotContains(t, all, "0123456789", "%s %s", name, format)
			if name == "state" {
				assert.Equal(t, 1, status, all)
				assert.Contains(t, stdout.String(), "WAITING li***ef", format)
			} else {
				assert.Equal(t, 2, status, all)
				assert.Contains(t, stderr.String(), "bad key li***ef; you sent Authorization: Bearer ***")
			}
		}
	}
}
