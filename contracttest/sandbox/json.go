package sandbox

import (
	"encoding/json"
	"net/http"
)

// writeJSON answers body as encoding/json encodes it, with status; a nil body answers the
// status alone, and so does a body encoding/json refuses.
func (s *Sandbox) writeJSON(w http.ResponseWriter, status int, body any) {
	if body == nil {
		w.WriteHeader(status)
		return
	}
	data, err := json.Marshal(body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	if err == nil {
		_, _ = w.Write(append(data, '\n')) // the client went away: nothing to tell it
	}
}
