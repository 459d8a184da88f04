package generator

import (
	"fmt"

	"github.com/dave/jennifer/jen"
	"github.com/oapi-codegen/oapi-codegen/v2/pkg/codegen"

	"github.com/qiwigen/qiwigen/spec/notification"
)

// notificationModel is one notification the spec declares, with the Go type of its body.
type notificationModel struct {
	notification.Declaration
	Model string // Go type of the body
}

// notificationModels names the generated model of each declared notification's body.
func notificationModels(decls []notification.Declaration) []notificationModel {
	out := make([]notificationModel, 0, len(decls))
	for _, d := range decls {
		out = append(out, notificationModel{Declaration: d, Model: codegen.SchemaNameToTypeName(d.Component)})
	}
	return out
}

// notificationPass writes the typed notification layer: models' NotificationType,
// signature specs, VerifyNotification, ParseNotification, SignNotification and the handler.
func notificationPass(pkg string, notes []notificationModel, ops []operation) (*jen.File, error) {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	importRuntime(f)

	f.Comment("Notification is implemented by every typed notification model.")
	f.Type().Id("Notification").Interface(
		jen.Comment("NotificationType is the notification's type: PAYMENT, CAPTURE, ..., or BILL for the Bill Payments API."),
		jen.Id("NotificationType").Params().String(),
	)
	for _, n := range notes {
		f.Comment(fmt.Sprintf("NotificationType returns %q.", n.Type))
		f.Func().Params(jen.Op("*").Id(n.Model)).Id("NotificationType").Params().String().Block(jen.Return(jen.Lit(n.Type)))
	}

	specs := make([]jen.Code, 0, len(notes))
	for _, n := range notes {
		fields := jen.Dict{
			jen.Id("Type"):   jen.Lit(n.Type),
			jen.Id("Header"): jen.Lit(n.SignatureHeader),
			jen.Id("Fields"): jen.Index().String().ValuesFunc(func(g *jen.Group) {
				for _, v := range n.SignedFields {
					g.Lit(v)
				}
			}),
		}
		if len(n.AmountFields) > 0 {
			fields[jen.Id("AmountFields")] = jen.Index().String().ValuesFunc(func(g *jen.Group) {
				for _, v := range n.AmountFields {
					g.Lit(v)
				}
			})
		}
		specs = append(specs, jen.Values(fields))
	}
	f.Comment("NotificationSignatures lists, per notification type, the signature header and the")
	f.Comment("signed fields, as the spec's x-qiwi-notification extensions give them.")
	f.Func().Id("NotificationSignatures").Params().Index().Add(rt("SignatureSpec")).Block(
		jen.Return(jen.Index().Add(rt("SignatureSpec")).Values(specs...)),
	)

	f.Comment("VerifyNotification checks the signature of a notification of either API: the payin")
	f.Comment("Signature header over the type's fields (its own ID, createdDateTime as received, the")
	f.Comment("amount with two decimals), or the Bill Payments X-Api-Signature-SHA256 header over")
	f.Comment("currency|value|billId|siteId|status. Headers match case-insensitively; the comparison")
	f.Comment("is constant-time. Errors wrap ErrNotification and one of")
	f.Comment("ErrSignatureMissing, ErrSignatureMismatch, ErrMalformedNotification or, for an empty")
	f.Comment("secret (an HMAC anybody can compute), ErrSecretMissing.")
	f.Func().Id("VerifyNotification").Params(
		jen.Id("header").Qual("net/http", "Header"), jen.Id("body").Index().Byte(), jen.Id("secret").String(),
	).Error().Block(
		jen.Return(rt("VerifyNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("header"), jen.Id("body"), jen.Id("secret"))),
	)

	cases := make([]jen.Code, 0, len(notes))
	for _, n := range notes {
		cases = append(cases, jen.Case(jen.Lit(n.Type)).Block(jen.Return(jen.New(jen.Id(n.Model)))))
	}
	f.Comment("newNotification returns an empty model for a notification type, nil for a type")
	f.Comment("without one.")
	f.Func().Id("newNotification").Params(jen.Id("typ").String()).Id("Notification").Block(
		jen.Switch(jen.Id("typ")).Block(cases...),
		jen.Return(jen.Nil()),
	)
	newModel := jen.Func().Params(jen.Id("typ").String()).Any().Block(jen.Return(jen.Id("newNotification").Call(jen.Id("typ"))))
	model := func(call jen.Code) []jen.Code {
		return []jen.Code{
			jen.List(jen.Id("d"), jen.Err()).Op(":=").Add(call),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.List(jen.Id("n"), jen.Id("ok")).Op(":=").Id("d").Dot("Model").Assert(jen.Id("Notification")),
			jen.If(jen.Op("!").Id("ok")).Block(jen.Return(jen.Nil(), rt("MalformedNotification").Call(
				jen.Id("d").Dot("Spec").Dot("Type"), jen.Nil(), jen.Qual("errors", "New").Call(jen.Lit("no model"))))),
			jen.Return(jen.Id("n"), jen.Nil()),
		}
	}
	f.Comment("ParseNotification decodes a notification into its typed model (*PaymentNotification,")
	f.Comment("*BillNotification, ...) by the rules verification reads it with: a member name that")
	f.Comment("repeats in another letter case or with another value, a known member spelled in another")
	f.Comment("letter case, or invalid UTF-8 makes it malformed; a member repeated with an identical")
	f.Comment("value is one member. An unsigned member whose value the model refuses is left out")
	f.Comment("(see DecodedNotification). It does not verify the signature: prefer")
	f.Comment("OpenNotification, or see VerifyNotification.")
	f.Func().Id("ParseNotification").Params(jen.Id("body").Index().Byte()).Params(jen.Id("Notification"), jen.Error()).Block(
		model(rt("ParseNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("body"), newModel))...,
	)
	f.Comment("OpenNotification verifies a notification's signature and decodes it into its typed model")
	f.Comment("from one decoding of the body, so the values verified are the values returned. Errors")
	f.Comment("are those of VerifyNotification and ParseNotification. A notification proves only its")
	f.Comment("signed values (see NotificationSignatures): confirm its status with a status request")
	f.Comment("(Client.ConfirmNotification) before fulfilling an order.")
	f.Func().Id("OpenNotification").Params(
		jen.Id("header").Qual("net/http", "Header"), jen.Id("body").Index().Byte(), jen.Id("secret").String(),
	).Params(jen.Id("Notification"), jen.Error()).Block(
		model(rt("OpenNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("header"), jen.Id("body"), jen.Id("secret"), newModel))...,
	)

	f.Comment("SignNotification signs a notification body as QIWI does, for your own webhook tests: send")
	f.Comment("the body with the returned header.")
	f.Func().Id("SignNotification").Params(jen.Id("body").Index().Byte(), jen.Id("secret").String()).Params(jen.Qual("net/http", "Header"), jen.Error()).Block(
		jen.Return(rt("SignNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("body"), jen.Id("secret"))),
	)

	f.Comment("NewNotificationHandler returns an http.Handler that verifies each notification, decodes")
	f.Comment("it and calls handle; it answers 200 only after handle succeeded (QIWI sends the")
	f.Comment("notification again otherwise) and 4xx for a bad signature or body. Options add a")
	f.Comment("source-address allow-list (QIWINetworks) and a redelivery filter.")
	f.Func().Id("NewNotificationHandler").Params(
		jen.Id("secret").String(),
		jen.Id("handle").Func().Params(jen.Qual("context", "Context"), jen.Id("Notification")).Error(),
		jen.Id("opts").Op("...").Add(rt("HandlerOption")),
	).Qual("net/http", "Handler").Block(
		jen.Return(rt("NewNotificationHandler").Call(jen.Id("NotificationSignatures").Call(), jen.Id("secret"), jen.Id("newNotification"), jen.Id("handle"), jen.Id("opts").Op("..."))),
	)
	if err := confirmMethod(f, notes, ops); err != nil {
		return nil, err
	}
	return f, nil
}

// confirmMethod writes Client.ConfirmNotification: per notification type, the status
// request its declaration names (confirmedBy), called with the notification's values.
func confirmMethod(f *jen.File, notes []notificationModel, ops []operation) error {
	byID := map[string]operation{}
	for _, op := range ops {
		byID[op.ID] = op
	}
	var cases []jen.Code
	for _, n := range notes {
		if n.ConfirmedBy == nil {
			continue
		}
		op, ok := byID[n.ConfirmedBy.OperationID]
		if !ok {
			continue // filtered out of this client: the notification is not confirmable here
		}
		var args []jen.Code
		for range op.args() {
			args = append(args, jen.Id("v").Index(jen.Lit(len(args))))
		}
		if op.HasBody || op.ResultList || op.Result == "" || len(args) != len(n.ConfirmedBy.Parameters) {
			return fmt.Errorf("notification %s: confirmedBy %s: the operation must take %d path parameters besides the configured ones, no body, and answer one object",
				n.Type, op.ID, len(n.ConfirmedBy.Parameters))
		}
		ptrs := []jen.Code{jen.Id("n")}
		for _, p := range n.ConfirmedBy.Parameters {
			ptrs = append(ptrs, jen.Lit(p))
		}
		cases = append(cases, jen.Case(jen.Op("*").Id(n.Model)).Block(
			jen.List(jen.Id("v"), jen.Err()).Op(":=").Add(rt("NotificationValues")).Call(ptrs...),
			jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.List(jen.Id("got"), jen.Err()).Op(":=").Id("c").Dot(op.GoName).Call(append(append([]jen.Code{jen.Id("ctx")}, args...), jen.Id("opts").Op("..."))...),
			jen.If(jen.Id("got").Op("==").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
			jen.If(jen.Id("merr").Op(":=").Add(rt("MatchConfirmation")).Call(jen.Id("notificationSignature").Call(jen.Lit(n.Type)), jen.Id("n"), jen.Id("got")),
				jen.Id("merr").Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Id("merr"))),
			jen.Return(jen.Id("got"), jen.Err()),
		))
	}
	if len(cases) > 0 {
		f.Comment("notificationSignature is the SignatureSpec of a notification type.")
		f.Func().Id("notificationSignature").Params(jen.Id("typ").String()).Add(rt("SignatureSpec")).Block(
			jen.For(jen.List(jen.Id("_"), jen.Id("s")).Op(":=").Range().Id("NotificationSignatures").Call()).Block(
				jen.If(jen.Id("s").Dot("Type").Op("==").Id("typ")).Block(jen.Return(jen.Id("s"))),
			),
			jen.Return(jen.Add(rt("SignatureSpec")).Values(jen.Dict{jen.Id("Type"): jen.Id("typ")})),
		)
	}
	f.Comment("ConfirmNotification asks QIWI for the current state of the operation a notification")
	f.Comment("reports. A notification proves only its signed values (NotificationSignatures): its")
	f.Comment("status is not signed, and the payin types sign the same three values, so confirm the")
	f.Comment("status, as the docs advise, before fulfilling an order. It returns the status request's")
	f.Comment("answer (*Payment for PAYMENT, *Capture, *Refund, *CardVerification, *Bill), with its")
	f.Comment("error (a decline comes back with the object and ErrDeclined); a type no")
	f.Comment("request confirms gives ErrNotConfirmable. The answer is compared with the")
	f.Comment("notification's signed values (MatchConfirmation): an answer found with an unsigned")
	f.Comment("value a forged copy changed (a REFUND's paymentId) differs from them, and gives")
	f.Comment("ErrNotificationMismatch naming the member, without the answer. Call options apply to")
	f.Comment("the status request.")
	f.Func().Params(jen.Id("c").Op("*").Id("Client")).Id("ConfirmNotification").Params(
		jen.Id("ctx").Qual("context", "Context"), jen.Id("n").Id("Notification"), jen.Id("opts").Op("...").Add(rt("CallOption")),
	).Params(jen.Any(), jen.Error()).Block(
		jen.If(jen.Id("n").Op("==").Nil()).Block(jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: no notification"), rt("ErrNotConfirmable")))),
		jen.Switch(jen.Id("n").Op(":=").Id("n").Assert(jen.Type())).Block(cases...),
		jen.Return(jen.Nil(), jen.Qual("fmt", "Errorf").Call(jen.Lit("%w: %s notification"), rt("ErrNotConfirmable"), jen.Id("n").Dot("NotificationType").Call())),
	)
	return nil
}
