package verdict

import (
	"encoding/json"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/qiwigen/qiwigen/contracttest/fixture"
)

// notificationVerdict validates a notification body against its schema (strictly too),
// parses it into the typed model, checks the round trip and verifies the signature when the
// fixture knows the secret.
func (j *Judge) notificationVerdict(in fixture.Interaction, rec *recorded) []Finding {
	body := []byte(in.Request.Body)
	// The value json.Unmarshal reads: numbers as float64, as the schema validation takes them.
	var value any
	if rec.unmarshals() {
		value = plain(rec.value)
	} else if err := json.Unmarshal(body, &value); err != nil {
		return []Finding{{Severity: Fail, Verdict: "notification", Message: "body is not JSON: " + err.Error()}}
	}
	n, err := j.client.ParseNotification(body)
	if err != nil {
		return []Finding{{Severity: Fail, Verdict: "notification", Message: err.Error()}}
	}
	typ := n.NotificationType()
	var findings []Finding
	if schema := j.notificationSchemas[typ]; schema != nil {
		findings = append(findings, schemaFindings(schema.Value, value, false)...)
		if strict := j.strictNotificationSchemas[typ]; strict != nil {
			findings = append(findings, schemaFindings(strict.Value, value, true)...)
		}
		findings = append(findings, enumFindings(schema, value, "notification")...)
	} else {
		findings = append(findings, Finding{Severity: Fail, Verdict: "spec", Message: "the spec describes no " + typ + " notification"})
	}
	findings = append(findings, reencode(n, rec, undocumented(findings).response)...)
	for i := range findings {
		if findings[i].Verdict == "client" {
			findings[i].Verdict = "notification"
		}
	}
	if in.Secret != "" {
		// Recorded header names keep their wire case; verification matches them as such.
		if err := j.client.VerifyNotification(in.Request.Header, body, in.Secret); err != nil {
			findings = append(findings, Finding{Severity: Fail, Verdict: "notification", Message: "signature: " + err.Error()})
		}
	}
	return findings
}

func schemaFindings(schema *openapi3.Schema, value any, strict bool) []Finding {
	err := schema.VisitJSON(value, openapi3.MultiErrors())
	if err == nil {
		return nil
	}
	return specFindings("notification", err, strict)
}
