package redact_test

import (
	"fmt"

	"github.com/qiwigen/qiwigen/generator/runtime/redact"
)

func ExampleRedact() {
	fmt.Println(redact.Redact("5c4b25xx93aa435d9cb8cd17480356f9"))
	// Output: 5c***f9
}

func ExampleRedactedJSON() {
	card := map[string]any{"pan": "4256000000000003", "expiryDate": "05/30"}
	fmt.Println(redact.RedactedJSON(card, []string{"/pan"}))
	// Output: {"expiryDate":"05/30","pan":"***"}
}
