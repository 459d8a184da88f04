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
func notificationPass(pkg string, notes []notificationModel) *jen.File {
	f := jen.NewFile(pkg)
	f.HeaderComment(generatedHeader)
	f.ImportName(runtimePkg, "qiwiruntime")

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
	f.Func().Id("NotificationSignatures").Params().Index().Qual(runtimePkg, "SignatureSpec").Block(
		jen.Return(jen.Index().Qual(runtimePkg, "SignatureSpec").Values(specs...)),
	)

	f.Comment("VerifyNotification checks the signature of a notification of either API: the payin")
	f.Comment("Signature header over the type's fields (its own ID, createdDateTime as received, the")
	f.Comment("amount with two decimals), or the Bill Payments X-Api-Signature-SHA256 header over")
	f.Comment("currency|value|billId|siteId|status. Headers match case-insensitively; the comparison")
	f.Comment("is constant-time. Errors wrap qiwiruntime.ErrNotification and one of")
	f.Comment("ErrSignatureMissing, ErrSignatureMismatch, ErrMalformedNotification or, for an empty")
	f.Comment("secret (an HMAC anybody can compute), ErrSecretMissing.")
	f.Func().Id("VerifyNotification").Params(
		jen.Id("header").Qual("net/http", "Header"), jen.Id("body").Index().Byte(), jen.Id("secret").String(),
	).Error().Block(
		jen.Return(jen.Qual(runtimePkg, "VerifyNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("header"), jen.Id("body"), jen.Id("secret"))),
	)

	cases := make([]jen.Code, 0, len(notes)+1)
	for _, n := range notes {
		cases = append(cases, jen.Case(jen.Lit(n.Type)).Block(
			jen.Var().Id("n").Id(n.Model),
			jen.If(jen.Err().Op(":=").Qual("encoding/json", "Unmarshal").Call(jen.Id("body"), jen.Op("&").Id("n")), jen.Err().Op("!=").Nil()).Block(
				jen.Return(jen.Nil(), jen.Qual(runtimePkg, "MalformedNotification").Call(jen.Lit(n.Type), jen.Id("body"), jen.Err())),
			),
			jen.Return(jen.Op("&").Id("n"), jen.Nil()),
		))
	}
	f.Comment("ParseNotification decodes a notification into its typed model (*PaymentNotification,")
	f.Comment("*BillNotification, ...). It does not verify the signature: see VerifyNotification.")
	f.Func().Id("ParseNotification").Params(jen.Id("body").Index().Byte()).Params(jen.Id("Notification"), jen.Error()).Block(
		jen.List(jen.Id("spec"), jen.Err()).Op(":=").Qual(runtimePkg, "DetectNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("body")),
		jen.If(jen.Err().Op("!=").Nil()).Block(jen.Return(jen.Nil(), jen.Err())),
		jen.Switch(jen.Id("spec").Dot("Type")).Block(cases...),
		jen.Return(jen.Nil(), jen.Qual(runtimePkg, "MalformedNotification").Call(jen.Id("spec").Dot("Type"), jen.Id("body"), jen.Qual("errors", "New").Call(jen.Lit("no model")))),
	)

	f.Comment("SignNotification signs a notification body as QIWI does, for your own webhook tests: send")
	f.Comment("the body with the returned header.")
	f.Func().Id("SignNotification").Params(jen.Id("body").Index().Byte(), jen.Id("secret").String()).Params(jen.Qual("net/http", "Header"), jen.Error()).Block(
		jen.Return(jen.Qual(runtimePkg, "SignNotification").Call(jen.Id("NotificationSignatures").Call(), jen.Id("body"), jen.Id("secret"))),
	)

	f.Comment("NewNotificationHandler returns an http.Handler that verifies each notification, decodes")
	f.Comment("it and calls handle; it answers 200 only after handle succeeded (QIWI sends the")
	f.Comment("notification again otherwise) and 4xx for a bad signature or body. Options add a")
	f.Comment("source-address allow-list (qiwiruntime.QIWINetworks) and a redelivery filter.")
	f.Func().Id("NewNotificationHandler").Params(
		jen.Id("secret").String(),
		jen.Id("handle").Func().Params(jen.Qual("context", "Context"), jen.Id("Notification")).Error(),
		jen.Id("opts").Op("...").Qual(runtimePkg, "HandlerOption"),
	).Qual("net/http", "Handler").Block(
		jen.Return(jen.Qual(runtimePkg, "NewNotificationHandler").Call(jen.Id("NotificationSignatures").Call(), jen.Id("secret"), jen.Id("ParseNotification"), jen.Id("handle"), jen.Id("opts").Op("..."))),
	)
	return f
}
