package main

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/qiwigen/qiwigen/contracttest/sandbox"
	"github.com/qiwigen/qiwigen/gen/qiwi"
)

// probe against the sandbox exits 0 and writes a HAR that replay passes, JUnit and Markdown;
// no key is printed or written.
func TestProbeCommand(t *testing.T) {
	const key = "cli-probe-key-1"
	merchant, err := rsa.GenerateKey(rand.Reader, qiwi.MinPayoutKeyBits)
	require.NoError(t, err)
	sb, err := sandbox.New(sandbox.Options{Keys: map[string]string{"test-01": key}, TimeScale: 3600,
		PayoutKeys: map[string]*rsa.PublicKey{"test-01": &merchant.PublicKey}})
	require.NoError(t, err)
	srv := httptest.NewServer(sb)
	defer sb.Close()
	defer srv.Close()
	dir := t.TempDir()
	pemFile := filepath.Join(dir, "payout.pem")
	require.NoError(t, os.WriteFile(pemFile, pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(merchant)}), 0o600))
	har, junit, md := filepath.Join(dir, "probe.har"), filepath.Join(dir, "junit.xml"), filepath.Join(dir, "summary.md")

	status, stdout, stderr := runOut("probe", "--base-url", srv.URL, "--key", "test-01="+key, "--payout-key", "test-01="+pemFile,
		"--seed", "5", "--negative", "--har", har, "--junit", junit, "--markdown", md)
	require.Equal(t, 0, status, stdout+stderr)
	assert.Contains(t, stdout, " 0 failed\n")
	assert.Contains(t, stdout, "coverage: 30 of 31 operations, 7 of 7 flows (seed 5)")
	for _, file := range []string{har, junit, md} {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		assert.NotContains(t, string(data), key, file)
	}
	assert.NotContains(t, stdout, key)

	status, stdout, stderr = runOut("replay", har)
	assert.Equal(t, 0, status, stdout+stderr)
	assert.Contains(t, stdout, " passed, 0 failed\n")

	// An endpoint that answers everything with 200 {} fails the probe.
	wrong := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte("{}"))
	}))
	defer wrong.Close()
	status, stdout, _ = runOut("probe", "--base-url", wrong.URL, "--key", "test-01="+key, "--seed", "5", "--operations", "createBill")
	assert.Equal(t, 1, status, stdout)
	assert.True(t, strings.Contains(stdout, "FAIL   flow bill-pay-refund"), stdout)
}

// --notify-wait must be positive; it is refused before anything is sent.
func TestProbeNotifyWaitFlag(t *testing.T) {
	status, stdout, stderr := runOut("probe", "--base-url", "http://127.0.0.1:1", "--key", "test-01=k", "--notify-wait", "0s")
	assert.Equal(t, 2, status, stdout+stderr)
	assert.Contains(t, stderr, "--notify-wait must be positive")
}
