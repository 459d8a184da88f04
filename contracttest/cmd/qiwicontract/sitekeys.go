package main

import (
	"fmt"
	"os"
	"strings"
)

// siteKeys reads a repeated SITE=KEY flag (the sandbox's and probe's --key). A malformed
// value is refused without being echoed: it may hold a key.
func siteKeys(flagName string, values []string) (map[string]string, error) {
	keys := make(map[string]string, len(values))
	for _, kv := range values {
		site, key, ok := strings.Cut(kv, "=")
		if !ok || site == "" || key == "" {
			return nil, fmt.Errorf("--%s: want SITE=KEY", flagName)
		}
		keys[site] = key
	}
	return keys, nil
}

// siteKeyFiles reads a repeated SITE=FILE flag (--payout-key): each file is read and parsed
// by parse; errors name the flag and the file.
func siteKeyFiles[K any](flagName string, values []string, parse func([]byte) (K, error)) (map[string]K, error) {
	keys := make(map[string]K, len(values))
	for _, kv := range values {
		site, path, ok := strings.Cut(kv, "=")
		if !ok || site == "" || path == "" {
			return nil, fmt.Errorf("--%s: want SITE=FILE", flagName)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return nil, fmt.Errorf("--%s: %w", flagName, err)
		}
		key, err := parse(data)
		if err != nil {
			return nil, fmt.Errorf("--%s %s: %w", flagName, path, err)
		}
		keys[site] = key
	}
	return keys, nil
}
