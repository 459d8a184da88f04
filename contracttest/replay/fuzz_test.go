package replay

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
	"github.com/qiwigen/qiwigen/contracttest/verdict"
	"github.com/qiwigen/qiwigen/spec"
)

// maxFuzzInteractions bounds the interactions judged per input: each one replays through
// the generated client.
const maxFuzzInteractions = 16

// FuzzReplay reads its input as replay reads a HAR file and a go-vcr cassette, judges every
// interaction read and writes every output: no input panics; an unreadable one is an error
// naming the file; the text output holds no control character but its line ends. The seeds
// are in testdata/fuzz/FuzzReplay.
func FuzzReplay(f *testing.F) {
	j, err := verdict.New(spec.Resolved)
	if err != nil {
		f.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(spec.Resolved)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		for _, read := range []struct {
			path  string
			parse func(string, []byte) ([]fixture.Interaction, error)
		}{{"in.har", fixture.ParseHAR}, {"in.yaml", fixture.ParseCassette}} {
			ins, err := read.parse(read.path, data)
			if err != nil {
				if !errors.Is(err, fixture.ErrUnreadable) || !strings.HasPrefix(err.Error(), read.path) {
					t.Fatalf("%s: an error that does not name the file: %v", read.path, err)
				}
				continue
			}
			if len(ins) > maxFuzzInteractions {
				ins = ins[:maxFuzzInteractions]
			}
			r := Run(context.Background(), j, ins, false)
			var text, junit, md, js bytes.Buffer
			for _, err := range []error{r.WriteText(&text), r.WriteJUnit(&junit), r.WriteMarkdown(&md, doc), r.WriteJSON(&js)} {
				if err != nil {
					t.Fatalf("%s: writing the report: %v", read.path, err)
				}
			}
			for _, c := range text.String() {
				if c < 0x20 && c != '\n' && c != '\t' || c == 0x7f {
					t.Fatalf("%s: the text output shows %U:\n%q", read.path, c, text.String())
				}
			}
		}
	})
}
