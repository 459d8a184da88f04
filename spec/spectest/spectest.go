// Package spectest writes specs for tests: the bundled resolved spec with a notification type
// (SETTLEMENT) and an operation (getSettlement) that no Go code of the project names, declared
// the way the spec declares the others. Tests of the generator, drift, extraction and the spec
// use it to show that such a type and operation flow through them from the spec alone.
package spectest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/qiwigen/qiwigen/spec"
)

// The names WithSettlement adds.
const (
	// SettlementType is the added notification type.
	SettlementType = "SETTLEMENT"
	// SettlementHeader is its signature header.
	SettlementHeader = "X-Settlement-Signature"
	// SettlementComponent is the component schema of its body.
	SettlementComponent = "SettlementNotification"
	// SettlementOperation is the added operation: GET SettlementPath.
	SettlementOperation = "getSettlement"
	// SettlementPath is the added operation's path.
	SettlementPath = "/payin/v1/sites/{siteId}/settlements/{settlementId}"
)

// SettlementSignedFields are the added type's signed fields, in signing order.
func SettlementSignedFields() []string {
	return []string{"/settlement/settlementId", "/settlement/amount/value"}
}

// ErrLayout is returned when the resolved spec no longer has a line WithSettlement adds after.
var ErrLayout = errors.New("spectest: the resolved spec's layout changed")

// WithSettlement returns the bundled resolved spec (spec.Resolved) with the SETTLEMENT
// notification (an x-webhooks entry with its x-qiwi-notification, its body component) and the
// getSettlement operation added.
func WithSettlement() ([]byte, error) {
	text := string(spec.Resolved)
	fields := ""
	for _, f := range SettlementSignedFields() {
		fields += "\n                    - " + f
	}
	for _, ins := range []struct{ after, add string }{
		{"\npaths:\n", `    ` + SettlementPath + `:
        parameters:
            - $ref: '#/components/parameters/siteId'
            - {name: settlementId, in: path, required: true, schema: {type: string}, description: Settlement identifier.}
        get:
            tags: [payments]
            summary: Get a settlement
            description: Returns the settlement.
            operationId: ` + SettlementOperation + `
            responses:
                '200':
                    description: The settlement.
                    content:
                        application/json:
                            schema:
                                $ref: '#/components/schemas/Settlement'
                4XX:
                    $ref: '#/components/responses/ClientError'
                5XX:
                    $ref: '#/components/responses/ServerError'
`},
		{"\n    schemas:\n", `        Settlement:
            description: A settlement of the merchant's payments.
            type: object
            required: [settlementId, amount]
            properties:
                settlementId: {type: string, description: 'Settlement identifier.'}
                amount: {$ref: '#/components/schemas/Amount'}
        ` + SettlementComponent + `:
            description: SETTLEMENT notification.
            type: object
            required: [settlement, type, version]
            properties:
                settlement: {$ref: '#/components/schemas/Settlement'}
                type: {type: string, description: 'Notification type.'}
                version: {type: string, description: 'Notification version.'}
`},
		{"\nx-webhooks:\n", `    ` + SettlementType + `:
        post:
            summary: SETTLEMENT notification
            description: Sent when a settlement is made.
            requestBody:
                required: true
                content:
                    application/json:
                        schema:
                            $ref: '#/components/schemas/` + SettlementComponent + `'
            responses:
                '200':
                    description: Accepted.
            x-qiwi-notification:
                type: ` + SettlementType + `
                signatureHeader: ` + SettlementHeader + `
                signedFields:` + fields + `
                confirmedBy:
                    operationId: ` + SettlementOperation + `
                    parameters:
                        - /settlement/settlementId
`},
	} {
		i := strings.Index(text, ins.after)
		if i < 0 {
			return nil, fmt.Errorf("%w: no %q", ErrLayout, strings.TrimSpace(ins.after))
		}
		i += len(ins.after)
		text = text[:i] + ins.add + text[i:]
	}
	return []byte(text), nil
}
