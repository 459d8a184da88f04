package diff

// Level says whom a change breaks.
type Level string

// The levels, most severe first.
const (
	// BreakingWire breaks any client on the wire: a request the old spec allowed is refused,
	// or an answer the old spec promised no longer comes.
	BreakingWire Level = "breaking-wire"
	// BreakingGo breaks a Go client generated from the old spec (a method, type, field or
	// constant goes or changes its Go type), while the wire stays compatible.
	BreakingGo Level = "breaking-go"
	// Warning may break a client: an answer may carry what an old client does not know.
	Warning Level = "warning"
	// Info breaks nothing.
	Info Level = "info"
)

// Levels lists the levels, most severe first.
var Levels = []Level{BreakingWire, BreakingGo, Warning, Info}

// rank orders the levels: 3 for BreakingWire down to 0 for Info.
func (l Level) rank() int {
	switch l {
	case BreakingWire:
		return 3
	case BreakingGo:
		return 2
	case Warning:
		return 1
	}
	return 0
}

// Breaking reports whether the level breaks a client (on the wire or in Go).
func (l Level) Breaking() bool { return l.rank() >= BreakingGo.rank() }

// Rule is one kind of change with its level and its wording in English and Russian (for the
// changelog: QIWI's own docs are Russian first).
type Rule struct {
	// ID names the rule in change IDs, SARIF and the ignore file.
	ID string `json:"id"`
	// Level is the rule's level.
	Level Level `json:"level"`
	// English and Russian say what changed, as a changelog line's start.
	English string `json:"en"`
	Russian string `json:"ru"`
}

// Rules are the rules, in report order.
var Rules = []Rule{
	{"operation-removed", BreakingWire, "operation removed", "операция удалена"},
	{"operation-moved", BreakingWire, "operation moved to another method or path", "операция перенесена на другой метод или путь"},
	{"operation-renamed", BreakingGo, "operationId changed: the Go method is renamed", "изменён operationId: метод Go переименован"},
	{"operation-added", Info, "operation added", "операция добавлена"},
	{"request-parameter-added", BreakingWire, "required request parameter added", "добавлен обязательный параметр запроса"},
	{"request-parameter-made-required", BreakingWire, "request parameter made required", "параметр запроса стал обязательным"},
	{"parameter-type-changed", BreakingWire, "parameter type changed", "изменён тип параметра"},
	{"parameter-removed", BreakingGo, "parameter removed: its Go argument is gone", "параметр удалён: его аргумент Go удалён"},
	{"parameter-made-optional", BreakingGo, "parameter made optional", "параметр стал необязательным"},
	{"parameter-added", Info, "optional parameter added", "добавлен необязательный параметр"},
	{"path-parameter-renamed", Info, "path parameter renamed (the wire and the Go call are the same)", "параметр пути переименован (запрос и вызов Go прежние)"},
	{"request-body-changed", BreakingWire, "request body's schema changed", "изменена схема тела запроса"},
	{"response-body-changed", BreakingWire, "answer body's schema changed", "изменена схема тела ответа"},
	{"response-status-removed", Warning, "answer status removed", "удалён код ответа"},
	{"response-status-added", Info, "answer status added", "добавлен код ответа"},
	{"schema-removed", BreakingGo, "schema removed: its Go type is gone", "схема удалена: её тип Go удалён"},
	{"schema-added", Info, "schema added", "схема добавлена"},
	{"response-member-removed", BreakingWire, "required answer member removed", "обязательное поле ответа удалено"},
	{"optional-response-member-removed", BreakingGo, "optional answer member removed: its Go field is gone", "необязательное поле ответа удалено: его поле Go удалено"},
	{"request-member-removed", BreakingGo, "request member removed: its Go field is gone", "поле запроса удалено: его поле Go удалено"},
	{"member-added", Info, "member added", "поле добавлено"},
	{"type-changed", BreakingWire, "type changed", "изменён тип"},
	{"schema-reshaped", BreakingGo, "schema reshaped (a $ref or a type given or dropped): the Go type changes", "схема перестроена ($ref или тип добавлен или убран): тип Go меняется"},
	{"schema-recomposed", Info, "schema recomposed ($ref or allOf) with the same values and the same Go type", "схема перестроена ($ref или allOf) с прежними значениями и прежним типом Go"},
	{"response-type-widened", Warning, "answer type widened: an answer may carry a type an old client refuses", "тип ответа расширен: ответ может содержать тип, который прежний клиент отвергнет"},
	{"format-changed", BreakingGo, "format changed: the Go type may change", "изменён формат: тип Go может измениться"},
	{"request-member-made-required", BreakingWire, "request member made required", "поле запроса стало обязательным"},
	{"response-member-made-optional", BreakingWire, "answer member made optional: an answer may lack it", "поле ответа стало необязательным: ответ может его не содержать"},
	{"member-made-required", BreakingGo, "member made required: its Go field is no pointer any more", "поле стало обязательным: его поле Go больше не указатель"},
	{"member-made-optional", BreakingGo, "member made optional: its Go field becomes a pointer", "поле стало необязательным: его поле Go становится указателем"},
	{"request-enum-value-removed", BreakingWire, "enumeration value removed from requests", "значение перечисления удалено из запросов"},
	{"enum-value-removed", BreakingGo, "enumeration value removed: its Go constant is gone", "значение перечисления удалено: его константа Go удалена"},
	{"response-enum-value-added", BreakingWire, "value added to a closed enumeration of answers: a client that checks answers by the old spec refuses it", "значение добавлено в закрытое перечисление ответов: клиент, проверяющий ответы по прежней спецификации, их отвергнет"},
	{"enum-value-added", Info, "enumeration value added", "значение перечисления добавлено"},
	{"extensible-enum-value-added", Info, "value added to an extensible enumeration", "значение добавлено в расширяемое перечисление"},
	{"request-constraint-narrowed", BreakingWire, "request constraint narrowed", "ограничение запроса сужено"},
	{"response-constraint-relaxed", Warning, "answer constraint relaxed: an answer may carry a value an old client refuses", "ограничение ответа ослаблено: ответ может содержать значение, которое прежний клиент отвергнет"},
	{"changed", Info, "changed", "изменено"},
}

// ruleByID returns the rule of that ID; the zero Rule (level Info) for an unknown one.
func ruleByID(id string) Rule {
	for _, r := range Rules {
		if r.ID == id {
			return r
		}
	}
	return Rule{ID: id, Level: Info, English: id, Russian: id}
}
