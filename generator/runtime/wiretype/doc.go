// Package wiretype holds QIWI's values as the wire carries them: Money, exact amounts that
// are never floats and keep the text they arrived as ("3.00" or 5); Timestamp, which parses
// every form QIWI sends (with or without an offset, milli- or microseconds, "+03") and keeps
// it; NumericCode, RRNs and authorization codes with their leading zeros. A value the wire
// refuses is a *ValueError, and LocateValue names the JSON member it stood at.
package wiretype
